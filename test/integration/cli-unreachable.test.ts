// A CLI command whose Kafka or Redis does not answer fails fast and quietly: exit status 4 and one
// line that names the component, where it was looked for, why, and the fix — no library logs
// unless --verbose. Two ways of not answering: a port where nothing listens (refused), and a
// listener that accepts and never says a word.

import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/procs.ts';
import { examplesDir, runCli } from '../support/cli.ts';

let closedPort: number;
let silent: Server;
let silentPort: number;
const accepted = new Set<Socket>();

beforeAll(async () => {
  closedPort = await freePort();
  silent = createServer((s) => void accepted.add(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(() => {
  for (const s of accepted) s.destroy(); // never read, they would keep close() waiting
  return new Promise<void>((r) => silent.close(() => r()));
});

const seed = join(examplesDir, 'seed');
const kafkaCommands = [
  ['apply', '-f', seed],
  ['delete', '-f', seed],
  ['events', 'dump', '--from-beginning'],
];
const redisCommands = [['peers'], ['routes', 'advertised'], ['desired'], ['desired', 'worker1'], ['conditions']];

/** stderr without the routes command's note about the default family. */
const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(Defaulting'));

describe('Kafka unreachable', () => {
  for (const args of kafkaCommands) {
    it(`${args.join(' ').replace(seed, 'infra/examples/seed')}: exit 4 and one line naming Kafka, its address and the fix (refused)`, async () => {
      const r = await runCli(args, { BGPCAST_KAFKA_BROKERS: `127.0.0.1:${closedPort}` });
      expect(r.code).toBe(4);
      expect(lines(r.stderr)).toEqual([
        `bgpcast: Kafka at 127.0.0.1:${closedPort} (from BGPCAST_KAFKA_BROKERS) is not reachable: connection refused. ` +
          'Start the local stack with `npx bgpcast up`, or set BGPCAST_KAFKA_BROKERS to a running broker.',
      ]);
    });
  }

  it('a broker that accepts and never answers: the same one line', async () => {
    const r = await runCli(['apply', '-f', seed], { BGPCAST_KAFKA_BROKERS: `127.0.0.1:${silentPort}` });
    expect(r.code).toBe(4);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^bgpcast: Kafka at 127\\.0\\.0\\.1:${silentPort} .* not reachable: no answer within 1\\.5 s\\. Start`))]);
  });

  it('--verbose adds the libraries\' own lines', async () => {
    const r = await runCli(['apply', '--verbose', '-f', seed], { BGPCAST_KAFKA_BROKERS: `127.0.0.1:${closedPort}` });
    expect(r.code).toBe(4);
    const json = lines(r.stderr).filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(0);
    expect(JSON.parse(json[0]!)).toMatchObject({ logger: 'kafkajs' });
    expect(lines(r.stderr).filter((l) => l.startsWith('bgpcast: Kafka at'))).toHaveLength(1);
  });
});

describe('Redis unreachable', () => {
  for (const args of redisCommands) {
    it(`${args.join(' ')}: exit 4 and one line naming Redis, its address and the fix (refused)`, async () => {
      const r = await runCli(args, { BGPCAST_REDIS_URL: `redis://127.0.0.1:${closedPort}` });
      expect(r.code).toBe(4);
      expect(lines(r.stderr)).toEqual([
        `bgpcast: Redis at redis://127.0.0.1:${closedPort} (from BGPCAST_REDIS_URL) is not reachable: connection refused. ` +
          'Start the local stack with `npx bgpcast up`, or set BGPCAST_REDIS_URL to a running Redis.',
      ]);
    });
  }

  it('a Redis that accepts and never answers: the same one line', async () => {
    const r = await runCli(['peers'], { BGPCAST_REDIS_URL: `redis://127.0.0.1:${silentPort}` });
    expect(r.code).toBe(4);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^bgpcast: Redis at redis://127\\.0\\.0\\.1:${silentPort} .* not reachable: no answer within 2 s\\. Start`))]);
  });
});
