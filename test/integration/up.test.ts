// `bgpcast up` as a user runs it: it comes up, applies its config, and stops cleanly on SIGTERM.
// It reuses the test run's Kafka and Redis (through the same variables a user would set), so it
// starts no second broker and leaves the shared stack running.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { expect, inject, it } from 'vitest';
import { createKafka } from '../../events/kafka/client.ts';
import { readEvents } from '../../events/kafka/reader.ts';
import { createLogger } from '../../events/log.ts';
import { repoRoot } from '../support/cli.ts';

it('up applies its config, reports ready, and exits 0 on SIGTERM', async () => {
  const topic = `test.up.${randomUUID()}`;
  const env = {
    ...process.env,
    BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'),
    BGPCAST_REDIS_URL: inject('redisUrl'),
    BGPCAST_EVENTS_TOPIC: topic,
  };
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'up', '--config', 'infra/examples/loopback', '--speakers-telemetry', '127.0.0.1:0', '--functions-telemetry', '127.0.0.1:0'], {
    cwd: repoRoot,
    env,
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((ready, fail) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('ready; Ctrl-C')) ready();
    });
    void exited.then((code) => fail(new Error(`up exited early (${code}): ${stderr}`)));
  });

  const keys: string[] = [];
  const kafka = createKafka({ brokers: inject('kafkaBrokers') }, createLogger('kafka', 'error'));
  await readEvents(kafka, { topic, fromBeginning: true, follow: false, onEvent: (e) => keys.push(e.key!), onPoison: () => undefined });
  expect(keys.sort()).toEqual([
    'CiliumBGPAdvertisement.cilium.io/bgp-advertisements',
    'CiliumBGPClusterConfig.cilium.io/cilium-bgp',
    'CiliumBGPNodeConfigOverride.cilium.io/worker1',
    'CiliumBGPNodeConfigOverride.cilium.io/worker2',
    'CiliumBGPPeerConfig.cilium.io/cilium-peer',
    'Node/control-plane',
    'Node/worker1',
    'Node/worker2',
    'Service/default/api',
    'Service/default/web',
  ]);
  expect(stdout).toContain('Node/worker1 applied');
  expect(stderr).toContain('(already running)');

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr).toContain('stopped');
});
