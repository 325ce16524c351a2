// The seed example (infra/examples/seed) and its loopback twin (infra/examples/loopback), end to end through the pure
// computation: YAML → normalised world → desired state and conditions.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { desiredState } from './desired-helpers.ts';

function loadExample(name: string): unknown[] {
  const dir = fileURLToPath(new URL(`../../../infra/examples/${name}/`, import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(`${dir}${f}`, 'utf8')).map((d) => d.toJSON() as unknown));
}

const serviceRoute = (prefix: string) => ({ prefix, communities: [], largeCommunities: [], localPreference: null, origin: 'igp' });

function expectedWorker(node: string, routerID: string, podCIDR: string, localAddress: string | null, peerAddress: string, gracefulRestart = false) {
  return {
    node,
    instances: [
      {
        name: 'instance-64000',
        localASN: 64000,
        routerID,
        localPort: null,
        peers: [
          {
            name: 'peer-65000-r1',
            peerAddress,
            peerASN: 65000,
            localAddress,
            config: {
              peerPort: 179,
              holdTimeSeconds: 9,
              keepAliveTimeSeconds: 3,
              connectRetryTimeSeconds: 120,
              ebgpMultihop: 5,
              gracefulRestart: { enabled: gracefulRestart, restartTimeSeconds: 120 },
              authSecretRef: null,
              gtsm: false,
              maxPrefixes: null,
              // The node's InternalIP is its router ID here; the seed's nodes have no IPv6 address.
              nextHop: { ipv4: 'auto', ipv6: 'auto', nodeIPv4: routerID, nodeIPv6: null },
            },
            families: [
              {
                afi: 'ipv4',
                safi: 'unicast',
                // Both Services have no EndpointSlice: with enable-no-service-endpoints-routable
                // at its default (true) and Cluster traffic policies, their VIPs stay advertised.
                routes: [
                  serviceRoute('10.100.67.164/32'), // web ClusterIP
                  serviceRoute('10.103.112.96/32'), // api ClusterIP
                  serviceRoute('172.20.0.10/32'), // web LoadBalancer ingress
                  serviceRoute('172.20.0.20/32'), // api externalIP
                  { prefix: podCIDR, communities: ['65000:99'], largeCommunities: [], localPreference: 99, origin: 'igp' },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('seed example', () => {
  const world = worldFromObjects(loadExample('seed'));

  it('every object of the seed is valid', () => {
    expect([...world.invalid.values()]).toEqual([]);
    expect(world.clusterConfigs.size + world.peerConfigs.size + world.advertisements.size).toBe(3);
    expect(world.nodes.size).toBe(3);
    expect(world.services.size).toBe(2);
  });

  it('worker1 peers with 5.5.5.5 AS 65000 and advertises its pod CIDR with 65000:99 / 99 and all four Service addresses', () => {
    expect(desiredState(world, 'worker1')).toEqual(expectedWorker('worker1', '172.16.1.1', '192.168.1.0/24', null, '5.5.5.5'));
  });

  it('worker2 gets the same peer with its own pod CIDR', () => {
    expect(desiredState(world, 'worker2')).toEqual(expectedWorker('worker2', '172.16.2.1', '192.168.2.0/24', null, '5.5.5.5'));
  });

  it('control-plane, not labelled bgp=true, gets nothing', () => {
    expect(desiredState(world, 'control-plane')).toEqual({ node: 'control-plane', instances: [] });
  });

  it('with enable-no-service-endpoints-routable=false the endpoint-less Services are withdrawn', () => {
    const strict = worldFromObjects(loadExample('seed'), { enableNoServiceEndpointsRoutable: false });
    const routes = desiredState(strict, 'worker1').instances[0]!.peers[0]!.families[0]!.routes;
    expect(routes.map((r) => r.prefix)).toEqual(['192.168.1.0/24']);
  });

  it('conditions: all False, nothing missing, no conflict', () => {
    expect(computeConditions(world).map((c) => [c.kind, c.name, c.type, c.status])).toEqual([
      ['CiliumBGPClusterConfig', 'cilium-bgp', 'cilium.io/ConflictingClusterConfig', 'False'],
      ['CiliumBGPClusterConfig', 'cilium-bgp', 'cilium.io/MissingPeerConfigs', 'False'],
      ['CiliumBGPClusterConfig', 'cilium-bgp', 'cilium.io/NoMatchingNode', 'False'],
      ['CiliumBGPPeerConfig', 'cilium-peer', 'cilium.io/MissingAuthSecret', 'False'],
    ]);
  });
});

describe('loopback example', () => {
  const world = worldFromObjects(loadExample('loopback'));

  it('each worker sources its session from its node IP through the override; graceful restart is on', () => {
    expect(desiredState(world, 'worker1')).toEqual(expectedWorker('worker1', '127.0.1.1', '192.168.1.0/24', '127.0.1.1', '127.5.5.5', true));
    expect(desiredState(world, 'worker2')).toEqual(expectedWorker('worker2', '127.0.2.1', '192.168.2.0/24', '127.0.2.1', '127.5.5.5', true));
    expect(desiredState(world, 'control-plane')).toEqual({ node: 'control-plane', instances: [] });
  });
});
