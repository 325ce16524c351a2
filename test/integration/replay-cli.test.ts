// `desired`, `routes available` and `conditions` with --at, as a user runs them: the loopback
// example applied to a fresh topic, then the web Service's LoadBalancer IP moved. Before the move
// worker1's desired state holds the old /32 and not the new one, after it the reverse; a time
// before the first record says so and shows the empty state; bad forms exit 2 naming the forms.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { examplesDir, runCli } from '../support/cli.ts';

const OLD = '172.20.0.10/32';
const NEW = '172.20.0.77/32';

let env: Record<string, string>;
let dir: string;
let beforeApply: string;
let beforeMove: string;
let afterMove: string;

beforeAll(async () => {
  env = { BGPCAST_KAFKA_BROKERS: inject('kafkaBrokers'), BGPCAST_EVENTS_TOPIC: `test.replay-cli.${randomUUID()}` };
  dir = mkdtempSync(join(tmpdir(), 'bgpcast-replay-cli-'));
  const cluster = readFileSync(join(examplesDir, 'loopback/cluster.yaml'), 'utf8');
  const web = cluster.split(/^---$/m).find((doc) => /name: web\n/.test(doc))!;
  writeFileSync(join(dir, 'web-moved.yaml'), web.replace('ip: 172.20.0.10', 'ip: 172.20.0.77'));
  beforeApply = new Date(Date.now() - 60_000).toISOString();
  const first = await runCli(['apply', '-f', join(examplesDir, 'loopback')], env);
  expect(first.code, first.stderr).toBe(0);
  beforeMove = new Date().toISOString();
  const moved = await runCli(['apply', '-f', join(dir, 'web-moved.yaml')], env);
  expect(moved.code, moved.stderr).toBe(0);
  afterMove = new Date().toISOString();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('desired NODE --at', () => {
  it('holds the old /32 before the LoadBalancer IP moved and the new one after', async () => {
    const before = await runCli(['desired', 'worker1', '--at', beforeMove], env);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(new RegExp(`^Replayed ${env['BGPCAST_EVENTS_TOPIC']!.replace(/\./g, '\\.')} as of ${beforeMove.replace(/\./g, '\\.')}: positions \\d+:\\d+`));
    expect(before.stdout).toContain('Node worker1');
    expect(before.stdout).toContain(OLD);
    expect(before.stdout).not.toContain(NEW);

    const after = await runCli(['desired', 'worker1', '--at', afterMove, '-o', 'json'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toMatch(/positions \d+:\d+/);
    const prefixes = JSON.stringify(JSON.parse(after.stdout));
    expect(prefixes).toContain(NEW);
    expect(prefixes).not.toContain(OLD);
  });

  it('takes the positions it printed back, and gives the same answer', async () => {
    const before = await runCli(['desired', 'worker1', '--at', beforeMove, '-o', 'json'], env);
    const positions = /positions (\S+)/.exec(before.stderr)![1]!;
    const again = await runCli(['desired', 'worker1', '--at', positions, '-o', 'json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(before.stdout);
  });

  it('without NODE lists the nodes of that moment with their prefixes', async () => {
    const r = await runCli(['desired', '--at', afterMove, '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { node: string; instances: number; prefixes: number }[];
    expect(list.map((n) => [n.node, n.instances])).toEqual([
      ['control-plane', 0],
      ['worker1', 1],
      ['worker2', 1],
    ]);
    expect(list[1]!.prefixes).toBeGreaterThan(0);
  });

  it('says a time before the first record is, and shows the empty state', async () => {
    const r = await runCli(['desired', 'worker1', '--at', beforeApply], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${beforeApply} is before the first record of ${env['BGPCAST_EVENTS_TOPIC']}`);
    expect(r.stdout).toContain('no BGP configuration applies to this node');
  });

  it('refuses a time it cannot parse with exit 2 and the expected forms (every form: test/unit/replay/replay-point.test.ts)', async () => {
    const r = await runCli(['desired', 'worker1', '--at', 'yesterday'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected an RFC 3339 time with its zone');
    expect(r.stdout).toBe('');
  });

  it('refuses a partition the topic does not have with exit 2', async () => {
    const r = await runCli(['desired', 'worker1', '--at', '0:1,99:1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no partition 99');
  });
});

describe('routes available --at and conditions --at', () => {
  it('list the routes worker1 would originate before and after the move', async () => {
    const before = await runCli(['routes', 'available', '--node', 'worker1', '--at', beforeMove], env);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/^Replayed /);
    expect(before.stdout).toMatch(/Node\s+VRouter\s+Prefix\s+NextHop\s+Age\s+Attrs/);
    expect(before.stdout).toContain(OLD);
    expect(before.stdout).not.toContain(NEW);
    const after = await runCli(['routes', 'available', 'ipv4', 'unicast', '--at', afterMove, '-o', 'json'], env);
    expect(after.code, after.stderr).toBe(0);
    const rows = JSON.parse(after.stdout) as Record<string, { prefix: string }[]>;
    expect(rows['worker1']!.map((r) => r.prefix)).toContain(NEW);
    expect(rows['worker2']!.map((r) => r.prefix)).toContain(NEW);
    expect(Object.values(rows).flat().map((r) => r.prefix)).not.toContain(OLD);
  });

  it('refuses --at on advertised routes, which are not on the events topic', async () => {
    const r = await runCli(['routes', 'advertised', '--at', afterMove], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--at applies to available routes');
  });

  it('conditions --at prints the conditions of that moment', async () => {
    const r = await runCli(['conditions', '--at', afterMove, '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const conditions = JSON.parse(r.stdout) as { kind: string }[];
    expect(conditions.map((c) => c.kind)).toContain('CiliumBGPClusterConfig');
    const empty = await runCli(['conditions', '--at', beforeApply], env);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain('no conditions');
  });
});

describe('audit object', () => {
  it("shows the Service's steps, the moved IP, and the /32s announced and withdrawn on both nodes", async () => {
    const r = await runCli(['audit', 'object', 'Service/default/web', '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      object: string;
      positions: string;
      omitted: number;
      steps: { type: string; changes: { op: string; path: string; before?: unknown; after?: unknown }[]; announced: { node: string; prefix: string }[]; withdrawn: { node: string; prefix: string }[] }[];
    };
    expect(Object.keys(out)).toEqual(['object', 'positions', 'omitted', 'steps']);
    expect(out.object).toBe('Service/default/web');
    // apply sends every object as added; the move is the second step.
    expect(out.steps.map((s) => s.type)).toEqual(['added', 'added']);
    const [added, moved] = out.steps;
    // Applied with the config, the Service's first step announces its ClusterIP and LoadBalancer IP.
    expect(added!.announced).toEqual([
      { node: 'worker1', prefix: '10.100.67.164/32' },
      { node: 'worker1', prefix: OLD },
      { node: 'worker2', prefix: '10.100.67.164/32' },
      { node: 'worker2', prefix: OLD },
    ]);
    expect(moved!.changes).toEqual([{ op: 'change', path: 'status.loadBalancer.ingress[0].ip', before: '172.20.0.10', after: '172.20.0.77' }]);
    expect(moved!.announced).toEqual([
      { node: 'worker1', prefix: NEW },
      { node: 'worker2', prefix: NEW },
    ]);
    expect(moved!.withdrawn).toEqual([
      { node: 'worker1', prefix: OLD },
      { node: 'worker2', prefix: OLD },
    ]);

    const text = await runCli(['audit', 'object', 'service/web'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Service/default/web: 2 steps');
    expect(text.stdout).toContain('~ status.loadBalancer.ingress[0].ip: "172.20.0.10" -> "172.20.0.77"');
    expect(text.stdout).toContain(`withdrew:  ${OLD} on worker1, worker2`);
  });

  it('gives an empty history and exit 0 for an object the topic never held, and exit 2 for a malformed one', async () => {
    const none = await runCli(['audit', 'object', 'Service/default/nothing', '-o', 'json'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ object: 'Service/default/nothing', omitted: 0, steps: [] });
    const bad = await runCli(['audit', 'object', 'Pod/x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected KIND/[NAMESPACE/]NAME');
  });
});
