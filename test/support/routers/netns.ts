// Network namespaces for tests that need non-loopback addresses (GoBGP drops IPv4 routes with a
// 127/8 next hop; direct, non-multihop eBGP; TTL tests). Each host is a namespace with lo up and
// one interface `eth0`; two hosts are joined by a veth pair, more than two through a bridge in a
// hub namespace. Addresses come from the documentation ranges 192.0.2.0/24 and 2001:db8::/64.
//
// Safety: veths are created directly inside the namespaces (`ip link add eth0 netns A type veth
// peer name eth0 netns B`), so nothing is ever added to the host's own namespace, and deleting the
// namespaces removes everything. Names are `bgpch-<pid>-<random>-<host>`; createTopology() first
// deletes leftovers of OUR prefix whose creating process (the pid in the name) is gone.
//
// Node cannot open one socket inside another namespace, so code that must connect from or listen
// on a namespace address runs as a child process inside it:
//   const child = spawnInNetns(topo.ns('speaker'), [process.execPath, 'path/to/script.ts', ...args]);
// (`ip netns exec` execs, so child.pid is the script's pid). The filesystem is shared: a child in
// a namespace and the test talk over stdio, files or unix sockets (BIRD's and GoBGP's control
// sockets work from the host the same way). runInNetns() is the bounded run-to-completion form.
// unixSocketRelay() lets a child reach a TCP service on the host's loopback (Redis, say) through
// a unix socket: ioredis takes the socket's path as its URL.
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from './common.ts';
import { run, runOk, waitFor } from './common.ts';

export const NetnsPrefix = 'bgpch-';

export interface NetnsHostSpec {
  name: string;
  /** IPv4 address on eth0 (a /24), e.g. '192.0.2.1'. */
  ipv4?: string;
  /** IPv6 address on eth0 (a /64), e.g. '2001:db8::1'. */
  ipv6?: string;
}

export interface NetnsHost extends NetnsHostSpec {
  /** The namespace name, for `ip netns exec`. */
  ns: string;
  iface: 'eth0';
}

export interface NetnsTopology {
  readonly id: string;
  readonly hosts: Readonly<Record<string, NetnsHost>>;
  /** The namespace name of a host. */
  ns(host: string): string;
  /** Runs argv inside a host's namespace to completion (bounded). */
  exec(host: string, argv: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Deletes every namespace of the topology (idempotent). */
  destroy(): Promise<void>;
}

export const DefaultHosts: readonly NetnsHostSpec[] = [
  { name: 'router', ipv4: '192.0.2.1', ipv6: '2001:db8::1' },
  { name: 'speaker', ipv4: '192.0.2.2', ipv6: '2001:db8::2' },
];

const ip = (args: readonly string[]) => runOk('ip', args, 10_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Our namespaces left by a run that crashed: prefix bgpch-, creator pid gone. Returns what it deleted. */
export async function removeStaleNamespaces(): Promise<string[]> {
  const list = await run('ip', ['netns', 'list']);
  const removed: string[] = [];
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${NetnsPrefix}(\\d+)-[0-9a-f]+-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    if ((await run('ip', ['netns', 'del', name])).code === 0) removed.push(name);
  }
  return removed;
}

async function setUpHost(h: NetnsHost): Promise<void> {
  await ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
  // nodad: usable at once, no 1–2 s of "tentative" IPv6 address.
  if (h.ipv4) await ip(['-n', h.ns, 'addr', 'add', `${h.ipv4}/24`, 'dev', 'eth0']);
  if (h.ipv6) await ip(['-n', h.ns, 'addr', 'add', `${h.ipv6}/64`, 'dev', 'eth0', 'nodad']);
  await ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
}

/**
 * Waits until eth0 is operationally up. Carrier comes at once and IPv4 flows, but the kernel sets
 * operstate UP (IFF_RUNNING) through its link watch, up to a second later; until then
 * os.networkInterfaces() leaves the interface out, so a speaker that looks up its interface's IPv6
 * address in that window finds none.
 */
async function waitOperUp(h: NetnsHost): Promise<void> {
  await waitFor(async () => {
    const [link] = JSON.parse(await ip(['-n', h.ns, '-j', 'link', 'show', 'eth0'])) as { operstate?: string }[];
    return link?.operstate === 'UP';
  }, { timeoutMs: 10_000, intervalMs: 50, what: `eth0 of ${h.ns} operationally up` });
}

/** Creates the namespaces, links and addresses; on any failure removes what it made and throws. */
export async function createTopology(opts: { hosts?: readonly NetnsHostSpec[] } = {}): Promise<NetnsTopology> {
  await removeStaleNamespaces();
  const specs = opts.hosts ?? DefaultHosts;
  if (specs.length < 2) throw new Error('a topology needs at least two hosts');
  if (new Set(specs.map((s) => s.name)).size !== specs.length) throw new Error('host names must be unique');
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const hosts: Record<string, NetnsHost> = {};
  for (const s of specs) {
    if (!/^[a-z0-9]{1,12}$/.test(s.name)) throw new Error(`host name '${s.name}': 1-12 of [a-z0-9]`);
    hosts[s.name] = { ...s, ns: `${NetnsPrefix}${id}-${s.name}`, iface: 'eth0' };
  }
  const hub = `${NetnsPrefix}${id}-hub`;
  const created: string[] = [];
  const destroy = async () => {
    for (const ns of created.splice(0).reverse()) await run('ip', ['netns', 'del', ns]);
  };
  try {
    for (const h of Object.values(hosts)) {
      await ip(['netns', 'add', h.ns]);
      created.push(h.ns);
    }
    const list = Object.values(hosts);
    if (list.length === 2) {
      await ip(['link', 'add', 'eth0', 'netns', list[0]!.ns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', list[1]!.ns]);
    } else {
      await ip(['netns', 'add', hub]);
      created.push(hub);
      await ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
      await ip(['-n', hub, 'link', 'set', 'br0', 'up']);
      for (const [i, h] of list.entries()) {
        await ip(['link', 'add', 'eth0', 'netns', h.ns, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', hub]);
        await ip(['-n', hub, 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
      }
    }
    for (const h of list) await setUpHost(h);
    for (const h of list) await waitOperUp(h);
  } catch (err) {
    await destroy();
    throw err;
  }
  const ns = (host: string) => {
    const h = hosts[host];
    if (!h) throw new Error(`no host '${host}' in topology ${id}`);
    return h.ns;
  };
  return {
    id,
    hosts,
    ns,
    exec: (host, argv, timeoutMs = 10_000) => run('ip', ['netns', 'exec', ns(host), ...argv], timeoutMs),
    destroy,
  };
}

// Children spawned in a namespace are killed if this process exits first (as procs.ts does).
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Spawns argv inside namespace `ns` (default stdio: pipes). child.pid is argv[0]'s pid. */
export function spawnInNetns(ns: string, argv: readonly string[], opts: { stdio?: StdioOptions; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: opts.stdio ?? 'pipe', env: opts.env ?? process.env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Runs a Node script (TypeScript runs as is under Node 22) inside `ns` to completion, bounded. */
export function runNodeInNetns(ns: string, script: string, args: readonly string[] = [], timeoutMs = 15_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, process.execPath, script, ...args], timeoutMs);
}

/** A unix socket forwarding each connection to `host:port`; close() stops it and removes the socket. */
export async function unixSocketRelay(host: string, port: number): Promise<{ path: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-relay-'));
  const path = join(dir, 'relay.sock');
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
