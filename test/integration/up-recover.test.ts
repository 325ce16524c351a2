// `bgpcast up` recovers from its own crash, against the test run's Kafka and Redis (named by the
// variables a user would set) and its own demo BIRD on 127.5.5.5:179, its run folder in a temp
// cache folder. After kill -9 of `up --demo`, a plain `up` speaks for the nodes of the stored
// world (it applies no file) and names the BIRD left running; after kill -9 of that one, `up --demo`
// takes the BIRD over; a change applied afterwards reaches BIRD; and BIRD holds every route it had
// the whole time — sampled every 200 ms from the first kill to the end.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.ts';
import { alive, listening, until } from '../support/process.ts';

const cache = mkdtempSync(join(tmpdir(), 'bgpcast-up-recover-'));
const socket = join(cache, 'run', 'bird', 'bird.ctl');
const id = randomUUID().slice(0, 8);
const env = {
  ...process.env,
  BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'),
  BGPCAST_REDIS_URL: inject('redisUrl'),
  BGPCAST_EVENTS_TOPIC: `test.recover.${id}`,
  BGPCAST_REDIS_PREFIX: `recover-${id}`,
  BGPCAST_CACHE_DIR: cache,
  BGPCAST_LOG_LEVEL: 'warn',
};
const children: ChildProcess[] = [];
let birdPid = 0;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (birdPid > 0 && alive(birdPid)) process.kill(birdPid, 'SIGTERM');
  rmSync(cache, { recursive: true, force: true });
});



interface Up {
  readonly child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `bgpcast up ARGS` and resolves once it says ready. */
async function up(args: string[]): Promise<Up> {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'up', ...args], { cwd: repoRoot, env });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`up ${args.join(' ')} not ready within 90 s:\n${stderr}`)), 90_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('ready; Ctrl-C')) (clearTimeout(timer), ready());
    });
    void exited.then((code) => (clearTimeout(timer), fail(new Error(`up ${args.join(' ')} exited early (${code}):\n${stderr}\n${stdout}`))));
  });
  return { child, stderr: () => stderr, exited };
}

function birdc(command: string): Promise<string> {
  return new Promise((done) => execFile('birdc', ['-s', socket, command], { timeout: 5_000 }, (_e, out) => done(String(out))));
}

async function routeCount(): Promise<number> {
  const m = /(\d+) of \d+ routes for \d+ networks in table master4/.exec(await birdc('show route count'));
  return m ? Number(m[1]) : -1;
}


const bothEstablished = async () => ((await birdc('show protocols')).match(/^worker[12]\s+BGP\s+\S+\s+up\s+\S+\s+Established/gm) ?? []).length === 2;

it('after kill -9 of up: the next up speaks for the stored nodes, up --demo takes BIRD over, BIRD keeps every route, a later change reaches it', { timeout: 300_000 }, async () => {
  expect(await listening('127.5.5.5', 179), 'something already listens on 127.5.5.5:179 (a running demo?)').toBe(false);
  const first = await up(['--demo']);
  birdPid = Number(/BIRD running, pid (\d+)/.exec(first.stderr())?.[1]);
  expect(birdPid).toBeGreaterThan(0);
  await until('both sessions Established at BIRD', bothEstablished);
  const routes = await routeCount();
  expect(routes).toBe(10); // 5 routes from each of worker1 and worker2

  // From here to the end, BIRD's route count every 200 ms.
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await routeCount());
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  try {
    first.child.kill('SIGKILL');
    await first.exited;
    expect(alive(birdPid), 'BIRD outlives the killed up').toBe(true);

    // A plain up applies no file: its speakers come from the stored world.
    const plain = await up([]);
    expect(plain.stderr()).toContain('starting speakers for the local nodes: worker1 (127.0.1.1), worker2 (127.0.2.1)');
    expect(plain.stderr()).toContain(`BIRD pid ${birdPid}, left by an earlier \`bgpcast up --demo\`, still runs on 127.5.5.5:179`);
    await until('both sessions Established again under the plain up', bothEstablished);
    plain.child.kill('SIGKILL');
    await plain.exited;

    // up --demo takes the BIRD over instead of refusing 127.5.5.5:179.
    const demo = await up(['--demo']);
    expect(demo.stderr()).toContain(`BIRD running, pid ${birdPid}, taken over from an earlier \`bgpcast up --demo\``);
    await until('both sessions Established under the new up --demo', bothEstablished);

    // A change applied now reaches BIRD.
    const file = join(cache, 'extra.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: default}\nspec:\n  type: ClusterIP\n  clusterIP: 10.96.77.77\n  ports: [{port: 80}]\n');
    const applied = await runCli(['apply', '-f', file], env as Record<string, string>);
    expect(applied.code, applied.stderr).toBe(0);
    await until('10.96.77.77/32 at BIRD', async () => (await birdc('show route 10.96.77.77/32')).includes('10.96.77.77/32'));
    expect(await routeCount()).toBe(routes + 2);

    sampling = false;
    await sampler;
    expect(samples.length).toBeGreaterThan(10);
    expect(Math.min(...samples), `BIRD's route count, every 200 ms: ${samples.join(' ')}`).toBeGreaterThanOrEqual(routes);

    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(alive(birdPid), 'up --demo stops the BIRD it took over').toBe(false);
  } finally {
    sampling = false;
    await sampler;
  }
});
