// Micro-benchmark of Session.setRoutes' route path (route check → Adj-RIB-Out → UPDATE frames) for
// one peer and one family: an initial table of 5,000 routes, then 100 revisions each changing one
// route (its communities). Prints the time per revision, incremental (what Session.setRoutes does)
// and with a full re-check and rebuild of every route (what it did before); asserts nothing.
//
//   node test/bench/speaker-set-routes.ts [--routes 5000] [--revisions 100]
import { parseArgs } from 'node:util';
import type { DesiredRoute } from '../../events/desired-state.ts';
import type { FamilyKey } from '../../speaker/codec/context.ts';
import { negotiatedContext } from '../support/speaker.ts';
import type { Negotiated } from '../../speaker/codec/negotiate.ts';
import { AdjRibOut } from '../../speaker/rib/adj-rib-out.ts';
import { nextHopFor } from '../../speaker/rib/next-hop.ts';
import { checkRoutes, RouteChecker } from '../../speaker/rib/route-check.ts';
import { RouteSender } from '../../speaker/session/session-routes.ts';

const { values } = parseArgs({ options: { routes: { type: 'string', default: '5000' }, revisions: { type: 'string', default: '100' } } });
const nRoutes = Number(values.routes);
const nRevisions = Number(values.revisions);
const family: FamilyKey = '1/1';

const ctx: Negotiated = negotiatedContext([1]);

const route = (i: number, tag = 0): DesiredRoute => ({
  prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
  communities: ['65000:1', `65000:${100 + (tag % 1000)}`],
  largeCommunities: [],
  localPreference: null,
  origin: 'igp',
});

// Fresh objects per revision, as desired state arrives decoded from JSON.
const revision = (changed: number, tag: number) =>
  Array.from({ length: nRoutes }, (_, i) => (i === changed ? route(i, tag) : route(i)));

function run(full: boolean): { initialMs: number; perRevisionMs: number; frames: number } {
  let frames = 0;
  const rib = new AdjRibOut({ localAsn: 65001, internal: false, twoOctetPeer: false, nextHops: new Map([[family, nextHopFor(1, { localAddress: '192.0.2.1', extendedNextHop: () => false })]]) });
  const sender = new RouteSender(rib, ctx, () => frames++);
  // Session.setRoutes' body (speaker/session/session.ts). checkRoutes returns new objects for
  // new input objects, so the Adj-RIB-Out rebuilds every route's attributes, as before.
  const checker = new RouteChecker(family);
  const setRoutes = (routes: readonly DesiredRoute[]) => {
    const { valid } = full ? checkRoutes(family, routes) : checker.check(routes);
    sender.set(family, valid);
  };
  const lists = Array.from({ length: nRevisions }, (_, k) => revision((k * 37) % nRoutes, k + 1));
  let t = performance.now();
  sender.initial(new Map(), false);
  setRoutes(revision(-1, 0));
  const initialMs = performance.now() - t;
  frames = 0;
  t = performance.now();
  for (const list of lists) setRoutes(list);
  const perRevisionMs = (performance.now() - t) / nRevisions;
  return { initialMs, perRevisionMs, frames };
}

console.log(`routes ${nRoutes}, revisions ${nRevisions} (1 route changed each)`);
for (const full of [true, false]) {
  run(full); // warm-up
  const r = run(full);
  console.log(
    `${full ? 'full rebuild' : 'incremental '}: initial table ${r.initialMs.toFixed(1)} ms, ` +
      `per revision ${(r.perRevisionMs * 1000).toFixed(0)} µs (${r.frames} UPDATEs in all)`,
  );
}
