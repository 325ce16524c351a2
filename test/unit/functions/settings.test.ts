// The settings (functions/settings.ts): each one read from its flag, its environment variable or
// its default, bad values refused with the flag or variable named; each one reaches the
// computation it governs; and the README's settings table says what the code says.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addSettingOptions, settingsFromOptions } from '../../../bin/commands/settings-options.ts';
import { CliError } from '../../../bin/cli-error.ts';
import { registerFunctions } from '../../../bin/commands/functions.ts';
import { registerUp } from '../../../bin/commands/up.ts';
import { registerWatch } from '../../../bin/commands/watch.ts';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { planNode } from '../../../functions/cilium/instances.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import {
  DEFAULT_SETTINGS,
  InvalidSettingError,
  readSettings,
  SETTING,
  SETTINGS,
  settingsReadBy,
  type SettingKey,
  type Settings,
} from '../../../functions/settings.ts';
import {
  advertisement,
  advertisingPeerConfig,
  endpointSlice,
  node,
  peerConfig,
  secret,
  service,
  serviceEntry,
  simpleCluster,
} from './builders.ts';
import { desiredState, onlyPeer, prefixesOf, route } from './desired-helpers.ts';

/** A value other than the default for each setting, as text, and the value it reads as. */
const OTHER: { readonly [K in SettingKey]: readonly [string, Settings[K]] } = {
  bgpSecretsNamespace: ['bgp-secrets', 'bgp-secrets'],
  enableNoServiceEndpointsRoutable: ['false', false],
  legacyOriginAttribute: ['true', true],
  ipamMode: ['multi-pool', 'multi-pool'],
  statusReport: ['false', false],
  enableLbIpam: ['false', false],
  routerIdAllocationMode: ['ip-pool', 'ip-pool'],
  routerIdAllocationPool: ['10.255.0.0/24', '10.255.0.0/24'],
};
const POOL = { [SETTING.routerIdAllocationPool.env]: '10.255.0.0/24' };

describe('reading the settings', () => {
  it('the defaults are Cilium\'s', () => {
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toEqual({
      bgpSecretsNamespace: 'kube-system',
      enableNoServiceEndpointsRoutable: true,
      legacyOriginAttribute: false,
      ipamMode: 'kubernetes',
      statusReport: true,
      enableLbIpam: true,
      routerIdAllocationMode: 'default',
      routerIdAllocationPool: null,
    });
  });

  it.each(SETTINGS.map((d) => [d.key, d] as const))('%s: from its flag, from its variable; the flag wins', (key, d) => {
    const [text, value] = OTHER[key];
    const extra = key === 'routerIdAllocationMode' ? POOL : {};
    expect(readSettings({ flags: { [key]: text }, env: extra })[key]).toEqual(value);
    expect(readSettings({ env: { ...extra, [d.env]: text } })[key]).toEqual(value);
    expect(readSettings({ flags: { [key]: d.default === '' ? '10.1.0.0/24' : d.default }, env: { ...extra, [d.env]: text } })[key]).not.toEqual(value);
  });

  it.each([
    ['enableNoServiceEndpointsRoutable', 'maybe'],
    ['legacyOriginAttribute', ''],
    ['ipamMode', 'static'],
    ['statusReport', 'on-ish'],
    ['enableLbIpam', 'maybe'],
    ['routerIdAllocationMode', 'random'],
    ['routerIdAllocationPool', 'fd00::/64'],
    ['bgpSecretsNamespace', 'Kube_System'],
  ] as const)('%s "%s" is refused, naming the flag, or the variable it came from', (key, text) => {
    const flag = () => readSettings({ flags: { [key]: text } });
    expect(flag).toThrow(InvalidSettingError);
    expect(flag).toThrow(SETTING[key].flag);
    if (text !== '') expect(() => readSettings({ env: { [SETTING[key].env]: text } })).toThrow(SETTING[key].env);
  });

  it('every problem is reported at once', () => {
    try {
      readSettings({ flags: { ipamMode: 'x' }, env: { BGPCAST_STATUS_REPORT: 'y' } });
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidSettingError).problems).toHaveLength(2);
      expect((e as InvalidSettingError).code).toBe('InvalidSetting');
    }
  });

  it('an empty variable counts as unset', () => {
    expect(readSettings({ env: { BGPCAST_IPAM: '' } }).ipamMode).toBe('kubernetes');
  });

  it('ip-pool mode needs a pool; the pool is normalised', () => {
    expect(() => readSettings({ flags: { routerIdAllocationMode: 'ip-pool' } })).toThrow(/--bgp-router-id-allocation-ip-pool: required/);
    expect(readSettings({ flags: { routerIdAllocationMode: 'ip-pool', routerIdAllocationPool: '10.255.0.7/24' } }).routerIdAllocationPool).toBe('10.255.0.0/24');
  });

  it('who reads what: the status writer reads status reporting and LB IPAM, the functions the rest', () => {
    expect(settingsReadBy('status-writer')).toEqual(['statusReport', 'enableLbIpam']);
    expect(settingsReadBy('functions')).toEqual(SETTINGS.map((d) => d.key).filter((k) => k !== 'statusReport' && k !== 'enableLbIpam'));
  });
});

describe('the settings as command-line options', () => {
  const parse = (args: string[], env: Record<string, string> = {}) => {
    let out: Settings | null = null;
    const program = new Command().exitOverride();
    const command = program.command('functions');
    addSettingOptions(command, settingsReadBy('functions')).action((opts: Record<string, unknown>) => {
      out = settingsFromOptions(opts, settingsReadBy('functions'), env);
    });
    program.parse(['node', 'bgpcast', 'functions', ...args]);
    return out!;
  };

  it('each flag of `functions` reaches its setting', () => {
    for (const key of settingsReadBy('functions')) {
      const [text, value] = OTHER[key];
      const extra = key === 'routerIdAllocationMode' ? ['--bgp-router-id-allocation-ip-pool', '10.255.0.0/24'] : [];
      expect(parse([SETTING[key].flag, text, ...extra])[key]).toEqual(value);
    }
  });

  it('`functions` and `up` take every setting the functions read, `watch` the secrets namespace', () => {
    const program = new Command();
    registerFunctions(program);
    registerUp(program);
    registerWatch(program);
    const flags = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    const functionsFlags = settingsReadBy('functions').map((k) => SETTING[k].flag);
    expect(flags('functions')).toEqual(expect.arrayContaining(functionsFlags));
    expect(flags('up')).toEqual(expect.arrayContaining(functionsFlags));
    expect(flags('watch')).toEqual(expect.arrayContaining(['--bgp-secrets-namespace', '--secrets-namespace']));
  });

  it('variables are read when no flag is given, and a bad value is a usage error', () => {
    expect(parse([], { BGPCAST_IPAM: 'multi-pool' }).ipamMode).toBe('multi-pool');
    expect(() => parse(['--ipam', 'nonsense'])).toThrow(CliError);
  });
});

describe('each setting reaches the computation', () => {
  const n = node('n', {}, { ips: ['172.16.1.1'], podCIDRs: ['10.1.0.0/24'] });
  const objects = [
    simpleCluster('c'),
    n,
    advertisingPeerConfig('peer-config'),
    advertisement('a', [{ advertisementType: 'PodCIDR' }, serviceEntry(['LoadBalancerIP'])]),
    service('lb', { type: 'LoadBalancer' }, { lbIPs: ['198.51.100.1'] }),
    service('idle', { type: 'LoadBalancer' }, { lbIPs: ['198.51.100.2'] }),
    endpointSlice('lb-1', 'lb', [{ nodeName: 'n' }]),
  ];
  const world = (key: SettingKey) => {
    const env = { ...(key === 'routerIdAllocationMode' ? POOL : {}), [SETTING[key].env]: OTHER[key][0] };
    return worldFromObjects(objects, readSettings({ env }));
  };
  const defaults = worldFromObjects(objects);

  it('enable-no-service-endpoints-routable=false withdraws the Service without endpoints', () => {
    expect(prefixesOf(desiredState(defaults, 'n'))).toContain('198.51.100.2/32');
    expect(prefixesOf(desiredState(world('enableNoServiceEndpointsRoutable'), 'n'))).not.toContain('198.51.100.2/32');
  });

  it('the legacy origin attribute sends LoadBalancerIP routes with ORIGIN incomplete', () => {
    expect(route(desiredState(defaults, 'n'), '198.51.100.1/32')?.origin).toBe('igp');
    expect(route(desiredState(world('legacyOriginAttribute'), 'n'), '198.51.100.1/32')?.origin).toBe('incomplete');
  });

  it('the IPAM mode multi-pool ends PodCIDR advertisements', () => {
    expect(prefixesOf(desiredState(defaults, 'n'))).toContain('10.1.0.0/24');
    expect(prefixesOf(desiredState(world('ipamMode'), 'n'))).not.toContain('10.1.0.0/24');
  });

  it('the secrets namespace is where authSecretRef points and where MissingAuthSecret looks', () => {
    const withAuth = [simpleCluster('c'), n, peerConfig('peer-config', { authSecretRef: 'md5' }), secret('md5', 'bgp-secrets')];
    const env = { [SETTING.bgpSecretsNamespace.env]: 'bgp-secrets' };
    const moved = worldFromObjects(withAuth, readSettings({ env }));
    expect(onlyPeer(desiredState(moved, 'n')).config.authSecretRef).toEqual({ namespace: 'bgp-secrets', name: 'md5' });
    const missing = (w: ReturnType<typeof worldFromObjects>) => computeConditions(w).find((c) => c.type === 'cilium.io/MissingAuthSecret')?.status;
    expect(missing(moved)).toBe('False');
    expect(missing(worldFromObjects(withAuth))).toBe('True');
  });

  it('the router-ID mode ip-pool takes no router ID from the node: the instance waits for one from the pool', () => {
    expect(planNode(defaults, 'n').instances.map((i) => i.routerID)).toEqual(['172.16.1.1']);
    const plan = planNode(world('routerIdAllocationMode'), 'n');
    expect(plan.instances).toEqual([]);
    // Waiting for the allocation is not a problem (INST-7, docs/router-id-pool.md).
    expect(plan.problems).toEqual([]);
  });
});

describe('the README settings table', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  const rows = readme
    .split('\n')
    .map((line) => line.split(/(?<!\\)\|/).map((c) => c.trim()))
    .filter((cells) => /^`--[a-z-]+`$/.test(cells[1] ?? '') && /^`BGPCAST_[A-Z_]+`$/.test(cells[2] ?? ''));

  it('lists every setting once, in order, with its flag, variable, default, Cilium name and meaning', () => {
    expect(rows.map((r) => r.slice(1, 6))).toEqual(
      SETTINGS.map((d) => [`\`${d.flag}\``, `\`${d.env}\``, d.default === '' ? 'none' : `\`${d.default}\``, `\`${d.cilium}\``, d.meaning]),
    );
  });
});
