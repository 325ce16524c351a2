// `bgpcast audit prefix` end to end on `bgpcast up --demo` (its own BIRD on 127.5.5.5, two nodes):
// after the first announcement at start, the Service web's LoadBalancer IP moves from 172.20.0.10 to 172.20.0.11 with `bgpcast apply`,
// and the real CLI shows, for each node toward 127.5.5.5, the first announcement of the old /32 at
// start, then its withdraw, and the announce of the new /32 — each with the revision it came with
// and the Service among its causes (the event's key, type, partition and offset). Bad input: exit 2
// with the expected form; a prefix never sent: an empty timeline, exit 0; --since before the
// topic's first record: said on stderr.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { examplesDir, runCli } from '../support/cli.ts';
import { startDemo, upEnv } from '../support/up-process.ts';
import type { TimelineRow } from '../../bin/views/audit-timeline.ts';

const OLD = '172.20.0.10/32';
const NEW = '172.20.0.11/32';
const NODES = ['worker1', 'worker2'];

async function auditJson(env: Record<string, string>, args: string[]): Promise<TimelineRow[]> {
  const r = await runCli(['audit', 'prefix', ...args, '-o', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TimelineRow[];
}

/** Polls `audit prefix` (bounded) until `done` holds; returns the last rows. */
async function auditUntil(env: Record<string, string>, args: string[], done: (rows: TimelineRow[]) => boolean): Promise<TimelineRow[]> {
  let rows: TimelineRow[] = [];
  for (let i = 0; i < 40; i++) {
    rows = await auditJson(env, args);
    if (done(rows)) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
  return rows;
}

const perNode = (rows: readonly TimelineRow[], node: string) => rows.filter((r) => r.node === node).map((r) => r.action);
const isWebService = (c: TimelineRow['causes'][number]) => c.key === 'Service/default/web';

it('audit prefix shows the old /32 withdrawn and the new one announced toward BIRD from both nodes, with the Service among the causes', { timeout: 240_000 }, async () => {
  const upEnvironment = upEnv(inject('kafkaBrokers'), inject('redisUrl'), 'audit');
  upEnvironment['BGPCAST_AUDIT_TOPIC'] = `${upEnvironment['BGPCAST_EVENTS_TOPIC']}.audit`;
  const env = upEnvironment as Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-audit-'));
  const up = await startDemo(upEnvironment);
  try {
    // The first announcement, at start, from both nodes.
    const first = await auditUntil(env, [OLD], (rows) => NODES.every((n) => perNode(rows, n).length > 0));
    for (const node of NODES) {
      const row = first.find((r) => r.node === node)!;
      expect(row, `${node} announced ${OLD}`).toMatchObject({ node, peer: '127.5.5.5', action: 'announce', prefix: OLD });
      expect(row.attributes).toMatchObject({ origin: 'igp', nextHop: expect.any(String) });
      expect(row.revision).toBeGreaterThan(0);
      // The revisions up to it name what made the node announce: at start the objects folded in
      // the batches that wrote them (the Service itself, when it was folded after the node).
      expect(row.causes.length, `${node}'s first announcement has causes`).toBeGreaterThan(0);
    }

    // The Service's LoadBalancer IP moves.
    const cluster = readFileSync(join(examplesDir, 'loopback/cluster.yaml'), 'utf8');
    const web = cluster.split(/^---$/m).find((doc) => /name: web\b/.test(doc) && /kind: Service/.test(doc))!;
    expect(web).toContain('ip: 172.20.0.10');
    writeFileSync(join(dir, 'web.yaml'), web.replace('ip: 172.20.0.10', 'ip: 172.20.0.11'));
    const applied = await runCli(['apply', '-f', join(dir, 'web.yaml')], env);
    expect(applied.code, applied.stderr).toBe(0);

    const old = await auditUntil(env, [OLD], (rows) => NODES.every((n) => perNode(rows, n).includes('withdraw')));
    const moved = await auditUntil(env, [NEW], (rows) => NODES.every((n) => perNode(rows, n).includes('announce')));
    for (const node of NODES) {
      expect(perNode(old, node), `${node}: ${OLD}`).toEqual(['announce', 'withdraw']);
      expect(perNode(moved, node), `${node}: ${NEW}`).toEqual(['announce']);
      const withdraw = old.find((r) => r.node === node && r.action === 'withdraw')!;
      const announce = moved.find((r) => r.node === node)!;
      expect(withdraw).toMatchObject({ peer: '127.5.5.5', attributes: null });
      expect(announce).toMatchObject({ peer: '127.5.5.5', prefix: NEW });
      // One change, one revision: the withdraw and the announce went out for the same one.
      expect(announce.revision).toBe(withdraw.revision);
      for (const row of [withdraw, announce]) {
        // The apply's event: a file says "added" for every object it holds.
        const cause = row.causes.find(isWebService);
        expect(cause, `${node} ${row.action}: ${JSON.stringify(row.causes)}`).toMatchObject({ type: 'added', source: `file:${join(dir, 'web.yaml')}`, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) });
      }
      // Oldest first.
      expect(Date.parse(withdraw.time)).toBeGreaterThanOrEqual(Date.parse(old.find((r) => r.node === node)!.time));
    }

    // Narrowed to a node and the peer; the text form names the Service under each row.
    expect((await auditJson(env, [NEW, '--node', 'worker2', '--peer', '127.5.5.5'])).map((r) => r.node)).toEqual(['worker2']);
    expect(await auditJson(env, [NEW, '--peer', '127.0.0.99'])).toEqual([]);
    const text = await runCli(['audit', 'prefix', NEW], env);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^Time\s+Node\s+Peer\s+Action\s+Revision\s+Attributes$/);
    expect(text.stdout).toMatch(/worker1\s+127\.5\.5\.5\s+announce\s+\d+\s+origin igp/);
    expect(text.stdout).toMatch(/caused by added Service\/default\/web \(file:.*web\.yaml/);

    // No history, bad input, a time before the first record.
    expect(await auditJson(env, ['10.99.0.0/24'])).toEqual([]);
    const bad = await runCli(['audit', 'prefix', '172.20.0.300/32'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected ADDRESS\/LENGTH/);
    const badTime = await runCli(['audit', 'prefix', NEW, '--since', 'yesterday'], env);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/expected RFC 3339/);
    const early = await runCli(['audit', 'prefix', NEW, '--since', '2000-01-01T00:00:00Z', '-o', 'json'], env);
    expect(early.code).toBe(0);
    expect(early.stderr).toMatch(/before the audit topic's first record/);
    expect(JSON.parse(early.stdout)).toHaveLength(2);
  } finally {
    up.child.kill('SIGTERM');
    await up.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
