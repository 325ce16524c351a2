// A real Prometheus scrapes the local stack — a speaker worker for two nodes with a BIRD peer, and
// the functions runner, each serving its telemetry as under `up` — and evaluates bgpcast's alert
// rules. Through Prometheus' HTTP API: Cilium's session state is 1 for each established peer with
// Cilium's label values, the route counts equal the `peers` table, the functions' own series are
// there, and every rule evaluates without error against the real series.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolve } from 'node:path';
import { repoRoot, runCli } from '../support/cli.ts';
import { startPrometheus, type PromSample, type RunningPrometheus } from '../support/prometheus.ts';
import { waitFor } from '../support/routers/index.ts';
import type { Lab } from './pipeline-support.ts';
import { startLab } from './pipeline-support.ts';

let lab: Lab;
let prom: RunningPrometheus;

const hostPort = (url: string) => new URL(url).host;

beforeAll(async () => {
  lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl'), telemetry: true });
  await lab.startWorker();
  await lab.publish(lab.objects);
  prom = await startPrometheus({
    targets: [
      { job: 'bgpcast-speaker', address: hostPort(lab.endpoints.speakers!.url) },
      { job: 'bgpcast-functions', address: hostPort(lab.endpoints.functions!.url) },
    ],
    ruleFiles: [resolve(repoRoot, 'infra/kubernetes/bgpcast/files/bgpcast-rules.yaml')],
  });
});
afterAll(async () => {
  await prom?.stop();
  await lab?.close();
});

const env = () => ({ BGPCAST_REDIS_URL: lab.redisUrl, BGPCAST_REDIS_PREFIX: lab.prefix });

interface PeerJson {
  'local-asn': number;
  'peer-asn': number;
  'peer-address': string;
  'session-state': string;
  families: { afi: string; safi: string; received: number; advertised: number }[];
}

/** `bgpcast peers -o json` once both sessions are established with their 5 routes. */
async function peersTable(): Promise<Record<string, PeerJson[]>> {
  return waitFor(
    async () => {
      const r = await runCli(['peers', '-o', 'json'], env());
      if (r.code !== 0) return false;
      const json = JSON.parse(r.stdout) as Record<string, PeerJson[]>;
      const peers = [...(json['worker1'] ?? []), ...(json['worker2'] ?? [])];
      return peers.length === 2 && peers.every((p) => p['session-state'] === 'established' && p.families[0]?.advertised === 5) ? json : false;
    },
    { timeoutMs: 45_000, what: 'both sessions established with 5 routes in `bgpcast peers`' },
  );
}

/** The query's samples once `ready` holds for them (Prometheus scrapes every second). */
function queryUntil(promql: string, ready: (r: PromSample[]) => boolean, what: string): Promise<PromSample[]> {
  return waitFor(async () => {
    const r = await prom.query(promql);
    return ready(r) ? r : false;
  }, { timeoutMs: 30_000, what });
}

describe('Prometheus scraping the local stack', () => {
  it('finds session state 1 for each established peer, with Cilium label values', async () => {
    const table = await peersTable();
    const states = await queryUntil('cilium_bgp_control_plane_session_state', (r) => r.length === 2 && r.every((s) => s.value[1] === '1'), 'two sessions at state 1');
    const byNode = new Map(states.map((s) => [s.metric['node'], s.metric]));
    for (const node of ['worker1', 'worker2']) {
      const p = table[node]![0]!;
      expect(byNode.get(node)).toMatchObject({
        job: 'bgpcast-speaker',
        component: 'speaker',
        vrouter: String(p['local-asn']),
        neighbor: `${p['peer-address']}:${lab.port}`,
        neighbor_asn: String(p['peer-asn']),
      });
    }
  });

  it('finds the advertised and received route counts of the peers table, per node and family', async () => {
    const table = await peersTable();
    const expected = (field: 'advertised' | 'received') =>
      Object.entries(table)
        .flatMap(([node, peers]) => peers.flatMap((p) => p.families.map((f) => `${node} ${f.afi}/${f.safi} ${f[field]}`)))
        .sort();
    const got = (r: PromSample[]) => r.map((s) => `${s.metric['node']} ${s.metric['afi']}/${s.metric['safi']} ${s.value[1]}`).sort();
    const advertised = await queryUntil('cilium_bgp_control_plane_advertised_routes', (r) => got(r).join() === expected('advertised').join(), 'advertised counts of the peers table');
    expect(got(advertised)).toEqual(['worker1 ipv4/unicast 5', 'worker2 ipv4/unicast 5']);
    const received = await queryUntil('cilium_bgp_control_plane_received_routes', (r) => got(r).join() === expected('received').join(), 'received counts of the peers table');
    expect(got(received)).toEqual(expected('received'));
  });

  it("finds the functions' series: desired writes, lag per partition back to 0, Redis and Kafka up", async () => {
    await peersTable();
    const writes = await queryUntil('bgpcast_functions_desired_writes_total', (r) => Number(r[0]?.value[1]) > 0, 'desired writes counted');
    expect(writes[0]!.metric).toMatchObject({ job: 'bgpcast-functions', component: 'functions' });
    const lag = await queryUntil(`bgpcast_functions_consumer_lag_records{topic="${lab.topic}"}`, (r) => r.length === 3 && r.every((s) => s.value[1] === '0'), 'lag 0 on the 3 partitions');
    expect(lag.map((s) => s.metric['partition']).sort()).toEqual(['0', '1', '2']);
    const redisUp = await queryUntil('bgpcast_redis_up', (r) => r.length === 2 && r.every((s) => s.value[1] === '1'), 'Redis up for both');
    expect(redisUp.map((s) => s.metric['component']).sort()).toEqual(['functions', 'speaker']);
    const kafkaUp = await queryUntil('bgpcast_kafka_up', (r) => r.length === 1 && r[0]!.value[1] === '1', 'Kafka up for the functions');
    expect(kafkaUp[0]!.metric['component']).toBe('functions');
    const latency = await queryUntil('bgpcast_functions_event_to_desired_seconds_count', (r) => Number(r[0]?.value[1]) > 0, 'event → desired observed');
    expect(latency).toHaveLength(1);
  });

  it("evaluates every alert rule against these series without error, and none fires on a healthy stack", async () => {
    await peersTable();
    const groups = await waitFor(async () => {
      const d = await prom.api<{ groups: { rules: { name: string; health: string; lastError?: string; state: string }[] }[] }>('rules');
      const rules = d.groups.flatMap((g) => g.rules);
      return rules.length === 8 && rules.every((r) => r.health === 'ok') ? rules : false;
    }, { timeoutMs: 20_000, what: 'every rule evaluated with health ok' });
    expect(groups.map((r) => r.name).sort()).toContain('BgpcastBgpSessionDown');
    expect(groups.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
  });
});
