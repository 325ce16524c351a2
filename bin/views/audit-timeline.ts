// `bgpcast audit prefix`: the pure part. The arguments parsed, the audit topic's records
// (events/audit-records.ts) turned into one prefix's timeline, oldest first, each row joined with
// the causes of its revision (events/causes.ts), and the text table.
//
// Which causes a row shows: an UPDATE sent for a change carries the delta of exactly one revision,
// so its row shows that revision's causes. The table sent when a session comes up (or re-sent on a
// route refresh) reflects every revision applied so far, so its row shows the causes of every
// revision since the previous row of that prefix to that peer (the first: since the epoch began).

import { formatPrefix, parseIp, parsePrefix, formatIp } from '../../events/ip.ts';
import type { AuditRecord, RoutesRecord, SentAttributes } from '../../events/audit-records.ts';
import type { Cause, CausesEntry } from '../../events/causes.ts';
import { CliError, ExitCode } from '../cli-error.ts';

export interface TimelineCause {
  readonly key: string;
  readonly type: Cause['type'];
  readonly source: string;
  readonly resourceVersion: string | null;
  readonly partition: number;
  readonly offset: string;
  readonly observedAt: string;
}

export interface TimelineRow {
  readonly time: string;
  readonly node: string;
  /** The peer's address. */
  readonly peer: string;
  readonly action: 'announce' | 'withdraw';
  readonly prefix: string;
  /** The attributes sent (null for a withdraw). */
  readonly attributes: SentAttributes | null;
  readonly revision: number | null;
  readonly causes: readonly TimelineCause[];
}

export interface AuditQuery {
  /** Canonical prefix text (events/ip.ts formatPrefix). */
  readonly prefix: string;
  readonly node?: string;
  /** Canonical address text. */
  readonly peer?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  readonly until?: number;
}

/** A gap in the history a timeline may fall in (audit-records.ts GapRecord), for a note. */
export interface TimelineGap {
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly routes: number | null;
  readonly reason: string;
}

export function parseAuditPrefix(text: string): string {
  const p = parsePrefix(text);
  if (p === null) throw new CliError(`not a prefix: ${JSON.stringify(text)}; expected ADDRESS/LENGTH, e.g. 172.20.0.10/32 or 2001:db8::/64`, ExitCode.Usage);
  return formatPrefix(p);
}

export function parseAuditPeer(text: string): string {
  const ip = parseIp(text);
  if (ip === null) throw new CliError(`--peer: not an IP address: ${JSON.stringify(text)}; expected e.g. 127.5.5.5`, ExitCode.Usage);
  return formatIp(ip);
}

const AGO = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** RFC 3339 ("2026-01-02T03:12:00Z", a date alone is midnight UTC) or a duration ago ("90s", "15m", "2h", "1d"). */
export function parseAuditTime(flag: string, text: string, now: number): number {
  const ago = AGO.exec(text);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  const rfc3339 = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$/;
  const ms = Date.parse(text);
  if (!rfc3339.test(text) || Number.isNaN(ms)) {
    throw new CliError(`${flag}: not a time: ${JSON.stringify(text)}; expected RFC 3339 (2026-01-02T03:12:00Z) or a duration ago (90s, 15m, 2h, 1d)`, ExitCode.Usage);
  }
  return ms;
}

function samePrefix(text: string, prefix: string): boolean {
  const p = parsePrefix(text);
  return p !== null && formatPrefix(p) === prefix;
}

function samePeer(text: string, peer: string): boolean {
  const ip = parseIp(text);
  return ip !== null && formatIp(ip) === peer;
}

const causeView = (c: Cause): TimelineCause => ({
  key: c.key,
  type: c.type,
  source: c.source,
  resourceVersion: c.resourceVersion,
  partition: c.partition,
  offset: c.offset,
  observedAt: c.observedAt,
});

/** node → epoch → revision → entry. */
type CauseIndex = Map<string, Map<string, Map<number, CausesEntry>>>;

function indexCauses(causes: ReadonlyMap<string, readonly CausesEntry[]>): CauseIndex {
  const index: CauseIndex = new Map();
  for (const [node, entries] of causes) {
    const byEpoch = new Map<string, Map<number, CausesEntry>>();
    for (const e of entries) {
      const m = byEpoch.get(e.epoch) ?? new Map<number, CausesEntry>();
      m.set(e.revision, e);
      byEpoch.set(e.epoch, m);
    }
    index.set(node, byEpoch);
  }
  return index;
}

function causesOf(index: CauseIndex, node: string, epoch: string | null, from: number, to: number | null): TimelineCause[] {
  if (epoch === null || to === null) return [];
  const revisions = index.get(node)?.get(epoch);
  if (!revisions) return [];
  const seen = new Set<string>();
  const out: TimelineCause[] = [];
  for (const [revision, entry] of [...revisions].sort((a, b) => a[0] - b[0])) {
    if (revision <= from || revision > to) continue;
    for (const c of entry.causes) {
      const id = `${c.partition}:${c.offset}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(causeView(c));
    }
  }
  return out;
}

/** The rows of `query.prefix`, oldest first, with their causes. */
export function timeline(records: readonly AuditRecord[], causes: ReadonlyMap<string, readonly CausesEntry[]>, query: AuditQuery): TimelineRow[] {
  const index = indexCauses(causes);
  const routes = records
    .filter((r): r is RoutesRecord => r.kind === 'routes')
    .filter((r) => (query.node === undefined || r.node === query.node) && (query.peer === undefined || samePeer(r.peer, query.peer)))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  /** node, peer, epoch → the revision of the prefix's previous row. */
  const previous = new Map<string, number>();
  const rows: TimelineRow[] = [];
  for (const r of routes) {
    for (const e of r.entries) {
      for (const p of e.prefixes) {
        if (!samePrefix(p, query.prefix)) continue;
        const key = `${r.node}\n${r.peer}\n${r.epoch ?? ''}`;
        const from = r.cause === 'change' ? (r.revision ?? 0) - 1 : (previous.get(key) ?? 0);
        if (r.revision !== null) previous.set(key, r.revision);
        rows.push({
          time: r.at,
          node: r.node,
          peer: r.peer,
          action: e.attributes === null ? 'withdraw' : 'announce',
          prefix: query.prefix,
          attributes: e.attributes === null ? null : (r.attributes[e.attributes] ?? null),
          revision: r.revision,
          causes: causesOf(index, r.node, r.epoch, from, r.revision),
        });
      }
    }
  }
  const t = (row: TimelineRow) => Date.parse(row.time);
  return rows.filter((row) => (query.since === undefined || t(row) >= query.since) && (query.until === undefined || t(row) <= query.until));
}

/** The gaps of the nodes asked about that overlap [since, until]. */
export function gapsIn(records: readonly AuditRecord[], query: Pick<AuditQuery, 'node' | 'since' | 'until'>): TimelineGap[] {
  return records.flatMap((r) => {
    if (r.kind !== 'gap' || (query.node !== undefined && r.node !== query.node)) return [];
    if (query.since !== undefined && Date.parse(r.to) < query.since) return [];
    if (query.until !== undefined && Date.parse(r.from) > query.until) return [];
    return [{ node: r.node, from: r.from, to: r.to, routes: r.routes, reason: r.reason }];
  });
}

function attributesText(a: SentAttributes | null): string {
  if (a === null) return '-';
  const parts: string[] = [];
  if (a['origin'] !== undefined) parts.push(`origin ${String(a['origin'])}`);
  const path = a['asPath'] as { asns?: number[] }[] | undefined;
  if (path) parts.push(`as-path ${path.flatMap((s) => s.asns ?? []).join(' ') || '(empty)'}`);
  if (a['nextHop'] !== undefined) parts.push(`next-hop ${String(a['nextHop'])}`);
  const hops = a['nextHops'] as string[] | undefined;
  if (hops?.length) parts.push(`next-hop ${hops.join(',')}`);
  if (a['med'] !== undefined) parts.push(`med ${String(a['med'])}`);
  if (a['localPref'] !== undefined) parts.push(`local-pref ${String(a['localPref'])}`);
  const communities = a['communities'] as number[] | undefined;
  if (communities?.length) parts.push(`communities ${communities.map((c) => `${c >>> 16}:${c & 0xffff}`).join(',')}`);
  const large = a['largeCommunities'] as number[][] | undefined;
  if (large?.length) parts.push(`large-communities ${large.map((c) => c.join(':')).join(',')}`);
  return parts.join(', ');
}

function causeText(c: TimelineCause): string {
  return `${c.type} ${c.key}${c.resourceVersion ? ` rv=${c.resourceVersion}` : ''} (${c.source}, ${c.observedAt}, ${c.partition}:${c.offset})`;
}

/** The text table: one line per row, its causes indented below it. */
export function formatTimeline(rows: readonly TimelineRow[]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => [r.time, r.node, r.peer, r.action, r.revision === null ? '-' : String(r.revision), attributesText(r.attributes)]);
  const head = ['Time', 'Node', 'Peer', 'Action', 'Revision', 'Attributes'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(head)];
  rows.forEach((r, i) => {
    out.push(line(cells[i]!));
    for (const c of r.causes) out.push(`    caused by ${causeText(c)}`);
  });
  return `${out.join('\n')}\n`;
}
