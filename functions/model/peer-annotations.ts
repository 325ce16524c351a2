// bgpcast's extension points on CiliumBGPPeerConfig: annotations under `bgpcast.io/` switch on
// speaker features Cilium's API has no field for (docs/cilium-semantics.md PEER-8 to PEER-10,
// NH-1, NH-2). Cilium ignores annotations, so the same YAML still works under Cilium. A bad value
// (or an unknown bgpcast.io/ key) is ignored — the rest of the object stays in effect — and named
// in the object's bgpcast.io/InvalidObject condition; other annotations are not read.

import {
  NEXT_HOP_IPV4_MODES,
  NEXT_HOP_IPV6_MODES,
  type NextHopIPv4Mode,
  type NextHopIPv6Mode,
} from '../../events/desired-state.ts';
import { UINT32_MAX } from './meta.ts';
import type { ValidationIssue } from './validation.ts';

export const ANNOTATION_PREFIX = 'bgpcast.io/';

/** What the annotations set; null where they set nothing (the default applies). */
export interface PeerExtensions {
  readonly gtsm: boolean | null;
  readonly maxPrefixes: number | null;
  readonly nextHopIPv4: NextHopIPv4Mode | null;
  readonly nextHopIPv6: NextHopIPv6Mode | null;
}

export const NO_EXTENSIONS: PeerExtensions = { gtsm: null, maxPrefixes: null, nextHopIPv4: null, nextHopIPv6: null };

interface AnnotationRow<K extends keyof PeerExtensions> {
  readonly annotation: string;
  readonly field: K;
  /** The values accepted, as the README lists them. */
  readonly values: string;
  readonly default: string;
  readonly meaning: string;
  /** The value; throws an Error saying what is accepted. */
  readonly parse: (text: string) => NonNullable<PeerExtensions[K]>;
}

function oneOf<T extends string>(values: readonly T[]) {
  return (text: string): T => {
    if ((values as readonly string[]).includes(text)) return text as T;
    throw new Error(`expected one of ${values.join(', ')}, got "${text}"`);
  };
}

const row = <K extends keyof PeerExtensions>(r: AnnotationRow<K>) => r;

/** Every annotation bgpcast reads on a CiliumBGPPeerConfig, in the README's order. */
export const PEER_ANNOTATIONS = [
  row({
    annotation: 'bgpcast.io/gtsm',
    field: 'gtsm',
    values: '`true`, `false`',
    default: '`false`',
    meaning:
      'RFC 5082 GTSM: every packet leaves with TTL 255 and the kernel drops what arrives below 254 (below 256 − `ebgpMultihop` for a multihop eBGP peer); the router must send 255 too (PEER-8)',
    parse: (text) => oneOf(['true', 'false'] as const)(text) === 'true',
  }),
  row({
    annotation: 'bgpcast.io/max-prefixes',
    field: 'maxPrefixes',
    values: 'a whole number 1–4294967295',
    default: 'no limit',
    meaning:
      'routes accepted from the router, all families together; one more ends the session with Cease / Maximum Number of Prefixes Reached (6/1) carrying the limit (RFC 4486), and it is tried again after the back-off (PEER-9)',
    parse: (text) => {
      if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > UINT32_MAX) {
        throw new Error(`expected a whole number from 1 to ${UINT32_MAX}, got "${text}"`);
      }
      return Number(text);
    },
  }),
  row({
    annotation: 'bgpcast.io/next-hop-ipv4',
    field: 'nextHopIPv4',
    values: NEXT_HOP_IPV4_MODES.map((v) => `\`${v}\``).join(', '),
    default: '`auto`',
    meaning:
      'the next hop of IPv4 routes: `auto` the session\'s own IPv4 address; over an IPv6 session the session\'s IPv6 address when RFC 8950 extended next hop is negotiated, else the node\'s IPv4 address; `self` the session\'s address only (over IPv6 only with RFC 8950); `node` the node\'s IPv4 InternalIP on every session (NH-1)',
    parse: oneOf(NEXT_HOP_IPV4_MODES),
  }),
  row({
    annotation: 'bgpcast.io/next-hop-ipv6',
    field: 'nextHopIPv6',
    values: NEXT_HOP_IPV6_MODES.map((v) => `\`${v}\``).join(', '),
    default: '`auto`',
    meaning:
      'the next hop of IPv6 routes: `auto` the session\'s own IPv6 address; over an IPv4 session the node\'s IPv6 InternalIP, else the IPv6 address of the interface the session leaves by, else the IPv4-mapped form of the session\'s address (::ffff:a.b.c.d); `self` the session\'s address only (over IPv4 the mapped form, and only with extended next hop negotiated); `node` the node\'s IPv6 InternalIP on every session; `mapped` over IPv4 the mapped form always (NH-2)',
    parse: oneOf(NEXT_HOP_IPV6_MODES),
  }),
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const pathOf = (annotation: string) => `metadata.annotations["${annotation}"]`;

/** The extensions the annotations set, and an issue for each bgpcast.io/ annotation ignored. */
export function peerExtensions(annotations: unknown): { extensions: PeerExtensions; ignored: ValidationIssue[] } {
  if (!isObject(annotations)) return { extensions: NO_EXTENSIONS, ignored: [] };
  const out: Record<string, unknown> = { ...NO_EXTENSIONS };
  const ignored: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const r = PEER_ANNOTATIONS.find((x) => x.annotation === key);
    if (r === undefined) {
      ignored.push({ path: pathOf(key), message: `not an annotation bgpcast reads (it reads ${PEER_ANNOTATIONS.map((x) => x.annotation).join(', ')})` });
      continue;
    }
    if (typeof value !== 'string') {
      ignored.push({ path: pathOf(key), message: 'annotation values must be strings (quote it)' });
      continue;
    }
    try {
      out[r.field] = r.parse(value.trim());
    } catch (e) {
      ignored.push({ path: pathOf(key), message: (e as Error).message });
    }
  }
  ignored.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { extensions: out as unknown as PeerExtensions, ignored };
}
