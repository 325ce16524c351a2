// The wire tap's events as audit records (events/audit-records.ts): the UPDATEs sent to one peer
// while one (epoch, revision) was applied, for one cause, become one routes record — each distinct
// attribute set listed once, the prefixes in the order sent, consecutive ones with the same set
// merged — until it holds maxRoutes routes; session transitions become session records; a tap
// overflow becomes a gap record for every node it may have cost. End-of-RIB markers carry no route
// and are left out. Pure.

import { familyKey } from '../codec/context.ts';
import type { FamilyKey } from '../codec/context.ts';
import { AuditSchemaVersion, MAX_ROUTES_PER_RECORD } from '../../events/audit-records.ts';
import type { AuditRecord, AuditRouteEntry, GapRecord, RoutesRecord, SentAttributes, SessionRecord } from '../../events/audit-records.ts';
import type { SessionDownEvent, SessionUpEvent, TapPeer, UpdateSentEvent, WireEvent } from '../tap/wire-events.ts';
import { updateRoutes, type UpdateRoutes } from '../tap/update-routes.ts';

export interface BatchOptions {
  /** Routes per routes record, at most (default MAX_ROUTES_PER_RECORD). */
  readonly maxRoutes?: number;
  /** The nodes a tap overflow is reported for (the events lost name none). */
  readonly nodes: readonly string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function peerFields(peer: TapPeer, session: number) {
  return {
    schema: AuditSchemaVersion,
    node: peer.node ?? '',
    instance: peer.instance,
    peer: peer.peerAddress,
    peerName: peer.name,
    session,
  } as const;
}

/** A routes record being filled. */
interface OpenRecord {
  readonly record: RoutesRecord & { attributes: SentAttributes[]; entries: AuditRouteEntry[]; until: string };
  readonly index: Map<string, number>;
  routes: number;
  readonly first: number;
}

function sentAttributes(routes: UpdateRoutes, family: FamilyKey): SentAttributes {
  const nextHops = routes.nextHops.get(family);
  return family === familyKey(1, 1) || nextHops === undefined ? { ...routes.attributes } : { ...routes.attributes, nextHops: [...nextHops] };
}

export function sessionRecord(e: SessionUpEvent | SessionDownEvent): SessionRecord {
  const base = { ...peerFields(e.peer, e.session), kind: 'session' as const, at: iso(e.at), localAsn: e.peer.localAsn };
  if (e.kind === 'up') return { ...base, state: 'up', peerAsn: e.receivedOpen.message.asn };
  const n = e.notification;
  return {
    ...base,
    state: 'down',
    reason: { by: e.cause.by, reason: e.cause.reason },
    notification: n === null ? null : { direction: n.direction, code: n.message.code, subcode: n.message.subcode },
  };
}

export function auditRecords(events: readonly WireEvent[], opts: BatchOptions): AuditRecord[] {
  const maxRoutes = opts.maxRoutes ?? MAX_ROUTES_PER_RECORD;
  // Records in the order of their first event; a routes record stays open per peer session.
  const out: { first: number; record: AuditRecord }[] = [];
  const open = new Map<string, OpenRecord>();
  const close = (sessionKey: string) => {
    const o = open.get(sessionKey);
    if (!o) return;
    open.delete(sessionKey);
    if (o.routes > 0) out.push({ first: o.first, record: o.record });
  };
  const keyOf = (peer: TapPeer, session: number) => `${peer.node ?? ''}\n${session}`;

  for (const e of events) {
    if (e.kind === 'gap') {
      for (const node of opts.nodes) {
        const gap: GapRecord = { schema: AuditSchemaVersion, kind: 'gap', node, from: iso(e.at), to: iso(e.at), routes: null, sessions: null, messages: e.lost, reason: 'tap-overflow' };
        out.push({ first: e.seq, record: gap });
      }
      continue;
    }
    const sessionKey = keyOf(e.peer, e.session);
    if (e.kind === 'up' || e.kind === 'down') {
      close(sessionKey);
      out.push({ first: e.seq, record: sessionRecord(e) });
      continue;
    }
    if (e.endOfRib) continue;
    const epoch = e.epoch ?? null;
    let o = open.get(sessionKey);
    if (o && (o.record.epoch !== epoch || o.record.revision !== e.revision || o.record.cause !== e.cause || o.routes >= maxRoutes)) {
      close(sessionKey);
      o = undefined;
    }
    const routes = updateRoutes(e.update.message);
    for (const [family, withdrawn] of routes.withdrawn) {
      o = add(o, e, family, null, withdrawn.map((n) => n.prefix));
    }
    for (const [family, announced] of routes.announced) {
      o = add(o, e, family, sentAttributes(routes, family), announced.map((n) => n.prefix));
    }
  }

  function add(o: OpenRecord | undefined, e: UpdateSentEvent, family: FamilyKey, attributes: SentAttributes | null, prefixes: string[]): OpenRecord {
    const sessionKey = keyOf(e.peer, e.session);
    let cur = o;
    let rest = prefixes;
    while (rest.length > 0) {
      if (!cur || cur.routes >= maxRoutes) {
        close(sessionKey);
        const at = iso(e.at);
        cur = {
          record: { ...peerFields(e.peer, e.session), kind: 'routes', epoch: e.epoch ?? null, revision: e.revision, cause: e.cause, at, until: at, attributes: [], entries: [] },
          index: new Map(),
          routes: 0,
          first: e.seq,
        };
        open.set(sessionKey, cur);
      }
      const take = rest.slice(0, maxRoutes - cur.routes);
      rest = rest.slice(take.length);
      let index: number | null = null;
      if (attributes !== null) {
        const text = JSON.stringify(attributes);
        index = cur.index.get(text) ?? null;
        if (index === null) {
          index = cur.record.attributes.length;
          cur.record.attributes.push(attributes);
          cur.index.set(text, index);
        }
      }
      const last = cur.record.entries.at(-1);
      if (last && last.family === family && last.attributes === index) last.prefixes.push(...take);
      else cur.record.entries.push({ family, attributes: index, prefixes: take });
      cur.routes += take.length;
      cur.record.until = iso(e.at);
    }
    return cur!;
  }

  for (const key of [...open.keys()]) close(key);
  return out.sort((a, b) => a.first - b.first).map((o) => o.record);
}
