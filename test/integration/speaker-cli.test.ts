// `bgpcast speaker` as an operator runs it: the real binary for two nodes, its TCP MD5 password
// read from BGPCAST_SECRETS_DIR (the Secret mounted as files), BIRD requiring that password.
// SIGTERM stops it for graceful restart (BIRD keeps the routes); with --drain it first
// re-advertises every route with GRACEFUL_SHUTDOWN (RFC 8326), then ends the sessions. It serves
// /metrics, /healthz and /readyz from the start, and logs where --log-file says at --log-level.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.ts';
import { freePort } from '../../infra/local/procs.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/routers/index.ts';
import type { Lab } from './pipeline-support.ts';
import { birdRoutes, startLab } from './pipeline-support.ts';

const PASSWORD = 'loopback-md5';
let lab: Lab;
let secrets: string;

beforeAll(async () => {
  lab = await startLab({ brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl') });
  secrets = makeTempDir('secrets');
  mkdirSync(join(secrets, 'kube-system', 'bgp-auth'), { recursive: true });
  writeFileSync(join(secrets, 'kube-system', 'bgp-auth', 'password'), `${PASSWORD}\n`);
  // BIRD requires the password on both sessions.
  await lab.bird.configure({ ...lab.bird.options, protocols: lab.bird.options.protocols.map((p) => ({ ...p, password: PASSWORD })) });
  for (const o of lab.objects) {
    if (o.kind === 'CiliumBGPPeerConfig') (o['spec'] as Record<string, unknown>)['authSecretRef'] = 'bgp-auth';
  }
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-auth', namespace: 'kube-system' }, type: 'Opaque', data: { password: Buffer.from(PASSWORD).toString('base64') } };
  await lab.publish([...lab.objects, secret as never]);
});
afterAll(async () => {
  await lab?.close();
  if (secrets) removeTempDir(secrets);
});

function speaker(extra: string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/bgpcast.ts'), 'speaker', '--node', 'worker1', '--node', 'worker2', '--telemetry', '127.0.0.1:0', ...extra], {
    cwd: repoRoot,
    env: { ...process.env, BGPCAST_REDIS_URL: lab.redisUrl, BGPCAST_REDIS_PREFIX: lab.prefix, BGPCAST_SECRETS_DIR: secrets, BGPCAST_LOG_LEVEL: 'info', ...env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  return { child, exited: new Promise((r) => child.on('exit', (code) => r(code))), stderr: () => err };
}

async function fiveRoutesEach(): Promise<void> {
  for (const node of ['worker1', 'worker2'] as const) {
    await lab.bird.waitEstablished(node, 30_000);
    await lab.bird.waitFor(async (b) => (await birdRoutes(b, node)).size === 5, { timeoutMs: 20_000, what: `5 routes from ${node}` });
  }
}

/** The telemetry URL the speaker logged (JSON lines in `log`). */
function telemetryUrl(log: () => string): Promise<string> {
  return waitFor(
    () => {
      for (const line of log().split('\n')) {
        if (!line.startsWith('{')) continue;
        const o = JSON.parse(line) as { msg?: string; url?: string };
        if (o.msg === 'serving /metrics, /healthz, /readyz' && o.url) return o.url;
      }
      return false;
    },
    { timeoutMs: 20_000, what: 'the telemetry URL in the log' },
  );
}

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
};

describe('bgpcast speaker telemetry and logs', () => {
  it('serves /healthz while waiting for Redis, /readyz 503 saying so, and bgpcast_redis_up 0', { timeout: 60_000 }, async () => {
    const s = speaker([], { BGPCAST_REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const url = await telemetryUrl(s.stderr);
      expect(await get(`${url}/healthz`)).toEqual({ status: 200, text: 'ok\n' });
      expect(await get(`${url}/readyz`)).toEqual({ status: 503, text: '[-]desired failed: waiting for Redis: no desired state read yet\nnot ok\n' });
      const metrics = await get(`${url}/metrics`);
      expect(metrics.text).toMatch(/^bgpcast_redis_up\{component="speaker"\} 0$/m);
      expect(metrics.text).not.toMatch(/^cilium_bgp_control_plane_session_state\{/m);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('--log-file gets the JSON lines at --log-level, stderr none; ready once applied, with Cilium\'s series for both sessions', { timeout: 90_000 }, async () => {
    const dir = makeTempDir('speaker-log');
    const file = join(dir, 'speaker.log');
    const s = speaker(['--log-file', file, '--log-level', 'debug']);
    try {
      const url = await telemetryUrl(() => readFileSync(file, 'utf8'));
      await waitFor(async () => (await get(`${url}/readyz`)).status === 200, { timeoutMs: 30_000, what: '/readyz 200' });
      expect((await get(`${url}/readyz`)).text).toBe('[+]desired ok\nok\n');
      const metrics = await waitFor(
        async () => {
          const m = (await get(`${url}/metrics`)).text;
          return (m.match(/^cilium_bgp_control_plane_session_state\{.*\} 1$/gm) ?? []).length === 2 ? m : false;
        },
        { timeoutMs: 30_000, what: 'both sessions at state 1 in /metrics' },
      );
      for (const node of ['worker1', 'worker2']) {
        expect(metrics).toContain(
          `cilium_bgp_control_plane_advertised_routes{vrouter="64000",neighbor="${lab.addr.router}:${lab.port}",neighbor_asn="65000",node="${node}",afi="ipv4",safi="unicast",component="speaker"} 5`,
        );
        expect(metrics).toMatch(new RegExp(`^bgpcast_speaker_applied_revision\\{node="${node}",component="speaker"\\} [1-9]`, 'm'));
      }
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(lines.some((l) => l.level === 20)).toBe(true);
      expect(lines.at(-1)!.msg).toBe('stopped');
      expect(s.stderr()).toBe('');
    } finally {
      s.child.kill('SIGKILL');
      removeTempDir(dir);
    }
  });
});

describe('bgpcast speaker', () => {
  it('signs its sessions with the password from BGPCAST_SECRETS_DIR; SIGTERM leaves the routes with BIRD', { timeout: 90_000 }, async () => {
    const s = speaker([]);
    try {
      await fiveRoutesEach();
      const peers = await waitFor(
        async () => {
          const r = await runCli(['peers', '-o', 'json'], { BGPCAST_REDIS_URL: lab.redisUrl, BGPCAST_REDIS_PREFIX: lab.prefix });
          const json = r.code === 0 ? (JSON.parse(r.stdout) as Record<string, Record<string, unknown>[]>) : {};
          return json['worker1']?.[0]?.['session-state'] === 'established' ? json : false;
        },
        { timeoutMs: 10_000, what: 'peers report' },
      );
      expect(peers['worker1']![0]!['tcp-password-enabled']).toBe(true);
      expect(JSON.stringify(peers)).not.toContain(PASSWORD);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toContain('graceful restart');
      expect(s.stderr()).not.toContain(PASSWORD);
      for (const node of ['worker1', 'worker2'] as const) {
        const p = await lab.bird.protocol(node);
        expect(p.gracefulRestartActive || p.bgpState === 'Established', `${node}: BIRD is a GR helper`).toBe(true);
        expect((await birdRoutes(lab.bird, node)).size).toBe(5);
      }
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('--drain: every route re-advertised with GRACEFUL_SHUTDOWN, then the sessions end and BIRD drops them', { timeout: 90_000 }, async () => {
    const s = speaker(['--drain', '3']);
    try {
      await fiveRoutesEach();
      // The previous speaker's stale routes are replaced: wait for the fresh table (no GR pending).
      await lab.bird.waitFor(async (b) => !(await b.protocol('worker1')).gracefulRestartActive, { timeoutMs: 20_000, what: 'GR over' });
      s.child.kill('SIGTERM');
      const drained = await lab.bird.waitFor(
        async (b) => {
          const r = await birdRoutes(b, 'worker1');
          return r.size === 5 && [...r.values()].every((x) => x.communities.includes('65535:0')) ? r : false;
        },
        { timeoutMs: 10_000, what: 'GRACEFUL_SHUTDOWN on every route' },
      );
      expect(drained.get('192.168.1.0/24')!.communities).toEqual(['65000:99', '65535:0']);
      expect(await s.exited).toBe(0);
      await lab.bird.waitFor(async (b) => (await b.routes('master4', 'worker1')).length === 0, { timeoutMs: 10_000, what: 'routes gone after the Cease' });
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
