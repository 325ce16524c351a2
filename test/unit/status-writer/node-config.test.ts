// CiliumBGPNodeConfig specs as Cilium's operator writes them, and which ones the status writer
// creates, updates, deletes or leaves alone.
import { describe, expect, it } from 'vitest';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { planNodeConfigs, type NodeConfigAction } from '../../../functions/status-writer/node-config-plan.ts';
import { desiredNodeConfigs } from '../../../functions/status-writer/node-config-spec.ts';
import { ownership } from '../../../functions/status-writer/rules.ts';
import type { LiveObject } from '../../../functions/status-writer/live.ts';
import { clusterConfig, node, override, simpleCluster } from '../functions/builders.ts';

const w1 = node('w1', { bgp: 'true' }, { ips: ['172.16.1.1'] });
const w2 = node('w2', { bgp: 'true' }, { ips: ['172.16.1.2'] });

describe('NodeConfig spec (operator merge)', () => {
  const cluster = clusterConfig('c', {
    nodeSelector: { matchLabels: { bgp: 'true' } },
    bgpInstances: [
      {
        name: 'b-instance',
        localASN: 65001,
        localPort: 1790,
        peers: [
          { name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { name: 'missing-is-fine' } },
          { name: 'gw', peerASN: 65000, autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv6' } } },
        ],
      },
      { name: 'a-instance', localASN: 65002 },
    ],
  });

  it('copies name, localASN, localPort, the peers (missing PeerConfig and autoDiscovery included), in the ClusterConfig order; no routerID of its own', () => {
    const spec = desiredNodeConfigs(worldFromObjects([w1, cluster])).get('w1')!;
    expect(spec.owner).toBe('c');
    // Without an override: the ClusterConfig's instances as written (the CRD's peerASN default in place).
    expect(spec.spec).toEqual({ bgpInstances: (cluster['spec'] as { bgpInstances: unknown }).bgpInstances });
  });

  it('the override supplies routerID, localASN, localPort and a peer\'s localAddress; what exists only in the override is ignored', () => {
    const ov = override('w1', [
      { name: 'b-instance', routerID: '1.2.3.4', localASN: 65100, localPort: 1791, peers: [{ name: 'tor', localAddress: '172.16.1.1' }, { name: 'nope', localAddress: '172.16.1.9' }] },
      { name: 'not-in-cluster', routerID: '9.9.9.9' },
    ]);
    const desired = desiredNodeConfigs(worldFromObjects([w1, w2, cluster, ov]));
    const [b, a] = desired.get('w1')!.spec.bgpInstances;
    expect(b).toMatchObject({ name: 'b-instance', localASN: 65100, routerID: '1.2.3.4', localPort: 1791 });
    expect(b!.peers!.map((p) => [p.name, p.localAddress])).toEqual([['tor', '172.16.1.1'], ['gw', undefined]]);
    expect(a).toEqual({ name: 'a-instance', localASN: 65002 });
    // The override is the node's own: w2 keeps the cluster's values.
    expect(desired.get('w2')!.spec.bgpInstances[0]).not.toHaveProperty('routerID');
  });

  it('one NodeConfig per node its owner selects; the first owner wins', () => {
    const older = simpleCluster('older', { nodeSelector: { matchLabels: { bgp: 'true' } }, created: '2024-01-01T00:00:00Z' });
    const newer = simpleCluster('newer', { created: '2024-06-01T00:00:00Z' });
    const desired = desiredNodeConfigs(worldFromObjects([w1, w2, node('w3'), older, newer]));
    expect([...desired.values()].map((d) => [d.node, d.owner])).toEqual([
      ['w1', 'older'],
      ['w2', 'older'],
      ['w3', 'newer'],
    ]);
  });
});

const live = (name: string, uid: string, owners: { name: string; uid: string }[] = [], extra: Partial<LiveObject['metadata']> = {}): LiveObject => ({
  metadata: { name, uid, ownerReferences: owners.map((o) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', controller: true, ...o })), ...extra },
});

function plan(objects: Record<string, unknown>[], ccs: LiveObject[], ncs: LiveObject[]): NodeConfigAction[] {
  const world = worldFromObjects(objects);
  return planNodeConfigs({
    desired: desiredNodeConfigs(world),
    selected: ownership(world).selected,
    liveClusterConfigs: new Map(ccs.map((c) => [c.metadata.name, c])),
    liveNodeConfigs: new Map(ncs.map((n) => [n.metadata.name, n])),
    apiVersion: 'cilium.io/v2',
  });
}

const summary = (actions: NodeConfigAction[]) => actions.map((a) => [a.type, a.node]);

describe('which NodeConfigs to write and delete', () => {
  const cluster = simpleCluster('c', { nodeSelector: { matchLabels: { bgp: 'true' } }, created: '2024-01-01T00:00:00Z' });
  const c = live('c', 'uid-c');

  it('creates a missing one with one controller owner reference to the ClusterConfig', () => {
    const actions = plan([w1, cluster], [c], []);
    expect(actions).toEqual([
      expect.objectContaining({ type: 'apply', node: 'w1', live: null, owner: { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: 'c', uid: 'uid-c', controller: true } }),
    ]);
  });

  it('writes one it owns (change detection decides whether anything is sent)', () => {
    const mine = live('w1', 'n1', [{ name: 'c', uid: 'uid-c' }]);
    expect(plan([w1, cluster], [c], [mine])).toEqual([expect.objectContaining({ type: 'apply', node: 'w1', live: mine })]);
  });

  it('leaves one held by another ClusterConfig (or by nobody) alone: a conflict', () => {
    const other = live('other', 'uid-other');
    const held = live('w1', 'n1', [{ name: 'other', uid: 'uid-other' }]);
    const heldByNobody = live('w2', 'n2');
    const actions = plan([w1, w2, cluster, simpleCluster('other', { nodeSelector: { matchLabels: { bgp: 'true' } }, created: '2030-01-01T00:00:00Z' })], [c, other], [held, heldByNobody]);
    expect(actions).toEqual([
      { type: 'conflict', node: 'w1', owner: 'c', heldBy: ['other'] },
      { type: 'conflict', node: 'w2', owner: 'c', heldBy: [] },
    ]);
  });

  it('deletes one whose node its ClusterConfig no longer selects, or whose ClusterConfig is gone', () => {
    const unselected = live('w2', 'n2', [{ name: 'c', uid: 'uid-c' }]);
    const orphan = live('w3', 'n3', [{ name: 'gone', uid: 'uid-gone' }]);
    const actions = plan([w1, node('w2', { bgp: 'false' }), cluster], [c], [unselected, orphan]);
    expect(summary(actions)).toEqual([
      ['delete', 'w2'],
      ['delete', 'w3'],
      ['apply', 'w1'],
    ]);
    expect(actions[0]).toMatchObject({ uid: 'n2', why: 'CiliumBGPClusterConfig c no longer selects the node' });
    expect(actions[1]).toMatchObject({ uid: 'n3', why: 'its CiliumBGPClusterConfig is gone' });
  });

  it('a ClusterConfig recreated under the same name: the old NodeConfig goes first, the new one comes next round', () => {
    const stale = live('w1', 'n1', [{ name: 'c', uid: 'uid-old' }]);
    expect(summary(plan([w1, cluster], [c], [stale]))).toEqual([['delete', 'w1']]);
  });

  it('waits where the API server and the world disagree: no owner reference to a ClusterConfig the API server does not hold, no delete for one the world does not know', () => {
    expect(plan([w1, cluster], [], [])).toEqual([]);
    const ownedByUnknown = live('w1', 'n1', [{ name: 'later', uid: 'uid-later' }]);
    expect(plan([w1], [live('later', 'uid-later')], [ownedByUnknown])).toEqual([]);
  });

  it('one being deleted is neither written nor deleted again', () => {
    const going = live('w1', 'n1', [{ name: 'gone', uid: 'uid-gone' }], { deletionTimestamp: '2024-01-01T00:00:00Z' });
    expect(plan([w1, cluster], [c], [going])).toEqual([]);
  });
});
