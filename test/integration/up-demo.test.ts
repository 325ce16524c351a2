// `bgpcast up --demo` end to end, as the README's main command: the real binary with the test
// run's Kafka and Redis (through the variables a user would set), its own BIRD on 127.5.5.5:179,
// the built-in loopback example. It prints the peers table with both sessions established and
// the routes sent, and on SIGTERM exits 0 with its BIRD gone.

import { randomUUID } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { alive, listening, startDemo } from '../support/demo.ts';

it('up --demo shows both sessions established and the routes advertised, then stops cleanly', { timeout: 120_000 }, async () => {
  expect(await listening('127.5.5.5', 179), 'something already listens on 127.5.5.5:179 (a running demo?)').toBe(false);
  const id = randomUUID().slice(0, 8);
  const env = {
    ...process.env,
    BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'),
    BGPCAST_REDIS_URL: inject('redisUrl'),
    BGPCAST_EVENTS_TOPIC: `test.demo.${id}`,
    BGPCAST_REDIS_PREFIX: `demo-${id}`,
    BGPCAST_LOG_LEVEL: 'warn',
  };
  const demo = await startDemo(env);
  const { child, exited } = demo;
  const stdout = demo.stdout();
  try {
    const birdPid = demo.bird().pid;
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
    expect(demo.stderr()).toMatch(/\[\d+\.\d+s\] waiting for 2 BGP sessions/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(demo.stderr()).toContain('stopped');
    expect(alive(birdPid)).toBe(false);
    expect(await listening('127.5.5.5', 179)).toBe(false);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
