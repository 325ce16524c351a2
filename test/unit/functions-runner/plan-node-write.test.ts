// Planning a node's write against its stored state (functions/runner/document.ts): a confirmation
// when nothing changed, otherwise exactly the changed routes and, when it changed, the sessions
// part; applying the plan to the stored hashes gives back the computed document. And the delta a
// write publishes (functions/store/desired-store.ts deltaMessage).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleDocument, MAX_DELTA_ROUTES, routeField, routeValue, sessionsOf, type DesiredDelta } from '../../../events/desired-delta.ts';
import { comparePrefixText } from '../../../events/ip.ts';
import type { DesiredNodeState, DesiredPeer, DesiredRoute } from '../../../events/desired-state.ts';
import { diffRoutes, planNodeDocument, type WriteStamp } from '../../../functions/runner/document.ts';
import { peerConfig, route } from '../../support/speaker.ts';
import { deltaMessage, type NodeHead, type NodeWrite, type StoredNode } from '../../../functions/store/desired-store.ts';

const stamp: WriteStamp = { positions: '{"0":"7"}', writer: 'w1', epoch: 'e1', updatedAt: '2024-01-01T00:00:00.000Z' };


const peer = (name: string, v4: DesiredRoute[], v6: DesiredRoute[] = []): DesiredPeer => ({
  name,
  peerAddress: '10.0.0.1',
  peerASN: 65000,
  localAddress: null,
  config: peerConfig(),
  families: [
    { afi: 'ipv4', safi: 'unicast', routes: v4 },
    { afi: 'ipv6', safi: 'unicast', routes: v6 },
  ],
});

const doc = (...peers: DesiredPeer[]): DesiredNodeState => ({
  node: 'n1',
  instances: peers.length === 0 ? [] : [{ name: 'i1', localASN: 64512, routerID: '1.1.1.1', localPort: null, peers }],
});

const NEVER: StoredNode = { seq: '0', revision: 0, sessions: null, routes: new Map() };
const headOf = (s: StoredNode): NodeHead => ({ seq: s.seq, revision: s.revision, positions: {}, sessions: s.sessions, writer: null });

/** What the node compare-and-set script does to the two hashes, in memory. */
function apply(stored: StoredNode, w: NodeWrite): StoredNode {
  if (w.mode === 'confirm') return { ...stored, seq: String(Number(stored.seq) + 1) };
  const routes = new Map(w.replaceAll ? [] : stored.routes);
  for (const c of w.changes) {
    const field = routeField(c, c.prefix);
    if (c.route === null) routes.delete(field);
    else routes.set(field, routeValue(c.route));
  }
  return { seq: String(Number(stored.seq) + 1), revision: stored.revision + 1, sessions: w.sessions ?? stored.sessions, routes };
}

function written(d: DesiredNodeState): StoredNode {
  return apply(NEVER, planNodeDocument(d, headOf(NEVER), NEVER, stamp));
}

const plan = (d: DesiredNodeState, stored: StoredNode) => planNodeDocument(d, headOf(stored), stored, stamp);

describe('planNodeDocument', () => {
  it('a node never written whose document is empty is confirmed; with routes it is written whole', () => {
    expect(plan(doc(), NEVER)).toMatchObject({ mode: 'confirm', seq: '0', revision: 0, positions: stamp.positions, changes: [] });
    const d = doc(peer('p1', [route('10.0.0.0/24'), route('10.0.1.0/24')], [route('fd00::/64')]));
    const w = plan(d, NEVER);
    expect(w).toMatchObject({ node: 'n1', mode: 'write', seq: '0', revision: 0, replaceAll: false, updatedAt: stamp.updatedAt });
    expect(w.sessions).toBe(JSON.stringify(sessionsOf(d)));
    expect(w.sessionsDoc).toEqual(sessionsOf(d));
    expect(w.changes.map((c) => [c.afi, c.prefix])).toEqual([
      ['ipv4', '10.0.0.0/24'],
      ['ipv4', '10.0.1.0/24'],
      ['ipv6', 'fd00::/64'],
    ]);
  });

  it('an unchanged document is confirmed, whatever the stored revision', () => {
    const d = doc(peer('p1', [route('10.0.0.0/24')]));
    const stored = { ...written(d), seq: '9', revision: 4 };
    expect(plan(d, stored)).toMatchObject({ mode: 'confirm', seq: '9', revision: 4, sessions: null, changes: [] });
  });

  it('writes exactly the routes that changed, and no sessions when only routes changed', () => {
    const before = doc(peer('p1', [route('10.0.0.0/24'), route('10.0.1.0/24'), route('10.0.2.0/24')]));
    const after = doc(peer('p1', [route('10.0.0.0/24'), route('10.0.1.0/24', { localPreference: 200 }), route('10.0.3.0/24')]));
    const stored = written(before);
    const w = plan(after, stored);
    expect(w).toMatchObject({ mode: 'write', seq: '1', revision: 1, sessions: null, sessionsDoc: null, replaceAll: false });
    expect(w.changes).toEqual([
      { instance: 'i1', peer: 'p1', afi: 'ipv4', prefix: '10.0.1.0/24', route: route('10.0.1.0/24', { localPreference: 200 }) },
      { instance: 'i1', peer: 'p1', afi: 'ipv4', prefix: '10.0.3.0/24', route: route('10.0.3.0/24') },
      { instance: 'i1', peer: 'p1', afi: 'ipv4', prefix: '10.0.2.0/24', route: null },
    ]);
  });

  it('a removed peer changes the sessions part and withdraws its routes', () => {
    const before = doc(peer('p1', [route('10.0.0.0/24')]), peer('p2', [route('10.0.0.0/24')]));
    const after = doc(peer('p1', [route('10.0.0.0/24')]));
    const w = plan(after, written(before));
    expect(w.sessionsDoc).toEqual(sessionsOf(after));
    expect(w.changes).toEqual([{ instance: 'i1', peer: 'p2', afi: 'ipv4', prefix: '10.0.0.0/24', route: null }]);
  });

  it('a stored field that is no route field makes it a replaceAll of every route', () => {
    const d = doc(peer('p1', [route('10.0.0.0/24'), route('10.0.1.0/24')]));
    const stored = written(d);
    const broken: StoredNode = { ...stored, routes: new Map([...stored.routes, ['junk', '{}']]) };
    expect(diffRoutes(d, broken.routes)).toEqual({ changes: [], unreadable: true });
    const w = plan(d, broken);
    expect(w).toMatchObject({ mode: 'write', replaceAll: true, sessions: null });
    expect(w.changes.map((c) => c.prefix)).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(apply(broken, w).routes).toEqual(stored.routes);
  });

  it('applying the plan to any stored state gives back the computed document, and then confirms', () => {
    const prefixes = ['10.0.0.0/24', '10.0.1.0/24', '10.1.0.0/16', '192.168.0.1/32', '172.16.0.0/12'];
    const routeArb = fc.record({ lp: fc.option(fc.constantFrom(100, 200), { nil: null }), c: fc.boolean() });
    const routesArb = fc.dictionary(fc.constantFrom(...prefixes), routeArb, { maxKeys: prefixes.length });
    const peersArb = fc.subarray(['p1', 'p2', 'p3']);
    const docArb = fc.tuple(peersArb, routesArb, routesArb).map(([names, a, b]) =>
      doc(
        ...names.map((n, i) =>
          peer(
            n,
            Object.entries(i % 2 === 0 ? a : b)
              .sort(([x], [y]) => comparePrefixText(x, y))
              .map(([prefix, r]) => route(prefix, { localPreference: r.lp, communities: r.c ? ['65000:1'] : [] })),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(docArb, docArb, (first, second) => {
        const stored = written(first);
        const w = plan(second, stored);
        const next = apply(stored, w);
        const sessions = JSON.parse(next.sessions ?? JSON.stringify(sessionsOf(doc()))) as DesiredNodeState;
        const { document, orphans } = assembleDocument(sessions, next.routes);
        expect(orphans).toEqual([]);
        expect(document).toEqual(second);
        const fieldsChanged = new Set(w.changes.map((c) => routeField(c, c.prefix)));
        expect(fieldsChanged.size).toBe(w.changes.length);
        expect(plan(second, next).mode).toBe('confirm');
      }),
      { numRuns: 200 },
    );
  });
});

describe('deltaMessage', () => {
  const base: NodeWrite = {
    node: 'n1',
    seq: '3',
    revision: 2,
    expectedWriter: null,
    mode: 'write',
    positions: '{}',
    writer: stamp.writer,
    epoch: stamp.epoch,
    updatedAt: stamp.updatedAt,
    sessions: null,
    sessionsDoc: null,
    replaceAll: false,
    changes: [{ instance: 'i1', peer: 'p1', afi: 'ipv4', prefix: '10.0.0.0/24', route: null }],
  };

  it('names the epoch, the revision it produces and the one it applies to, with the changes', () => {
    expect(JSON.parse(deltaMessage(base, 1_700_000_000_000))).toEqual({ node: 'n1', epoch: 'e1', revision: 3, previous: 2, sessions: null, routes: base.changes, truncated: false, writtenAt: 1_700_000_000_000 });
    const sessions = sessionsOf(doc(peer('p1', [])));
    const withSessions = JSON.parse(deltaMessage({ ...base, sessions: JSON.stringify(sessions), sessionsDoc: sessions }, 0)) as DesiredDelta;
    expect(withSessions.sessions).toEqual(sessions);
  });

  it('is truncated for a replaceAll write and past MAX_DELTA_ROUTES changes', () => {
    expect(JSON.parse(deltaMessage({ ...base, replaceAll: true }, 0))).toMatchObject({ routes: [], truncated: true, revision: 3 });
    const many = Array.from({ length: MAX_DELTA_ROUTES + 1 }, (_, i) => ({ ...base.changes[0]!, prefix: `10.${i >> 8}.${i & 255}.0/24` }));
    expect(JSON.parse(deltaMessage({ ...base, changes: many }, 0))).toMatchObject({ routes: [], truncated: true });
    expect(JSON.parse(deltaMessage({ ...base, changes: many.slice(1) }, 0)).routes).toHaveLength(MAX_DELTA_ROUTES);
  });
});
