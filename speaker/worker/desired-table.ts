// A node's desired state as the worker holds it between revisions: the sessions part (the document
// with every family's routes empty) and, per route slot (instance, peer, family), the routes by
// prefix. Whole documents (start, resync, gaps) replace it; deltas (events/desired-delta.ts)
// change it in time proportional to the change. The whole document is only put together again
// when someone asks for it (status views, retries). Pure.

import type { Afi, DesiredRouteChange, RouteSlot } from '../../events/desired-delta.ts';
import { fillRoutes, sessionsOf, slotId, slotsOf } from '../../events/desired-delta.ts';
import type { DesiredInstance, DesiredNodeState, DesiredRoute } from '../../events/desired-state.ts';

/** The changes of one slot, in the order a Session applies them: withdrawals, then upserts. */
export interface SlotChanges extends RouteSlot {
  readonly upserts: DesiredRoute[];
  readonly withdrawn: string[];
}

const EMPTY: ReadonlyMap<string, DesiredRoute> = new Map();

export class DesiredTable {
  #sessions: DesiredNodeState | null = null;
  #instances = new Map<string, DesiredInstance>();
  #slots = new Map<string, Map<string, DesiredRoute>>();
  #document: DesiredNodeState | null = null;
  #revision = 0;

  /** The sessions part (routes empty), or null before the first document. */
  get sessions(): DesiredNodeState | null {
    return this.#sessions;
  }

  /** An instance of the sessions part (its families' routes empty). */
  instance(name: string): DesiredInstance | undefined {
    return this.#instances.get(name);
  }

  /** Replaces everything with a whole document. */
  load(doc: DesiredNodeState, revision: number): void {
    this.#setSessions(sessionsOf(doc));
    this.#slots = new Map();
    for (const inst of doc.instances) {
      for (const peer of inst.peers) {
        for (const fam of peer.families) {
          const routes = new Map<string, DesiredRoute>();
          for (const r of fam.routes) routes.set(r.prefix, r);
          this.#slots.set(slotId({ instance: inst.name, peer: peer.name, afi: fam.afi }), routes);
        }
      }
    }
    this.#revision = revision;
    this.#document = null;
  }

  /**
   * Applies a delta: its sessions part when it has one (slots of peers or families gone are
   * dropped, new slots start empty), then its route changes. Returns the changes per slot; a route
   * naming no slot of the sessions part is left out and counted in `orphans`, as a whole read
   * leaves it out (events/desired-delta.ts assembleDocument).
   */
  apply(sessions: DesiredNodeState | null, routes: readonly DesiredRouteChange[], revision: number): { slots: SlotChanges[]; orphans: number } {
    if (sessions) {
      const rest = sessionsOf(sessions);
      this.#setSessions(rest);
      this.#slots = new Map(slotsOf(rest).map((slot) => [slotId(slot), this.#slots.get(slotId(slot)) ?? new Map()]));
    }
    const bySlot = new Map<string, SlotChanges>();
    let orphans = 0;
    for (const c of routes) {
      const id = slotId(c);
      const held = this.#slots.get(id);
      if (!held) {
        if (c.route) orphans += 1; // a withdrawal from a slot gone (a peer removed, say) is a no-op
        continue;
      }
      let out = bySlot.get(id);
      if (!out) bySlot.set(id, (out = { instance: c.instance, peer: c.peer, afi: c.afi, upserts: [], withdrawn: [] }));
      if (c.route) {
        const route = c.route.prefix === c.prefix ? c.route : { ...c.route, prefix: c.prefix };
        held.set(c.prefix, route);
        out.upserts.push(route);
      } else if (held.delete(c.prefix)) {
        out.withdrawn.push(c.prefix);
      }
    }
    this.#revision = revision;
    this.#document = null;
    return { slots: [...bySlot.values()], orphans };
  }

  /** The routes of one slot, by prefix (a live view). */
  routes(instance: string, peer: string, afi: Afi): ReadonlyMap<string, DesiredRoute> {
    return this.#slots.get(slotId({ instance, peer, afi })) ?? EMPTY;
  }

  /** The routes of one slot as a list (a copy), for a session that starts. */
  list(instance: string, peer: string, afi: Afi): DesiredRoute[] {
    return [...this.routes(instance, peer, afi).values()];
  }

  /** The whole document, put together on first use after a change (routes in the contract's order). */
  document(): DesiredNodeState | null {
    const s = this.#sessions;
    if (!s) return null;
    this.#document ??= { ...fillRoutes(s, (slot) => this.list(slot.instance, slot.peer, slot.afi)), revision: this.#revision };
    return this.#document;
  }

  #setSessions(s: DesiredNodeState): void {
    this.#sessions = s;
    this.#instances = new Map(s.instances.map((i) => [i.name, i]));
  }
}
