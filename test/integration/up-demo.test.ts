// `bgpcast up --demo` end to end, as the README's main command: the real binary with the test
// run's Kafka and Redis (through the variables a user would set), its own BIRD on 127.5.5.5:179,
// the built-in loopback example. It prints the peers table with both sessions established and
// the routes sent; the speakers' telemetry on 127.0.0.1:9962 shows Cilium's session and route
// series for both, the functions' on 9963 theirs, both healthy and ready; on SIGTERM it exits 0
// with its BIRD gone.

import { expect, inject, it } from 'vitest';
import { alive, listening } from '../support/process.ts';
import { startDemo, stopUp, upEnv } from '../support/up-process.ts';

it('up --demo shows both sessions established and the routes advertised, then stops cleanly', { timeout: 120_000 }, async () => {
  expect(await listening('127.5.5.5', 179), 'something already listens on 127.5.5.5:179 (a running demo?)').toBe(false);
  const env = upEnv(inject('kafkaBrokers'), inject('redisUrl'), 'demo');

  const up = await startDemo(env);
  const { child, exited } = up;
  try {
    const stdout = up.stdout();
    const stderr = up.stderr();
    const birdPid = Number(/BIRD running, pid (\d+)/.exec(stderr)?.[1]);
    expect(birdPid).toBeGreaterThan(0);
    expect(alive(birdPid)).toBe(true);

    const peers = stdout.slice(stdout.indexOf('$ bgpcast peers'), stdout.indexOf('$ bgpcast routes')).trim().split('\n');
    expect(peers[1]).toMatch(/^Node\s+Local AS\s+Peer AS\s+Peer Address\s+Session State\s+Uptime\s+Family\s+Received\s+Advertised$/);
    expect(peers[2]).toMatch(/^worker1\s+64000\s+65000\s+127\.5\.5\.5\s+established\s+\d+s\s+ipv4\/unicast\s+0\s+5$/);
    expect(peers[3]).toMatch(/^worker2\s+64000\s+65000\s+127\.5\.5\.5\s+established\s+\d+s\s+ipv4\/unicast\s+0\s+5$/);
    const routes = stdout.slice(stdout.indexOf('$ bgpcast routes')).trim().split('\n');
    expect(routes).toHaveLength(12);
    expect(routes.find((l) => l.includes('192.168.1.0/24'))).toMatch(
      /127\.5\.5\.5\s+192\.168\.1\.0\/24\s+127\.0\.1\.1\s+\d+s\s+\[\{Origin: i\} \{AsPath: 64000\} \{Nexthop: 127\.0\.1\.1\} \{Communities: 65000:99\}\]$/,
    );
    expect(stderr).toMatch(/\[\d+\.\d+s\] waiting for 2 BGP sessions/);

    expect(stderr).toContain('speakers: http://127.0.0.1:9962/metrics, http://127.0.0.1:9962/healthz, http://127.0.0.1:9962/readyz');
    expect(stderr).toContain('functions: http://127.0.0.1:9963/metrics, http://127.0.0.1:9963/healthz, http://127.0.0.1:9963/readyz');
    for (const port of [9962, 9963]) {
      for (const path of ['healthz', 'readyz']) expect((await fetch(`http://127.0.0.1:${port}/${path}`)).status, `${port}/${path}`).toBe(200);
    }
    const speakers = await (await fetch('http://127.0.0.1:9962/metrics')).text();
    for (const node of ['worker1', 'worker2']) {
      const peer = `vrouter="64000",neighbor="127.5.5.5:179",neighbor_asn="65000",node="${node}"`;
      expect(speakers).toContain(`cilium_bgp_control_plane_session_state{${peer},component="speaker"} 1`);
      expect(speakers).toContain(`cilium_bgp_control_plane_advertised_routes{${peer},afi="ipv4",safi="unicast",component="speaker"} 5`);
      expect(speakers).toContain(`cilium_bgp_control_plane_received_routes{${peer},afi="ipv4",safi="unicast",component="speaker"} 0`);
    }
    const functions = await (await fetch('http://127.0.0.1:9963/metrics')).text();
    expect(functions).toMatch(/^bgpcast_functions_desired_writes_total\{component="functions"\} [1-9]/m);
    expect(functions).toMatch(/^bgpcast_functions_consumer_lag_records\{topic="test\.demo-[^"]+",partition="0",component="functions"\} \d+$/m);
    expect(functions).toMatch(/^bgpcast_process_cpu_seconds_total\{component="functions"\} /m);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(up.stderr()).toContain('stopped');
    expect(alive(birdPid)).toBe(false);
    expect(await listening('127.5.5.5', 179)).toBe(false);
  } finally {
    await stopUp(up);
  }
});
