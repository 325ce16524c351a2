// Every setting of bgpcast in one place: its flag, environment variable, default, the Cilium
// agent/operator flag it stands for, what it means, and how its text is read. Commands register
// the settings they take from this list (bin/commands/settings-options.ts); the README's settings
// table is held to it by a unit test. A flag wins over its environment variable, which wins over
// the default.

import { formatPrefix, parsePrefix } from '../events/ip.ts';

/** Cilium's IPAM modes (`ipam`); PodCIDR advertisements work only in the first two (POD-1). */
export const IPAM_MODES = ['kubernetes', 'cluster-pool', 'multi-pool', 'crd', 'eni', 'azure', 'alibabacloud', 'delegated-plugin'] as const;
export type IpamMode = (typeof IPAM_MODES)[number];

/** Cilium's `bgp-router-id-allocation-mode` values. */
export const ROUTER_ID_MODES = ['default', 'ip-pool'] as const;
export type RouterIdMode = (typeof ROUTER_ID_MODES)[number];

export interface Settings {
  /** bgp-secrets-namespace: the only namespace authSecretRef Secrets are looked up in. */
  readonly bgpSecretsNamespace: string;
  /** enable-no-service-endpoints-routable: advertise VIPs of Services without ready endpoints. */
  readonly enableNoServiceEndpointsRoutable: boolean;
  /** enable-bgp-legacy-origin-attribute: LoadBalancerIP routes with ORIGIN=INCOMPLETE. */
  readonly legacyOriginAttribute: boolean;
  /** ipam: where a node's pod CIDRs come from, and whether PodCIDR entries advertise anything. */
  readonly ipamMode: IpamMode;
  /** enable-bgp-control-plane-status-report: the status writer writes status and conditions. */
  readonly statusReport: boolean;
  /** enable-lb-ipam: the status writer allocates LoadBalancer IPs from CiliumLoadBalancerIPPools. */
  readonly enableLbIpam: boolean;
  /** bgp-router-id-allocation-mode. */
  readonly routerIdAllocationMode: RouterIdMode;
  /** bgp-router-id-allocation-ip-pool: an IPv4 CIDR (normalised), null when not set. */
  readonly routerIdAllocationPool: string | null;
}

export type SettingKey = keyof Settings;

/** Which process reads a setting: the functions compute with it, the status writer writes by it. */
export type SettingReader = 'functions' | 'status-writer';

export interface SettingDefinition<K extends SettingKey = SettingKey> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  /** The default as text, read by `parse` like any other value. */
  readonly default: string;
  readonly cilium: string;
  readonly meaning: string;
  readonly readBy: SettingReader;
  /** The value of a text; throws an Error whose message says what is accepted. */
  readonly parse: (text: string) => Settings[K];
}

export class InvalidSettingError extends Error {
  readonly code = 'InvalidSetting';
  /** One line per problem: "--flag (or ENV): …". */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'InvalidSettingError';
    this.problems = problems;
  }
}

function bool(text: string): boolean {
  if (/^(true|1|yes)$/i.test(text.trim())) return true;
  if (/^(false|0|no)$/i.test(text.trim())) return false;
  throw new Error(`expected true or false, got "${text}"`);
}

function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    const v = text.trim();
    if ((values as readonly string[]).includes(v)) return v as T;
    throw new Error(`expected one of ${values.join(', ')}, got "${text}"`);
  };
}

/** A namespace is a DNS-1123 label (Kubernetes' rule for namespace names). */
function namespace(text: string): string {
  const v = text.trim();
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)) return v;
  throw new Error(`"${text}" is not a namespace name (lower-case letters, digits and '-', at most 63)`);
}

function ipv4Cidr(text: string): string | null {
  if (text.trim() === '') return null;
  const prefix = parsePrefix(text.trim());
  if (prefix === null || prefix.family !== 4) throw new Error(`expected an IPv4 CIDR such as 10.255.0.0/24, got "${text}"`);
  return formatPrefix(prefix);
}

const define = <K extends SettingKey>(d: SettingDefinition<K>): SettingDefinition<K> => d;

/** Every setting, in the order of the README's table. */
export const SETTINGS = [
  define({
    key: 'bgpSecretsNamespace',
    flag: '--bgp-secrets-namespace',
    env: 'BGPCAST_BGP_SECRETS_NAMESPACE',
    default: 'kube-system',
    cilium: 'bgp-secrets-namespace',
    meaning: 'the only namespace the Secrets named by a PeerConfig\'s `authSecretRef` are looked up in (PEER-3, COND-2); `bgpcast watch` reads Secrets from it alone',
    readBy: 'functions',
    parse: namespace,
  }),
  define({
    key: 'enableNoServiceEndpointsRoutable',
    flag: '--enable-no-service-endpoints-routable',
    env: 'BGPCAST_ENABLE_NO_SERVICE_ENDPOINTS_ROUTABLE',
    default: 'true',
    cilium: 'enable-no-service-endpoints-routable',
    meaning: 'false: a Service with no ready endpoint anywhere is not advertised (SVC-6)',
    readBy: 'functions',
    parse: bool,
  }),
  define({
    key: 'legacyOriginAttribute',
    flag: '--enable-bgp-legacy-origin-attribute',
    env: 'BGPCAST_ENABLE_BGP_LEGACY_ORIGIN_ATTRIBUTE',
    default: 'false',
    cilium: 'enable-bgp-legacy-origin-attribute',
    meaning: 'true: LoadBalancerIP routes carry ORIGIN INCOMPLETE instead of IGP, as MetalLB sent them (SVC-9)',
    readBy: 'functions',
    parse: bool,
  }),
  define({
    key: 'ipamMode',
    flag: '--ipam',
    env: 'BGPCAST_IPAM',
    default: 'kubernetes',
    cilium: 'ipam',
    meaning: `the cluster's IPAM mode (${IPAM_MODES.join(', ')}): PodCIDR advertisements work only in \`kubernetes\` and \`cluster-pool\` (POD-1); in \`kubernetes\` a CiliumNode without pod CIDRs falls back to its Node's (POD-2); CiliumPodIPPool advertisements follow the pools allocated to the node in any mode (POOL-2)`,
    readBy: 'functions',
    parse: oneOf(IPAM_MODES),
  }),
  define({
    key: 'statusReport',
    flag: '--status-report',
    env: 'BGPCAST_STATUS_REPORT',
    default: 'true',
    cilium: 'enable-bgp-control-plane-status-report',
    meaning: 'false: the status writer writes no status or conditions to the Kubernetes API and clears what it wrote',
    readBy: 'status-writer',
    parse: bool,
  }),
  define({
    key: 'enableLbIpam',
    flag: '--enable-lb-ipam',
    env: 'BGPCAST_ENABLE_LB_IPAM',
    default: 'true',
    cilium: 'enable-lb-ipam',
    meaning: 'false: the status writer hands out no LoadBalancer IPs from CiliumLoadBalancerIPPools and writes nothing to Services or pools (LBIPAM-1); what it wrote stays',
    readBy: 'status-writer',
    parse: bool,
  }),
  define({
    key: 'routerIdAllocationMode',
    flag: '--bgp-router-id-allocation-mode',
    env: 'BGPCAST_BGP_ROUTER_ID_ALLOCATION_MODE',
    default: 'default',
    cilium: 'bgp-router-id-allocation-mode',
    meaning: '`default`: the router ID is the override\'s, else taken from the node\'s address (INST-3); `ip-pool`: the override\'s, else allocated from `--bgp-router-id-allocation-ip-pool` (INST-7)',
    readBy: 'functions',
    parse: oneOf(ROUTER_ID_MODES),
  }),
  define({
    key: 'routerIdAllocationPool',
    flag: '--bgp-router-id-allocation-ip-pool',
    env: 'BGPCAST_BGP_ROUTER_ID_ALLOCATION_IP_POOL',
    default: '',
    cilium: 'bgp-router-id-allocation-ip-pool',
    meaning: 'the IPv4 CIDR router IDs are allocated from in `ip-pool` mode (required there)',
    readBy: 'functions',
    parse: ipv4Cidr,
  }),
] as const satisfies readonly SettingDefinition[];

/** The settings as their defaults give them. */
export const DEFAULT_SETTINGS: Settings = Object.freeze(
  Object.fromEntries(SETTINGS.map((d) => [d.key, d.parse(d.default)])) as unknown as Settings,
);

export interface SettingSources {
  /** Flag values by setting key, as the command line gave them (absent: not given). */
  readonly flags?: Partial<Record<SettingKey, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The settings from flags, then environment variables, then defaults. Every problem is reported at
 * once, naming the flag or variable it came from; settings of other keys than `keys` keep their
 * defaults.
 */
export function readSettings(sources: SettingSources, keys: readonly SettingKey[] = SETTINGS.map((d) => d.key)): Settings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  for (const d of SETTINGS as readonly SettingDefinition[]) {
    if (!keys.includes(d.key)) continue;
    const flag = sources.flags?.[d.key];
    const env = sources.env?.[d.env];
    const [text, from] = flag !== undefined ? [flag, d.flag] : env !== undefined && env !== '' ? [env, d.env] : [d.default, null];
    try {
      out[d.key] = d.parse(text);
    } catch (e) {
      problems.push(`${from ?? d.flag}: ${(e as Error).message}`);
    }
  }
  const settings = out as unknown as Settings;
  if (problems.length === 0 && settings.routerIdAllocationMode === 'ip-pool' && settings.routerIdAllocationPool === null) {
    problems.push(`${SETTING.routerIdAllocationPool.flag}: required when ${SETTING.routerIdAllocationMode.flag} is ip-pool`);
  }
  if (problems.length > 0) throw new InvalidSettingError(problems);
  return settings;
}

/** The definitions by key. */
export const SETTING: { readonly [K in SettingKey]: SettingDefinition<K> } = Object.fromEntries(
  SETTINGS.map((d) => [d.key, d]),
) as unknown as { readonly [K in SettingKey]: SettingDefinition<K> };

/** The keys a reader takes. */
export function settingsReadBy(reader: SettingReader): SettingKey[] {
  return SETTINGS.filter((d) => d.readBy === reader).map((d) => d.key);
}
