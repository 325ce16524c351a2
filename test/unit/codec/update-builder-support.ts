// Helpers for the UPDATE packer tests: contexts, prefix runs, and the frames decoded back into
// the routes they carry, each with the attributes it was sent with.

import { expect } from 'vitest';
import type { CodecContext, FamilyKey } from '../../../speaker/codec/context.ts';
import { maxMessageLength } from '../../../speaker/codec/context.ts';
import { formatIPv4, formatIPv6 } from '../../../speaker/codec/ip.ts';
import { decodeMessage } from '../../../speaker/codec/message.ts';
import type { Nlri, UpdateMessage } from '../../../speaker/codec/types.ts';
import type { Announcement, RouteAttributes } from '../../../speaker/codec/update-builder.ts';

export function ctxOf(o: { extended?: boolean; addPath?: FamilyKey[]; fourOctetAs?: boolean } = {}): CodecContext {
  const addPath = new Set<FamilyKey>(o.addPath ?? []);
  return { fourOctetAs: o.fourOctetAs ?? true, addPathSend: addPath, addPathReceive: addPath, extendedMessages: o.extended ?? false };
}

/** n consecutive IPv4 /32s from `first` (a 32-bit number). */
export function v4Hosts(n: number, first = 0x0a000000): string[] {
  return Array.from({ length: n }, (_, i) => {
    const v = (first + i) >>> 0;
    return `${formatIPv4(Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255))}/32`;
  });
}

/** n consecutive IPv6 /128s in 2001:db8::/96, in RFC 5952 form. */
export function v6Hosts(n: number, first = 1): string[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(16);
    b.set([0x20, 0x01, 0x0d, 0xb8]);
    new DataView(b.buffer).setUint32(12, first + i);
    return `${formatIPv6(b)}/128`;
  });
}

export const announce = (prefixes: readonly string[], attributes: RouteAttributes): Announcement[] =>
  prefixes.map((prefix) => ({ prefix, attributes }));

/** JSON with object keys sorted: equal for attribute sets that are equal, whatever the key order. */
export function canon(x: unknown): string {
  return JSON.stringify(x, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** What a peer should receive for a route with `attrs`: MP next hops in place of NEXT_HOP when
 * the route travels in MP_REACH_NLRI (every IPv6 route; IPv4 without NEXT_HOP, RFC 8950).
 * Remembered per attribute object and family: tests pass one object for many routes. */
export function expectedAttributes(prefix: string, attrs: RouteAttributes): string {
  const afi = prefix.includes(':') ? 2 : 1;
  let known = expectedMemo.get(attrs);
  if (!known) expectedMemo.set(attrs, (known = []));
  return (known[afi] ??= expectedOf(afi, attrs));
}

const expectedMemo = new WeakMap<RouteAttributes, string[]>();

function expectedOf(afi: number, attrs: RouteAttributes): string {
  const { mpNextHops, nextHop, ...rest } = attrs;
  const viaMp = afi === 2 || nextHop === undefined;
  if (viaMp && mpNextHops) return canon({ ...rest, mpNextHops });
  return canon(nextHop === undefined ? rest : { ...rest, nextHop });
}

export const routeKey = (afi: number, n: Nlri): string => `${afi}|${n.prefix}|${n.pathId ?? ''}`;

export interface Unpacked {
  messages: { length: number; update: UpdateMessage; afis: Set<number>; attributes: string }[];
  /** routeKey → canonical attributes; a route twice fails the test. */
  announced: Map<string, string>;
  withdrawn: Set<string>;
}

/** Decodes every frame, checking each is an UPDATE within the session maximum. */
export function unpack(frames: readonly Uint8Array[], ctx: CodecContext): Unpacked {
  const out: Unpacked = { messages: [], announced: new Map(), withdrawn: new Set() };
  const twice: string[] = [];
  for (const f of frames) {
    expect(f.length).toBeLessThanOrEqual(maxMessageLength(ctx));
    expect((f[16]! << 8) | f[17]!).toBe(f.length);
    const update = decodeMessage(f, ctx) as UpdateMessage;
    expect(update.type).toBe('update');
    const { mpReach, mpUnreach, ...rest } = update.attributes;
    const attributes = canon(mpReach ? { ...rest, mpNextHops: mpReach.nextHops } : rest);
    const afis = new Set<number>();
    const add = (afi: number, list: readonly Nlri[]) => {
      if (list.length > 0) afis.add(afi);
      for (const n of list) {
        const k = routeKey(afi, n);
        if (out.announced.has(k)) twice.push(`announced ${k}`);
        out.announced.set(k, attributes);
      }
    };
    const remove = (afi: number, list: readonly Nlri[]) => {
      if (list.length > 0) afis.add(afi);
      for (const n of list) {
        const k = routeKey(afi, n);
        if (out.withdrawn.has(k)) twice.push(`withdrawn ${k}`);
        out.withdrawn.add(k);
      }
    };
    add(1, update.nlri);
    remove(1, update.withdrawn);
    if (mpReach) add(mpReach.afi, mpReach.nlri);
    if (mpUnreach) remove(mpUnreach.afi, mpUnreach.withdrawn);
    out.messages.push({ length: f.length, update, afis, attributes });
  }
  expect(twice, 'routes sent more than once').toEqual([]);
  return out;
}

export const totalBytes = (frames: readonly Uint8Array[]): number => frames.reduce((n, f) => n + f.length, 0);

/** NLRI per message, in order. */
export const nlriCounts = (u: Unpacked): number[] =>
  u.messages.map((m) => m.update.nlri.length + (m.update.attributes.mpReach?.nlri.length ?? 0));
