// The node's facts read where they live: links, addresses, the main table's default routes and the
// IPv6 neighbours, through iproute2 (`ip -json …`, parsed by ip-json.ts), and read again when the
// kernel reports a change. Event-driven: `ip monitor link address route neigh` runs as a child and
// every line it prints schedules one re-read (coalesced over `debounceMs`); listeners hear only of
// reads whose facts differ. A re-read every `pollMs` covers a monitor that died unnoticed; a
// monitor that exits is started again after a second. No npm netlink binding is well kept, and
// iproute2 is on every node (the bootstrap installs it here).
//
// Nothing runs until a node's desired state needs the facts (want()): a speaker whose peers all
// have addresses and whose advertisements have no Interface type starts no child process.
//
//   const facts = new IpNodeFacts({ log });
//   facts.onChange(() => worker.refreshFacts());
//   facts.want();    // starts reading and following, once
//   facts.current;   // NodeFacts | null (null: not read yet, or `ip` could not be run)
//   facts.stop();

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../events/log.ts';
import { parseAddresses, parseLinks, parseNeighbours, parseRoutes, type NodeFacts } from './ip-json.ts';

export interface NodeFactsSource {
  /** The facts last read; null before the first read or when they cannot be read. */
  readonly current: NodeFacts | null;
  /** Calls `listener` after each read whose facts differ from the previous read's; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Someone needs the facts: start reading them (idempotent). */
  want(): void;
}

export interface IpNodeFactsOptions {
  readonly log: Logger;
  /** Coalescing window after a monitor line (default 50 ms). */
  readonly debounceMs?: number;
  /** Safety-net re-read interval (default 30 s). */
  readonly pollMs?: number;
  /** The iproute2 binary (default `ip`). */
  readonly ip?: string;
}

function ipJson(ip: string, args: readonly string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(ip, ['-json', ...args], { timeout: 5_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        resolve(stdout.trim() === '' ? [] : (JSON.parse(stdout) as unknown));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** One read of every fact the speaker uses. */
export async function readNodeFacts(ip = 'ip'): Promise<NodeFacts> {
  const [links, addresses, routes4, routes6, neighbours] = await Promise.all([
    ipJson(ip, ['link', 'show']),
    ipJson(ip, ['addr', 'show']),
    ipJson(ip, ['-4', 'route', 'show', 'table', 'main', 'exact', '0/0']),
    ipJson(ip, ['-6', 'route', 'show', 'table', 'main', 'exact', '::/0']),
    ipJson(ip, ['-6', 'neigh', 'show']),
  ]);
  return {
    links: parseLinks(links),
    addresses: parseAddresses(addresses),
    routes: [...parseRoutes(routes4, 4), ...parseRoutes(routes6, 6)],
    neighbours: parseNeighbours(neighbours),
  };
}

export class IpNodeFacts implements NodeFactsSource {
  readonly #o: IpNodeFactsOptions;
  readonly #listeners = new Set<() => void>();
  #current: NodeFacts | null = null;
  #text = '';
  #monitor: ChildProcess | null = null;
  #timer: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;
  #restart: NodeJS.Timeout | null = null;
  #reading: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #started: Promise<void> | null = null;
  #failedLogged = false;

  constructor(o: IpNodeFactsOptions) {
    this.#o = o;
  }

  get current(): NodeFacts | null {
    return this.#current;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  want(): void {
    void this.start();
  }

  /** Reads once, then follows the kernel's changes; later calls return the first one's promise. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await this.refresh();
      if (this.#stopped) return;
      this.#startMonitor();
      this.#poll = setInterval(() => void this.refresh(), this.#o.pollMs ?? 30_000);
      this.#poll.unref();
    })();
    return this.#started;
  }

  /** Reads again (a read under way is followed by one more); resolves when the facts are current. */
  refresh(): Promise<void> {
    if (this.#reading !== null) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  stop(): void {
    this.#stopped = true;
    for (const t of [this.#timer, this.#restart]) if (t !== null) clearTimeout(t);
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#monitor?.kill();
    this.#monitor = null;
    this.#listeners.clear();
  }

  async #readOnce(): Promise<void> {
    let facts: NodeFacts;
    try {
      facts = await readNodeFacts(this.#o.ip);
      this.#failedLogged = false;
    } catch (e) {
      if (!this.#failedLogged) this.#o.log.warn({ err: (e as Error).message }, 'cannot read the links and routes of the node with iproute2; auto-discovered peers and Interface routes wait');
      this.#failedLogged = true;
      return;
    }
    const text = JSON.stringify(facts);
    if (text === this.#text || this.#stopped) return;
    this.#text = text;
    this.#current = facts;
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch (e) {
        this.#o.log.error({ err: (e as Error).message }, 'a node-facts listener failed');
      }
    }
  }

  #schedule(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refresh();
    }, this.#o.debounceMs ?? 50);
  }

  #startMonitor(): void {
    if (this.#stopped) return;
    const child = spawn(this.#o.ip ?? 'ip', ['monitor', 'link', 'address', 'route', 'neigh'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#monitor = child;
    child.stdout?.on('data', () => this.#schedule());
    child.on('error', (e) => this.#o.log.debug({ err: e.message }, 'ip monitor failed'));
    child.on('exit', () => {
      if (this.#monitor !== child || this.#stopped) return;
      this.#monitor = null;
      this.#restart = setTimeout(() => {
        this.#restart = null;
        this.#startMonitor();
        void this.refresh();
      }, 1_000);
      this.#restart.unref();
    });
  }
}
