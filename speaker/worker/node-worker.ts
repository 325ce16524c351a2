// The speakers of one node: one Speaker per desired instance (instance-plan.ts), reconciled with
// each desired revision the watcher hands over — a whole document (apply: start, resync, gaps) or
// a delta on top of the revision applied (applyDelta). Applies are serialised; a failed instance
// (its listening socket could not be opened, say) is reported and retried at the next apply or
// resync.
//
// A delta costs what it changes: its route changes go to the sessions of their slot as upserts and
// withdrawals (Speaker.updateRoutes); a new sessions part is reconciled as a whole document's would
// be, except that sessions kept in place keep their routes and only new or replaced ones are given
// theirs (from the DesiredTable, with the delta's route changes already in).
//
// Stopping: stopForRestart() leaves every route with the routers (graceful restart, RFC 4724);
// drain() re-advertises them with GRACEFUL_SHUTDOWN first (RFC 8326) and then ends the sessions;
// stop() ends them with a Cease at once.
//
// With a wire tap, each UPDATE is reported with the revision being applied when it went out (the
// revision of the apply in progress, else the last one applied).
//
// Node facts (speaker/node/): an auto-discovered peer runs with the address found on the node and
// waits, reported in errors(), while there is none; a family's Interface advertisements add the
// interface's addresses as routes, merged with the document's route at an equal prefix. Sessions
// always get the effective routes — the document's with the Interface routes merged in — and a
// delta's route changes are merged the same way on their way to the sessions (a lookup per change,
// only for slots that have Interface routes). refreshFacts() resolves again when the node's facts
// change: a moved gateway replaces that session (a new address is a new peer, PEER-4), and only
// the Interface routes that changed are announced or withdrawn.

import type { DesiredDelta } from '../../events/desired-delta.ts';
import { slotId } from '../../events/desired-delta.ts';
import type { DesiredInstance, DesiredNodeState, DesiredRoute } from '../../events/desired-state.ts';
import { sameRoute } from '../../events/desired-state.ts';
import type { Logger } from '../../events/log.ts';
import type { InstanceErrorReport } from '../../events/speaker-status.ts';
import type { RoutesOf, SpeakerOptions, SpeakerPeer } from '../speaker.ts';
import { Speaker } from '../speaker.ts';
import { DesiredTable, type SlotChanges } from './desired-table.ts';
import { instanceFingerprint, passwordDigest, planInstances, resolvedInstance, speakerPeers } from './instance-plan.ts';
import type { NodeFactsSource } from '../node/node-facts.ts';
import { effectiveRoute, EMPTY_RESOLUTION, needsFacts, resolveNode, type NodeResolution } from '../node/resolve.ts';
import type { PasswordLookup } from './secrets.ts';
import type { WireTaps } from '../tap/wire-taps.ts';

export interface NodeWorkerOptions {
  readonly node: string;
  readonly log: Logger;
  readonly passwords: PasswordLookup;
  /** Address the instances with a localPort listen on (null: every address). */
  readonly listenAddress?: string | null;
  /** The speakers of the first apply carry the graceful-restart R-bit (the process restarted). */
  readonly restarting?: boolean;
  /** Extra Speaker options (back-off, clock) for tests and benchmarks. */
  readonly speaker?: Partial<Pick<SpeakerOptions, 'backoff' | 'clock' | 'openHoldTimeS' | 'connect'>>;
  /** The wire tap every session of the node reports to. */
  readonly wire?: WireTaps;
  /** The node's links, routes and neighbours (autoDiscovery, Interface); absent: none can be read. */
  readonly facts?: NodeFactsSource;
}

export interface RunningInstance {
  /**
   * The instance as desired, its families' routes left empty (the routes are NodeWorker.routes()),
   * auto-discovered peers with the address found and without those that have none.
   */
  readonly instance: DesiredInstance;
  readonly speaker: Speaker;
  /** Peers for which a password was found (the status says so; it never holds the password). */
  readonly passwordSet: ReadonlySet<string>;
}

interface Entry {
  instance: DesiredInstance;
  readonly speaker: Speaker;
  readonly fingerprint: string;
  passwords: string;
  passwordSet: ReadonlySet<string>;
}

const withPassword = (peers: readonly SpeakerPeer[]) => new Set(peers.filter((p) => p.password).map((p) => p.name));

/** The peers with each family's routes given by `routesOf`. */
const withRoutes = (peers: readonly SpeakerPeer[], routesOf: RoutesOf): SpeakerPeer[] =>
  peers.map((p) => ({ ...p, families: p.families.map((f) => ({ ...f, routes: routesOf(p.name, f.afi) })) }));

export class NodeWorker {
  readonly node: string;
  readonly #opts: NodeWorkerOptions;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  #errors: InstanceErrorReport[] = [];
  readonly #table = new DesiredTable();
  #resolution: NodeResolution = EMPTY_RESOLUTION;
  #revision = 0;
  /** The revision an apply in progress is bringing in. */
  #applying: number | null = null;
  /** The store epoch of the revision being applied, else of the last applied (null: not known). */
  #epoch: string | null = null;
  #chain: Promise<void> = Promise.resolve();
  #applies = 0;
  #stopped = false;
  /** Bumped on every apply: status readers rebuild their route views when it moves. */
  generation = 0;

  constructor(opts: NodeWorkerOptions) {
    this.node = opts.node;
    this.#opts = opts;
    this.#log = opts.log.child({ node: opts.node });
  }

  get revision(): number {
    return this.#revision;
  }

  /** The revision UPDATEs go out for: the one being applied, else the last applied (null: none yet). */
  get wireRevision(): number | null {
    return this.#applying ?? (this.#revision > 0 ? this.#revision : null);
  }

  /** The store epoch of wireRevision (null: not known). */
  get wireEpoch(): string | null {
    return this.#epoch;
  }

  /** The whole desired document applied (put together on demand: O(routes) after a change). */
  get desired(): DesiredNodeState | null {
    return this.#table.document();
  }

  /** The routes of one slot as its sessions get them, by prefix (a live view unless Interface routes merge in). */
  routes(instance: string, peer: string, afi: 'ipv4' | 'ipv6'): ReadonlyMap<string, DesiredRoute> {
    const own = this.#table.routes(instance, peer, afi);
    const extras = this.#resolution.extras.get(slotId({ instance, peer, afi }));
    if (extras === undefined) return own;
    const merged = new Map(own);
    for (const [prefix, extra] of extras) merged.set(prefix, effectiveRoute(own.get(prefix), extra)!);
    return merged;
  }

  /** True when an instance failed and the next resync should retry it. */
  get needsRetry(): boolean {
    return this.#errors.length > 0;
  }

  instances(): RunningInstance[] {
    return [...this.#entries.values()]
      .map((e) => ({ instance: resolvedInstance(e.instance, this.#resolution), speaker: e.speaker, passwordSet: e.passwordSet }))
      .sort((a, b) => (a.instance.name < b.instance.name ? -1 : 1));
  }

  /** Instances that could not run, and auto-discovered peers without an address. */
  errors(): readonly InstanceErrorReport[] {
    const waiting: InstanceErrorReport[] = [];
    for (const [key, found] of this.#resolution.peers) {
      if (!('problem' in found)) continue;
      const [instance = '', peer = ''] = key.split('\n');
      waiting.push({ instance, error: `peer ${peer}: auto-discovery: ${found.problem}` });
    }
    return waiting.length === 0 ? this.#errors : [...this.#errors, ...waiting];
  }

  /** Reconciles the speakers with `desired` (revision `revision` of `epoch`); serialised with other calls. */
  apply(desired: DesiredNodeState, revision: number, epoch?: string): Promise<void> {
    return this.#serial(() => this.#whileApplying(revision, () => this.#apply(desired, revision), epoch));
  }

  /** Applies a delta on top of the revision applied (the watcher checks `previous`); serialised. */
  applyDelta(delta: DesiredDelta): Promise<void> {
    return this.#serial(() => this.#whileApplying(delta.revision, () => this.#applyDelta(delta), delta.epoch));
  }

  /**
   * Resolves the node's facts again (they changed): sessions of auto-discovered peers whose address
   * moved are replaced, Interface routes that changed are announced or withdrawn.
   */
  refreshFacts(): Promise<void> {
    return this.#serial(async () => {
      const next = this.#resolve();
      if (next.text === this.#resolution.text) return;
      const before = this.#resolution;
      this.#resolution = next;
      this.#log.info({ revision: this.#revision }, 'node facts changed: peers and Interface routes resolved again');
      this.#pushExtras(before, next);
      for (const e of this.#entries.values()) {
        const peers = speakerPeers(e.instance, this.#opts.passwords, next);
        e.passwords = passwordDigest(peers);
        e.passwordSet = withPassword(peers);
        await e.speaker.setPeers(peers, this.#routesOf(e.instance.name));
      }
      this.generation += 1;
    });
  }

  /** Re-reads the passwords of the current revision; peers whose password changed are replaced. */
  refreshSecrets(): Promise<void> {
    return this.#serial(async () => {
      for (const e of this.#entries.values()) {
        const peers = speakerPeers(e.instance, this.#opts.passwords, this.#resolution);
        const digest = passwordDigest(peers);
        if (digest === e.passwords) continue;
        this.#log.info({ instance: e.instance.name }, 'a peer password changed; reconciling');
        e.passwords = digest;
        e.passwordSet = withPassword(peers);
        await e.speaker.setPeers(peers, this.#routesOf(e.instance.name));
        this.generation += 1;
      }
    });
  }

  /** Re-applies the current revision (after a failed instance). */
  retry(): Promise<void> {
    const d = this.desired;
    return d ? this.apply(d, this.#revision) : Promise.resolve();
  }

  stopForRestart(): Promise<void> {
    return this.#shutdown('graceful restart: leaving routes with the routers', (s) => s.stopForRestart());
  }

  drain(waitMs: number): Promise<void> {
    return this.#shutdown(`draining for ${waitMs} ms (RFC 8326)`, (s) => s.drain(waitMs));
  }

  stop(): Promise<void> {
    return this.#shutdown('stopping: Cease to every peer', (s) => s.stop('speaker stopped'));
  }

  async #whileApplying(revision: number, task: () => Promise<void>, epoch?: string): Promise<void> {
    this.#applying = revision;
    if (epoch !== undefined) this.#epoch = epoch;
    try {
      await task();
    } finally {
      this.#applying = null;
    }
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(() => (this.#stopped ? undefined : task()));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #shutdown(what: string, end: (s: Speaker) => Promise<void>): Promise<void> {
    await this.#serial(async () => {
      this.#stopped = true;
      this.#log.info({ instances: this.#entries.size }, what);
      const entries = [...this.#entries.values()];
      this.#entries.clear();
      await Promise.all(entries.map((e) => end(e.speaker)));
    });
  }

  #resolve(): NodeResolution {
    const instances = this.#table.sessions?.instances ?? [];
    if (!needsFacts(instances)) return EMPTY_RESOLUTION;
    this.#opts.facts?.want();
    return resolveNode(instances, this.#opts.facts?.current ?? null);
  }

  /** Sessions that stay move from the Interface routes of `before` to those of `after`. */
  #pushExtras(before: NodeResolution, after: NodeResolution): void {
    const slots = new Set([...before.extras.keys(), ...after.extras.keys()]);
    for (const id of slots) {
      const [instance = '', peer = '', afi] = JSON.parse(id) as [string, string, 'ipv4' | 'ipv6'];
      const own = this.#table.routes(instance, peer, afi);
      const old = before.extras.get(id);
      const now = after.extras.get(id);
      const upserts: DesiredRoute[] = [];
      const withdrawn: string[] = [];
      for (const prefix of new Set([...(old?.keys() ?? []), ...(now?.keys() ?? [])])) {
        const was = effectiveRoute(own.get(prefix), old?.get(prefix));
        const is = effectiveRoute(own.get(prefix), now?.get(prefix));
        if (sameRoute(was, is)) continue;
        if (is === undefined) withdrawn.push(prefix);
        else upserts.push(is);
      }
      if (upserts.length > 0 || withdrawn.length > 0) this.#entries.get(instance)?.speaker.updateRoutes(peer, afi, upserts, withdrawn);
    }
  }

  /** A slot's route changes with its Interface routes merged in: a withdrawal of a prefix the interface still has becomes its route. */
  #withExtras(c: SlotChanges): SlotChanges {
    if (this.#resolution.extras.size === 0) return c;
    const extras = this.#resolution.extras.get(slotId(c));
    if (extras === undefined) return c;
    const upserts = c.upserts.map((r) => effectiveRoute(r, extras.get(r.prefix))!);
    const withdrawn: string[] = [];
    for (const prefix of c.withdrawn) {
      const extra = extras.get(prefix);
      if (extra === undefined) withdrawn.push(prefix);
      else upserts.push(extra);
    }
    return { ...c, upserts, withdrawn };
  }

  async #apply(desired: DesiredNodeState, revision: number): Promise<void> {
    this.#table.load(desired, revision);
    this.#resolution = this.#resolve();
    const plan = await this.#reconcile(desired.instances, revision, null);
    this.#log.info(
      { revision, instances: desired.instances.length, removed: plan.remove.length, replaced: plan.replace.length, created: plan.create.length },
      'desired state applied',
    );
  }

  async #applyDelta(d: DesiredDelta): Promise<void> {
    const { slots, orphans } = this.#table.apply(d.sessions, d.routes, d.revision);
    const sessions = this.#table.sessions;
    const before = this.#resolution;
    if (d.sessions && sessions) {
      this.#resolution = this.#resolve();
      if (this.#resolution.text !== before.text) this.#pushExtras(before, this.#resolution);
      const plan = await this.#reconcile(sessions.instances, d.revision, (name) => this.#routesOf(name));
      this.#log.info(
        { revision: d.revision, instances: sessions.instances.length, removed: plan.remove.length, replaced: plan.replace.length, created: plan.create.length },
        'desired sessions applied',
      );
    }
    // Sessions just created already hold these routes: for them this is a no-op.
    for (const slot of slots) {
      const c = this.#withExtras(slot);
      this.#entries.get(c.instance)?.speaker.updateRoutes(c.peer, c.afi, c.upserts, c.withdrawn);
    }
    if (orphans > 0) this.#log.warn({ revision: d.revision, orphans }, 'route changes naming no peer family of the desired state left out');
    this.#revision = d.revision;
    this.generation += 1;
    this.#log.debug({ revision: d.revision, routes: d.routes.length, sessions: d.sessions !== null }, 'desired delta applied');
  }

  /**
   * Reconciles the instances with `instances`. Without `routesOf` (a whole document) every session
   * is given its effective routes; with it (deltas) sessions kept in place keep theirs.
   */
  async #reconcile(instances: readonly DesiredInstance[], revision: number, routesOf: ((instance: string) => RoutesOf) | null) {
    const first = this.#applies === 0;
    this.#applies += 1;
    const running = new Map([...this.#entries].map(([name, e]) => [name, e.fingerprint]));
    const plan = planInstances(running, instances);
    const errors: InstanceErrorReport[] = [];
    for (const name of plan.remove) {
      const e = this.#entries.get(name)!;
      this.#entries.delete(name);
      this.#log.info({ instance: name, revision }, 'instance removed');
      await e.speaker.stop('instance de-configured');
    }
    for (const i of plan.replace) {
      const e = this.#entries.get(i.name)!;
      this.#entries.delete(i.name);
      this.#log.info({ instance: i.name, revision }, 'local AS, router ID or port changed: replacing the instance');
      await e.speaker.stop('instance re-configured');
    }
    for (const i of plan.update) {
      const e = this.#entries.get(i.name)!;
      const peers = speakerPeers(i, this.#opts.passwords, this.#resolution);
      e.instance = this.#table.instance(i.name) ?? i;
      e.passwords = passwordDigest(peers);
      e.passwordSet = withPassword(peers);
      if (routesOf) await e.speaker.setPeers(peers, routesOf(i.name));
      else await e.speaker.setPeers(withRoutes(peers, this.#routesOf(i.name)));
    }
    for (const i of [...plan.replace, ...plan.create]) {
      const error = await this.#create(i, first, this.#routesOf(i.name));
      if (error) errors.push({ instance: i.name, error });
    }
    this.#errors = errors;
    this.#revision = revision;
    this.generation += 1;
    return plan;
  }

  /** The effective routes of the instance's slots, for sessions that start. */
  #routesOf(instance: string): RoutesOf {
    return (peer, afi) => {
      const extras = this.#resolution.extras.get(slotId({ instance, peer, afi }));
      return extras === undefined ? this.#table.list(instance, peer, afi) : [...this.routes(instance, peer, afi).values()];
    };
  }

  async #create(i: DesiredInstance, first: boolean, routesOf: RoutesOf): Promise<string | null> {
    const log = this.#log.child({ instance: i.name, localAsn: i.localASN });
    const speaker = new Speaker({
      localASN: i.localASN,
      routerID: i.routerID,
      localPort: i.localPort,
      listenAddress: this.#opts.listenAddress ?? null,
      restarting: first && this.#opts.restarting === true,
      log,
      ...this.#opts.speaker,
      ...(this.#opts.wire ? { wire: { taps: this.#opts.wire, node: this.node, instance: i.name, revision: () => this.wireRevision, epoch: () => this.wireEpoch } } : {}),
    });
    try {
      await speaker.start();
    } catch (e) {
      const error = `cannot listen on ${this.#opts.listenAddress ?? '*'}:${i.localPort}: ${(e as Error).message}`;
      log.error({ err: (e as Error).message }, 'instance not started; retrying at the next resync');
      await speaker.stop().catch(() => undefined);
      return error;
    }
    const peers = speakerPeers(i, this.#opts.passwords, this.#resolution);
    // setPeers gives each new session its routes before starting it (initial table + End-of-RIB).
    await speaker.setPeers(peers, routesOf);
    this.#entries.set(i.name, {
      instance: this.#table.instance(i.name) ?? i,
      speaker,
      fingerprint: instanceFingerprint(i),
      passwords: passwordDigest(peers),
      passwordSet: withPassword(peers),
    });
    log.info({ routerId: i.routerID, localPort: i.localPort, peers: peers.length }, 'instance started');
    return null;
  }
}
