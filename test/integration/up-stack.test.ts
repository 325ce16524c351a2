// `bgpcast up`'s Kafka and Redis across runs (bin/commands/up-stack.ts, up-supervise.ts), with
// free ports and a temp run folder: started with their data in the run folder and a pid record
// each; taken over by the next run while they answer; a recorded process that does not answer is
// stopped and replaced; a Redis that dies is started again by the supervisor with its data (the
// append-only file); the run folder belongs to one `up` at a time.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { claimRunDir, localStack } from '../../bin/commands/up-stack.ts';
import type { LocalPorts, LocalStack } from '../../bin/commands/up-stack.ts';
import { supervise } from '../../bin/commands/up-supervise.ts';
import { freePort } from '../../infra/local/procs.ts';
import { commandLine, isAlive, readPidRecord, writePidRecord } from '../../infra/local/run-dir.ts';
import { until } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'bgpcast-up-stack-'));
const said: string[] = [];
const say = (m: string) => said.push(m);
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** A process whose command line reads `name …` and that answers nothing. */
function impostor(name: string): number {
  const child = spawn('bash', ['-c', `exec -a ${name} sleep 120`], { stdio: 'ignore' });
  return child.pid!;
}


describe('the local stack of bgpcast up', () => {
  let ports: LocalPorts;

  it('starts Kafka and Redis with their data and a pid record in the run folder; the next run takes them over', { timeout: 180_000 }, async () => {
    ports = { kafka: await freePort(), kafkaController: await freePort(), redis: await freePort() };
    const first = await localStack({ env: {}, dir, ports, say });
    stacks.push(first);
    expect([first.kafka.how, first.redis.how]).toEqual(['started', 'started']);
    expect(readPidRecord(dir, 'kafka')?.pid).toBe(first.kafka.pid());
    expect(readPidRecord(dir, 'redis')?.pid).toBe(first.redis.pid());
    expect(existsSync(join(dir, 'kafka', 'data', 'meta.properties'))).toBe(true);

    // The first `up` is killed: nothing of it stops them. The next finds them by their records.
    const next = await localStack({ env: {}, dir, ports, say });
    stacks.push(next);
    expect([next.kafka.how, next.redis.how]).toEqual(['taken over', 'taken over']);
    expect([next.kafka.pid(), next.redis.pid()]).toEqual([first.kafka.pid(), first.redis.pid()]);
    expect(said).toContain(`Redis: taking over pid ${first.redis.pid()}, left running by an earlier \`bgpcast up\`, on redis://127.0.0.1:${ports.redis}`);
  });

  it('a Redis that dies is started again by the supervisor, one line each way, with its data', { timeout: 60_000 }, async () => {
    const stack = stacks.at(-1)!;
    const redis = new Redis(stack.redis.address, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await redis.connect();
    await redis.set('bgpcast-test:kept', 'yes');
    redis.disconnect();
    // appendfsync everysec: wait until the write is in the append-only file.
    const aof = join(dir, 'redis', 'appendonlydir');
    await until('the key in the append-only file', () =>
      existsSync(aof) && readdirSync(aof).some((f) => f.endsWith('.incr.aof') && readFileSync(join(aof, f), 'utf8').includes('bgpcast-test:kept')),
    );
    const before = stack.redis.pid()!;
    const supervisor = supervise([stack.redis], say, { checkMs: 100, firstDelayMs: 100 });
    try {
      process.kill(before, 'SIGKILL');
      await until('Redis back', () => said.some((l) => l.startsWith('Redis is back on')));
    } finally {
      await supervisor.stop();
    }
    expect(said).toContain(`Redis (pid ${before}) is gone; starting it again in 0.1 s (attempt 1 of 5)`);
    expect(stack.redis.pid()).not.toBe(before);
    expect(readPidRecord(dir, 'redis')?.pid).toBe(stack.redis.pid());
    const again = new Redis(stack.redis.address, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await again.connect();
    expect(await again.get('bgpcast-test:kept')).toBe('yes');
    again.disconnect();
  });

  it('stop() stops both and removes their records', { timeout: 60_000 }, async () => {
    const stack = stacks.pop()!;
    stacks.length = 0;
    const pids = [stack.kafka.pid()!, stack.redis.pid()!];
    await stack.stop();
    expect(pids.map(isAlive)).toEqual([false, false]);
    expect([readPidRecord(dir, 'kafka'), readPidRecord(dir, 'redis')]).toEqual([null, null]);
  });

  it('a recorded process that does not answer is stopped and replaced', { timeout: 60_000 }, async () => {
    const fake = impostor('redis-server');
    await until('the impostor runs', () => isAlive(fake));
    writePidRecord(dir, 'redis', { pid: fake, address: `redis://127.0.0.1:${ports.redis}`, command: 'redis-server' });
    // Kafka named by the variable (the test run's): only Redis is looked for in the run folder.
    const stack = await localStack({ env: { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers') }, dir, ports, say });
    stacks.push(stack);
    expect(stack.kafka.how).toBe('external');
    expect(said).toContain(`Redis: pid ${fake}, left by an earlier \`bgpcast up\`, does not answer on redis://127.0.0.1:${ports.redis}; stopping it`);
    await until('the impostor is gone', () => !isAlive(fake));
    expect(stack.redis.how).toBe('started');
  });

  it('the run folder is one up\'s at a time', async () => {
    const other = impostor('bgpcast');
    // Until the child has exec'd, its command line is still the test worker's.
    await until('the impostor runs as bgpcast', () => commandLine(other).includes('bgpcast'));
    writePidRecord(dir, 'up', { pid: other, address: '', command: 'bgpcast' });
    try {
      expect(() => claimRunDir(dir)).toThrow(`another \`bgpcast up\` (pid ${other}) is running with the run folder ${dir}`);
    } finally {
      process.kill(other, 'SIGKILL');
    }
  });
});
