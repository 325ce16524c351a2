// The wire tap at the Adj-RIB-Out sender (speaker/session/session-routes.ts): over random sequences
// of route changes, refreshes and graceful-shutdown toggles, the UPDATEs reported are exactly the
// octets written, in order, each with the message it encodes and the revision being applied; the
// routes they announce and withdraw add up to the Adj-RIB-Out; table() re-sends that Adj-RIB-Out,
// End-of-RIB per family last. Without a consumer the sender writes the very same octets and
// reports nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../../events/desired-state.ts';
import type { FamilyKey } from '../../../speaker/codec/context.ts';
import { toHex } from '../../../speaker/codec/hex.ts';
import { decodeMessage, encodeMessage } from '../../../speaker/codec/message.ts';
import type { UpdateMessage } from '../../../speaker/codec/types.ts';
import { RouteSender } from '../../../speaker/session/session-routes.ts';
import { updateRoutes } from '../../../speaker/tap/update-routes.ts';
import type { UpdateSentEvent } from '../../../speaker/tap/wire-events.ts';
import { negotiatedContext, route } from '../../support/speaker.ts';
import { manualTaps, tappedSender } from '../../support/tapped-sender.ts';

const ctx = negotiatedContext([1, 2]);
const families: FamilyKey[] = ['1/1', '2/1'];

/** A sender on a wire tap, with (`listening`) or without a consumer; the revision set by the test. */
function tapped(listening: boolean) {
  const m = manualTaps({ listen: listening });
  let revision = 0;
  const { sender, written } = tappedSender(m.taps, { ctx, node: 'worker1', instance: 'default', revision: () => revision });
  return {
    sender,
    written,
    events: m.events,
    deliver: m.deliver,
    setRevision: (r: number) => (revision = r),
    updates: () => m.events.filter((e): e is UpdateSentEvent => e.kind === 'update'),
  };
}

const prefixOf = (afi: 1 | 2, i: number) => (afi === 1 ? `10.${i >> 8}.${i & 255}.0/24` : `2001:db8:${(i + 1).toString(16)}::/48`);
const routeArb = (afi: 1 | 2) =>
  fc.record({ i: fc.integer({ min: 0, max: 40 }), tag: fc.integer({ min: 0, max: 3 }) }).map(({ i, tag }) =>
    route(prefixOf(afi, i), { communities: tag ? [`65001:${tag}`] : [] }),
  );
type Op =
  | { op: 'set'; afi: 1 | 2; routes: DesiredRoute[] }
  | { op: 'update'; afi: 1 | 2; upserts: DesiredRoute[]; withdrawn: string[] }
  | { op: 'refresh'; afi: 1 | 2 }
  | { op: 'gshut'; on: boolean };
const afiArb = fc.constantFrom(1 as const, 2 as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  afiArb.chain((afi) => fc.record({ op: fc.constant('set' as const), afi: fc.constant(afi), routes: fc.array(routeArb(afi), { maxLength: 30 }) })),
  afiArb.chain((afi) =>
    fc.record({
      op: fc.constant('update' as const),
      afi: fc.constant(afi),
      upserts: fc.array(routeArb(afi), { maxLength: 6 }),
      withdrawn: fc.array(fc.integer({ min: 0, max: 40 }).map((i) => prefixOf(afi, i)), { maxLength: 6 }),
    }),
  ),
  afiArb.map((afi) => ({ op: 'refresh' as const, afi })),
  fc.boolean().map((on) => ({ op: 'gshut' as const, on })),
);

function apply(sender: RouteSender, o: Op): void {
  const family: FamilyKey = o.op === 'gshut' ? '1/1' : o.afi === 1 ? '1/1' : '2/1';
  if (o.op === 'set') sender.set(family, o.routes);
  else if (o.op === 'update') sender.update(family, o.upserts, o.withdrawn);
  else if (o.op === 'refresh') sender.refresh(family);
  else sender.gracefulShutdown(o.on);
}

/** Prefix → hex of the attributes last announced for it, folded from UPDATEs. */
function fold(updates: Iterable<{ message: UpdateSentEvent['update']['message'] }>): Map<FamilyKey, Map<string, string>> {
  const table = new Map<FamilyKey, Map<string, string>>(families.map((f) => [f, new Map()]));
  for (const u of updates) {
    const r = updateRoutes(u.message);
    for (const [f, list] of r.withdrawn) for (const n of list) table.get(f)!.delete(n.prefix);
    for (const [f, list] of r.announced) {
      const attrs = JSON.stringify({ ...r.attributes, nextHops: r.nextHops.get(f) });
      for (const n of list) table.get(f)!.set(n.prefix, attrs);
    }
  }
  return table;
}

describe('the wire tap at the Adj-RIB-Out sender', () => {
  it('reports exactly the UPDATEs written, each with its message and revision, adding up to the Adj-RIB-Out', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), (ops) => {
        const t = tapped(true);
        t.setRevision(1);
        t.sender.initial(new Map(), false);
        ops.forEach((o, k) => {
          t.setRevision(k + 2);
          apply(t.sender, o);
        });
        t.deliver();
        const updates = t.updates();
        expect(updates.map((u) => toHex(u.update.bytes))).toEqual(t.written.map(toHex));
        for (const u of updates) {
          // The message is what was encoded (addresses in the text they were given in), and its
          // routes are the frame's.
          expect(toHex(encodeMessage(u.update.message, ctx))).toBe(toHex(u.update.bytes));
          const [said, decoded] = [updateRoutes(u.update.message), updateRoutes(decodeMessage(u.update.bytes, ctx) as UpdateMessage)];
          expect([said.announced, said.withdrawn]).toEqual([decoded.announced, decoded.withdrawn]);
        }
        expect(updates.filter((u) => u.endOfRib).map((u) => [u.family, u.cause, u.revision])).toEqual([
          ['1/1', 'initial', 1],
          ['2/1', 'initial', 1],
        ]);
        // Each later UPDATE carries the revision of the operation that sent it.
        const revisions = updates.filter((u) => !u.endOfRib).map((u) => u.revision);
        expect(revisions).toEqual([...revisions].sort((a, b) => (a ?? 0) - (b ?? 0)));
        const folded = fold(updates.map((u) => u.update));
        for (const f of families) expect([...folded.get(f)!.keys()].sort()).toEqual([...t.sender.rib.table(f).keys()].sort());
        // table() sends the same Adj-RIB-Out from nothing, End-of-RIB per family last.
        const table = [...t.sender.table()];
        expect(table.slice(-2).map((u) => [u.family, u.endOfRib])).toEqual([
          ['1/1', true],
          ['2/1', true],
        ]);
        expect(fold(table)).toEqual(folded);
      }),
      { numRuns: 150 },
    );
  });

  it('says why each UPDATE went out: the initial table, a change, a route refresh', () => {
    const t = tapped(true);
    t.sender.initial(new Map([['1/1', [route('10.0.0.0/24')]]]), false);
    t.sender.update('1/1', [route('10.0.1.0/24')], []);
    t.sender.refresh('1/1');
    t.deliver();
    expect(t.updates().map((u) => `${u.cause}${u.endOfRib ? ' EoR' : ''} ${u.family}`)).toEqual([
      'initial 1/1',
      'initial EoR 1/1',
      'initial EoR 2/1',
      'change 1/1',
      'refresh 1/1',
    ]);
  });

  it('without a consumer: the same octets written, nothing reported, nothing queued', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 10 }), (ops) => {
        const quiet = tapped(false);
        const { sender: bare, written: plain } = tappedSender(null, { ctx });
        for (const s of [quiet.sender, bare]) {
          s.initial(new Map(), false);
          for (const o of ops) apply(s, o);
        }
        quiet.deliver();
        expect(quiet.written.map(toHex)).toEqual(plain.map(toHex));
        expect(quiet.events).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('an UPDATE the connection could not take is not reported', () => {
    const m = manualTaps({ listen: true });
    const { sender } = tappedSender(m.taps, { ctx, send: () => false });
    sender.set('1/1', [route('10.0.0.0/24')]);
    m.deliver();
    expect(m.events.map((e) => e.kind)).toEqual(['up']);
  });
});
