// The loop closed: the loopback example published to Kafka, folded by the functions runner into
// Redis, spoken by the speaker worker (two nodes in one process) to a real BIRD. Then the changes
// a cluster makes, each checked at BIRD: a LoadBalancer IP that moves (one withdraw, one
// announce, no session reset), a node relabelled out, the advertisement deleted. And the
// `peers` / `routes` commands over the speakers' status in Redis.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { waitFor } from '../support/routers/index.ts';
import type { Lab } from './pipeline-support.ts';
import { birdRoutes, find, startLab } from './pipeline-support.ts';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl') });
  await lab.startWorker();
  await lab.publish(lab.objects);
});
afterAll(async () => {
  await lab?.close();
});

const services = ['10.100.67.164/32', '10.103.112.96/32', '172.20.0.10/32', '172.20.0.20/32'];
const env = () => ({ BGPCAST_REDIS_URL: lab.redisUrl, BGPCAST_REDIS_PREFIX: lab.prefix });

async function importStats(protocol: string) {
  const p = await lab.bird.protocol(protocol);
  const ch = p.channels['ipv4']!;
  return { since: p.since, updates: ch.importUpdates?.received ?? 0, withdraws: ch.importWithdraws?.received ?? 0 };
}

describe('loopback example through the whole pipeline', () => {
  it('BIRD holds each pod CIDR with community 65000:99 and the Service addresses with each node as next hop', async () => {
    await lab.bird.waitEstablished('worker1', 30_000);
    await lab.bird.waitEstablished('worker2', 30_000);
    const expected = { worker1: '192.168.1.0/24', worker2: '192.168.2.0/24' } as const;
    for (const node of ['worker1', 'worker2'] as const) {
      const routes = await lab.bird.waitFor(
        async (b) => {
          const r = await birdRoutes(b, node);
          return r.size === 5 ? r : false;
        },
        { timeoutMs: 20_000, what: `5 routes from ${node}` },
      );
      const pod = routes.get(expected[node])!;
      expect(pod.communities).toEqual(['65000:99']);
      expect(pod.nextHop).toBe(lab.addr[node]);
      expect(pod.asPath).toEqual([64000]);
      for (const s of services) {
        expect(routes.get(s)?.nextHop, `${s} from ${node}`).toBe(lab.addr[node]);
        expect(routes.get(s)?.communities).toEqual([]);
      }
    }
  });

  it('bgpcast peers shows both sessions established with the routes advertised', async () => {
    await waitFor(
      async () => {
        const r = await runCli(['peers'], env());
        return r.code === 0 && (r.stdout.match(/established/g) ?? []).length === 2 && /ipv4\/unicast\s+0\s+5/.test(r.stdout) ? r : false;
      },
      { timeoutMs: 15_000, what: 'peers table with two established sessions' },
    );
    const r = await runCli(['peers', '-o', 'json'], env());
    const json = JSON.parse(r.stdout) as Record<string, Record<string, unknown>[]>;
    expect(Object.keys(json)).toEqual(['worker1', 'worker2']);
    expect(json['worker1']![0]).toMatchObject({
      'local-asn': 64000,
      'peer-asn': 65000,
      'peer-address': lab.addr.router,
      'session-state': 'established',
      'applied-hold-time-seconds': 9,
      families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 5 }],
    });
    const text = await runCli(['peers'], env());
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Node\s+Local AS\s+Peer AS\s+Peer Address\s+Session State\s+Uptime\s+Family\s+Received\s+Advertised$/);
    expect(lines[1]).toMatch(new RegExp(`^worker1\\s+64000\\s+65000\\s+${lab.addr.router.replaceAll('.', '\\.')}\\s+established\\s+\\d+s\\s+ipv4/unicast\\s+0\\s+5$`));
    // The control-plane node has no BGP instance: no complaint about a missing speaker.
    expect(text.stderr).toBe('');
  });

  it('bgpcast routes advertised shows what went on the wire, per peer', async () => {
    const r = await runCli(['routes', 'advertised', 'ipv4', 'unicast', '--node', 'worker1'], env());
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Node\s+VRouter\s+Peer\s+Prefix\s+NextHop\s+Age\s+Attrs$/);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain('worker1');
    const pod = lines.find((l) => l.includes('192.168.1.0/24'))!;
    expect(pod).toContain(`[{Origin: i} {AsPath: 64000} {Nexthop: ${lab.addr.worker1}} {Communities: 65000:99}]`);
    const available = await runCli(['routes'], env());
    expect(available.stderr).toContain('Defaulting to `available ipv4 unicast`');
    expect(available.stdout).toContain('[{Origin: i} {Nexthop: 0.0.0.0}]');
  });

  it("a Service's LoadBalancer IP that moves: one withdraw and one announce per node, the sessions never reset", async () => {
    const before = { worker1: await importStats('worker1'), worker2: await importStats('worker2') };
    const web = find(lab.objects, 'Service', 'web');
    (web['status'] as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress = [{ ip: '172.20.0.11' }];
    await lab.publish([web]);
    for (const node of ['worker1', 'worker2'] as const) {
      const routes = await lab.bird.waitFor(
        async (b) => {
          const r = await birdRoutes(b, node);
          return r.has('172.20.0.11/32') && !r.has('172.20.0.10/32') ? r : false;
        },
        { timeoutMs: 20_000, what: `moved LoadBalancer IP at BIRD from ${node}` },
      );
      expect(routes.get('172.20.0.11/32')!.nextHop).toBe(lab.addr[node]);
      const after = await importStats(node);
      expect(after.updates - before[node].updates, `${node} announcements`).toBe(1);
      expect(after.withdraws - before[node].withdraws, `${node} withdrawals`).toBe(1);
      expect(after.since, `${node} session not reset`).toBe(before[node].since);
    }
  });

  it('a node relabelled out: its routes are withdrawn, the other node keeps its own', async () => {
    const worker2 = find(lab.objects, 'Node', 'worker2');
    (worker2.metadata['labels'] as Record<string, string>)['bgp'] = 'false';
    const since1 = (await lab.bird.protocol('worker1')).since;
    await lab.publish([worker2]);
    await lab.bird.waitFor(async (b) => (await b.routes('master4', 'worker2')).length === 0, {
      timeoutMs: 20_000,
      what: 'worker2 routes withdrawn',
    });
    expect((await birdRoutes(lab.bird, 'worker1')).size).toBe(5);
    expect((await lab.bird.protocol('worker1')).since).toBe(since1);
  });

  it('the advertisement deleted: every route withdrawn, the session stays up', async () => {
    const since = (await lab.bird.protocol('worker1')).since;
    await lab.publish([find(lab.objects, 'CiliumBGPAdvertisement', 'bgp-advertisements')], 'deleted');
    await lab.bird.waitFor(async (b) => (await b.routes('master4', 'worker1')).length === 0, {
      timeoutMs: 20_000,
      what: 'worker1 routes withdrawn',
    });
    const p = await lab.bird.protocol('worker1');
    expect(p.bgpState).toBe('Established');
    expect(p.since).toBe(since);
  });
});
