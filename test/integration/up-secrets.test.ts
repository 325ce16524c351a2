// Local secrets under `bgpcast up`: the password of a Secret applied from a file is kept in the
// local secrets folder (0600, in the cache folder), never on the topic or in Redis, and the speaker
// sets TCP MD5 with it — a BIRD that requires the password establishes the session. The peer's
// "password set" in `bgpcast peers` and the PeerConfig's MissingAuthSecret condition agree, also
// after the Secret is applied again without its password key.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.ts';
import { until as untilWithin } from '../support/process.ts';
import { startBird } from '../support/routers/bird.ts';
import type { RunningBird } from '../support/routers/bird.ts';
import { loopbackBlock } from '../support/routers/common.ts';

const PASSWORD = 'open sesame';
const cache = mkdtempSync(join(tmpdir(), 'bgpcast-up-secrets-'));
const config = join(cache, 'config');
const id = randomUUID().slice(0, 8);
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'),
  BGPCAST_REDIS_URL: inject('redisUrl'),
  BGPCAST_EVENTS_TOPIC: `test.secrets.${id}`,
  BGPCAST_REDIS_PREFIX: `secrets-${id}`,
  BGPCAST_CACHE_DIR: cache,
  BGPCAST_LOG_LEVEL: 'warn',
};
let child: ChildProcess | undefined;
let bird: RunningBird | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await bird?.stop();
  rmSync(cache, { recursive: true, force: true });
});


async function json<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '-o', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

type Peers = { 'tcp-password-enabled': boolean; 'session-state': string }[];
const peersOf = async () => (await json<{ node: string; peers: Peers }[] | Peers>(['peers'])) as unknown;
const passwordFlag = async () => JSON.stringify(await peersOf()).match(/"tcp-password-enabled":(true|false)/)?.[1];
/** Conditions settle at the functions' pace, a resync at the speaker's (30 s): 45 s by default. */
const until = (what: string, check: () => Promise<boolean>, ms = 45_000) => untilWithin(what, check, ms, 250);
const missingAuthSecret = async () =>
  (await json<{ kind: string; name: string; type: string; status: string; message: string }[]>(['conditions'])).find(
    (c) => c.kind === 'CiliumBGPPeerConfig' && c.type === 'cilium.io/MissingAuthSecret',
  );

it('a Secret applied from a file gives up\'s speaker its TCP MD5 password; peers and the condition agree', { timeout: 240_000 }, async () => {
  const blk = loopbackBlock();
  const [router, node] = [blk.addr(1), blk.addr(2)];
  const port = 20000 + Math.floor(Math.random() * 20000);
  bird = await startBird({
    routerId: '10.255.0.1',
    address: router,
    port,
    protocols: [{ name: 'md5node', localAs: 65000, neighborAddress: node, neighborAs: 64000, passive: true, holdTime: 9, password: PASSWORD }],
  });
  mkdirSync(config);
  const secret = (data: Record<string, string>) =>
    `apiVersion: v1\nkind: Secret\nmetadata: {name: bgp-auth, namespace: kube-system}\nstringData: ${JSON.stringify(data)}\n`;
  writeFileSync(join(config, 'secret.yaml'), secret({ password: PASSWORD }));
  writeFileSync(
    join(config, 'bgp.yaml'),
    [
      `apiVersion: v1\nkind: Node\nmetadata: {name: md5node, labels: {bgp: "true"}}\nspec: {podCIDR: 10.77.0.0/24, podCIDRs: [10.77.0.0/24]}\nstatus: {addresses: [{type: InternalIP, address: ${node}}]}`,
      `apiVersion: cilium.io/v2\nkind: CiliumBGPClusterConfig\nmetadata: {name: md5}\nspec:\n  nodeSelector: {matchLabels: {bgp: "true"}}\n  bgpInstances:\n  - name: i\n    localASN: 64000\n    peers: [{name: r, peerASN: 65000, peerAddress: ${router}, peerConfigRef: {name: md5-peer}}]`,
      `apiVersion: cilium.io/v2\nkind: CiliumBGPPeerConfig\nmetadata: {name: md5-peer}\nspec:\n  transport: {peerPort: ${port}}\n  timers: {holdTimeSeconds: 9, keepAliveTimeSeconds: 3}\n  ebgpMultihop: 5\n  authSecretRef: bgp-auth\n  families: [{afi: ipv4, safi: unicast, advertisements: {matchLabels: {advertise: md5}}}]`,
      `apiVersion: cilium.io/v2\nkind: CiliumBGPAdvertisement\nmetadata: {name: md5-ads, labels: {advertise: md5}}\nspec: {advertisements: [{advertisementType: PodCIDR}]}`,
      `apiVersion: cilium.io/v2\nkind: CiliumBGPNodeConfigOverride\nmetadata: {name: md5node}\nspec: {bgpInstances: [{name: i, peers: [{name: r, localAddress: ${node}}]}]}`,
    ].join('\n---\n'),
  );

  child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'up', '--config', config], { cwd: repoRoot, env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await until('up ready', async () => stderr.includes('ready; Ctrl-C'), 90_000);
  expect(stderr).toContain(`Secret kube-system/bgp-auth: password kept in ${join(cache, 'secrets')} (never published)`);

  // The password's one home: a 0600 file in the cache folder.
  const file = join(cache, 'secrets', 'kube-system', 'bgp-auth', 'password');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);

  // BIRD requires the password: Established means the speaker set TCP MD5 with it.
  await until('BIRD established with MD5', async () => (await bird!.protocol('md5node')).bgpState === 'Established');
  await until('BIRD has the pod CIDR', async () => (await bird!.routeCount('master4', 'md5node')) === 1);
  await until('peers says a password is set', async () => (await passwordFlag()) === 'true');
  expect(await missingAuthSecret()).toMatchObject({ status: 'False', message: 'Referenced Auth Secret "bgp-auth" found in namespace "kube-system"' });

  // Never on the topic, never in Redis.
  const dump = await runCli(['events', 'dump', '--from-beginning', '-o', 'json'], env);
  expect(dump.code, dump.stderr).toBe(0);
  expect(dump.stdout).toContain('"dataKeys":["password"]');
  expect(dump.stdout).not.toContain(PASSWORD);
  const redis = new Redis(inject('redisUrl'));
  try {
    const stored: string[] = [];
    for (const key of await redis.keys(`${env['BGPCAST_REDIS_PREFIX']}:*`)) {
      const type = await redis.type(key);
      if (type === 'string') stored.push(String(await redis.get(key)));
      else if (type === 'hash') stored.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'set') stored.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'stream') stored.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.join('\n')).not.toContain(PASSWORD);
  } finally {
    redis.disconnect();
  }

  // The Secret again, without its password: the file goes, the condition turns True, and the
  // speaker (at its next resync) runs the peer without a password — both say so.
  writeFileSync(join(config, 'secret.yaml'), secret({ token: 'x' }));
  const r = await runCli(['apply', '-f', join(config, 'secret.yaml')], env);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(file)).toBe(false);
  await until('the condition says the key is missing', async () => (await missingAuthSecret())?.status === 'True');
  expect((await missingAuthSecret())?.message).toBe('Referenced Auth Secret "bgp-auth" in namespace "kube-system" has no key "password"');
  await until('peers says no password', async () => (await passwordFlag()) === 'false');

  child.kill('SIGTERM');
  await new Promise((done) => child!.once('exit', done));
});
