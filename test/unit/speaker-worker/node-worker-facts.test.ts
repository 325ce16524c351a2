// NodeWorker with node facts (docs/cilium-semantics.md INST-4, ADV-7): an auto-discovered peer
// runs at the address found and waits (reported) without one; a moved gateway replaces its session;
// Interface routes are merged with the document's routes at equal prefixes, through whole
// documents, deltas and fact changes alike. The facts come from a source held in the test (the
// NodeFactsSource interface; the iproute2 reader is exercised in the network-namespace tests).
// Sessions connect through a Connect action that fails at once without a network.

import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredDelta } from '../../../events/desired-delta.ts';
import type { DesiredFamily, DesiredNodeState, DesiredPeer, DesiredRoute } from '../../../events/desired-state.ts';
import { createLogger } from '../../../events/log.ts';
import { parseAddresses, parseLinks, parseRoutes, type NodeFacts } from '../../../speaker/node/ip-json.ts';
import type { NodeFactsSource } from '../../../speaker/node/node-facts.ts';
import { NodeWorker } from '../../../speaker/worker/node-worker.ts';
import { refusedConnect, route } from '../../support/speaker.ts';
import { desiredPeer } from './fixtures.ts';

const log = createLogger('test', 'silent');

class HeldFacts implements NodeFactsSource {
  current: NodeFacts | null = null;
  wanted = 0;
  onChange(): () => void {
    return () => {};
  }
  want(): void {
    this.wanted += 1;
  }
}

const links = parseLinks([
  { ifname: 'eth0', flags: ['UP'], operstate: 'UP' },
  { ifname: 'vip0', flags: ['UP'], operstate: 'UNKNOWN' },
]);
const factsWith = (gateway: string, vips: string[]): NodeFacts => ({
  links,
  addresses: parseAddresses([{ ifname: 'vip0', addr_info: vips.map((local) => ({ family: 'inet', local, prefixlen: 32 })) }]),
  routes: parseRoutes([{ dst: 'default', gateway, dev: 'eth0' }], 4),
  neighbours: [],
});


const vipAdv = { interface: 'vip0', communities: ['65000:7'], largeCommunities: [], localPreference: null };

function document(routes: DesiredRoute[], interfaces = true): DesiredNodeState {
  const family: DesiredFamily = { afi: 'ipv4', safi: 'unicast', routes, ...(interfaces ? { interfaces: [vipAdv] } : {}) };
  // Port 1 is closed: connecting fails at once.
  const gw: DesiredPeer = {
    ...desiredPeer('gw', '', { peerPort: 1, families: [family] }),
    peerAddress: null,
    autoDiscovery: { mode: 'DefaultGateway', addressFamily: 'ipv4' },
  };
  return { node: 'n1', instances: [{ name: 'i', localASN: 64512, routerID: '10.0.0.1', localPort: null, peers: [gw] }] };
}

let worker: NodeWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
});

function start(facts: NodeFactsSource): NodeWorker {
  worker = new NodeWorker({ node: 'n1', log, passwords: () => null, facts, speaker: { backoff: { baseMs: 60_000, factor: 2, maxMs: 60_000, stableMs: 60_000 }, connect: refusedConnect } });
  return worker;
}

const speakerOf = (w: NodeWorker) => w.instances()[0]!.speaker;
const sent = (w: NodeWorker) =>
  Object.fromEntries(
    speakerOf(w)
      .session('gw')!
      .routes('1/1')
      .map((r) => [r.prefix, r.communities.join(' ')]),
  );
const delta = (revision: number, prefix: string, r: DesiredRoute | null): DesiredDelta => ({
  node: 'n1',
  epoch: '',
  revision,
  previous: revision - 1,
  sessions: null,
  routes: [{ instance: 'i', peer: 'gw', afi: 'ipv4', prefix, route: r }],
  truncated: false,
});

describe('NodeWorker with node facts', () => {
  it('an auto-discovered peer waits for an address, reported; it runs at the gateway once the facts say where', async () => {
    const facts = new HeldFacts();
    const w = start(facts);
    await w.apply(document([route('10.60.0.0/24')]), 1);
    expect(facts.wanted).toBeGreaterThan(0);
    expect(speakerOf(w).session('gw')).toBeUndefined();
    expect(w.instances()[0]!.instance.peers).toEqual([]);
    expect(w.errors()).toEqual([{ instance: 'i', error: "peer gw: auto-discovery: the node's links and routes are not read (yet)" }]);

    facts.current = factsWith('192.0.2.1', []);
    await w.refreshFacts();
    const s = speakerOf(w).session('gw')!;
    expect(s.config.peerAddress).toBe('192.0.2.1');
    expect(w.instances()[0]!.instance.peers[0]!.peerAddress).toBe('192.0.2.1');
    expect(w.errors()).toEqual([]);
    expect(sent(w)).toEqual({ '10.60.0.0/24': '' });

    // Facts that change nothing the node uses keep the session.
    facts.current = { ...factsWith('192.0.2.1', []), neighbours: [{ link: 'eth0', family: 6, address: 'fe80::9', router: false, states: ['STALE'] }] };
    await w.refreshFacts();
    expect(speakerOf(w).session('gw')).toBe(s);

    // A moved gateway is a new peer (PEER-4): the session is replaced, with its routes.
    facts.current = factsWith('192.0.2.3', []);
    await w.refreshFacts();
    const moved = speakerOf(w).session('gw')!;
    expect(moved).not.toBe(s);
    expect(moved.config.peerAddress).toBe('192.0.2.3');
    expect(sent(w)).toEqual({ '10.60.0.0/24': '' });
  });

  it('Interface routes merge with the document’s at equal prefixes, through documents, deltas and fact changes', async () => {
    const facts = new HeldFacts();
    facts.current = factsWith('192.0.2.1', ['198.51.100.7', '198.51.100.8']);
    const w = start(facts);
    const own = route('198.51.100.7/32', { communities: ['65000:1'] });
    await w.apply(document([route('10.60.0.0/24'), own]), 1);
    expect(sent(w)).toEqual({ '10.60.0.0/24': '', '198.51.100.7/32': '65000:1 65000:7', '198.51.100.8/32': '65000:7' });
    // The status shows what the sessions get.
    expect(w.routes('i', 'gw', 'ipv4').get('198.51.100.7/32')?.communities).toEqual(['65000:1', '65000:7']);

    // The document withdraws a prefix the interface still has: the interface's route stays.
    await w.applyDelta(delta(2, '198.51.100.7/32', null));
    expect(sent(w)).toEqual({ '10.60.0.0/24': '', '198.51.100.7/32': '65000:7', '198.51.100.8/32': '65000:7' });
    // And brings it back: merged again.
    await w.applyDelta(delta(3, '198.51.100.7/32', own));
    expect(sent(w)['198.51.100.7/32']).toBe('65000:1 65000:7');

    // An address gone: its route goes, or falls back to the document's.
    facts.current = factsWith('192.0.2.1', ['198.51.100.9']);
    await w.refreshFacts();
    expect(sent(w)).toEqual({ '10.60.0.0/24': '', '198.51.100.7/32': '65000:1', '198.51.100.9/32': '65000:7' });

    // A document without the Interface entry: only its own routes.
    await w.apply(document([route('10.60.0.0/24')], false), 4);
    expect(sent(w)).toEqual({ '10.60.0.0/24': '' });
  });
});
