// The audit topic's contract: what the speakers sent on the wire, one JSON record per batch, keyed
// by node (events/topics.ts Topics.audit; retention -1). Written by speaker/audit/, read by
// `bgpcast audit prefix`. Three kinds of record:
//
// - routes: UPDATEs sent to one peer while one desired (epoch, revision) was applied, for one
//   cause (the table after Established, a change, a route refresh). `attributes` lists each
//   distinct set of path attributes once, as sent (the codec's PathAttributes without
//   MP_REACH/MP_UNREACH, with the MP_REACH next hops as `nextHops`); `entries`, in the order sent,
//   say which prefixes were announced with which set (`attributes`: its index) or withdrawn
//   (`attributes`: null). One record holds up to MAX_ROUTES_PER_RECORD routes: a table of 100,000
//   routes is a handful of records.
// - session: a peer session came up (Established) or went down, with the NOTIFICATION that ended
//   it (sent or received; code and subcode, RFC 4271 §4.5) or the local reason.
// - gap: records the speaker could not deliver (Kafka away longer than its buffer holds, or the
//   wire tap fell behind): from/to time, and how many routes and session transitions were lost.
//   The history between `from` and `to` is incomplete; it is never silently so.
//
// Times are RFC 3339 with milliseconds. `peer` is the configured peer address; `session` numbers
// the peer's Established periods within one speaker process.

import { z } from 'zod';

export const AuditSchemaVersion = 'bgpcast.audit/v1';

/** Routes per routes record, at most: a record of /32s stays well under Kafka's 1 MB default. */
export const MAX_ROUTES_PER_RECORD = 20_000;

const time = z.iso.datetime({ offset: true });

const peerFields = {
  schema: z.literal(AuditSchemaVersion),
  node: z.string().min(1),
  instance: z.string().nullable(),
  /** The configured peer address. */
  peer: z.string().min(1),
  /** The peer's name within its instance. */
  peerName: z.string(),
  session: z.number().int().nonnegative(),
};

/** A set of path attributes as sent (JSON of the codec's PathAttributes, plus `nextHops`). */
export const sentAttributesSchema = z.record(z.string(), z.unknown());
export type SentAttributes = z.infer<typeof sentAttributesSchema>;

const routeEntry = z.object({
  /** "afi/safi" numbers, e.g. "1/1" for IPv4 unicast. */
  family: z.string().regex(/^\d+\/\d+$/),
  /** Index in the record's `attributes` (announce), or null (withdraw). */
  attributes: z.number().int().nonnegative().nullable(),
  prefixes: z.array(z.string().min(1)).min(1),
});
export type AuditRouteEntry = z.infer<typeof routeEntry>;

export const routesRecordSchema = z.object({
  ...peerFields,
  kind: z.literal('routes'),
  /** The store epoch and desired revision being applied (null: none yet). */
  epoch: z.string().nullable(),
  revision: z.number().int().nonnegative().nullable(),
  cause: z.enum(['initial', 'change', 'refresh']),
  /** When the first and the last UPDATE of the record were sent. */
  at: time,
  until: time,
  attributes: z.array(sentAttributesSchema),
  entries: z.array(routeEntry),
});
export type RoutesRecord = z.infer<typeof routesRecordSchema>;

export const sessionRecordSchema = z.object({
  ...peerFields,
  kind: z.literal('session'),
  state: z.enum(['up', 'down']),
  at: time,
  localAsn: z.number().int().nonnegative(),
  /** up: the peer's AS from its OPEN. */
  peerAsn: z.number().int().nonnegative().optional(),
  /** down: who ended it and why. */
  reason: z.object({ by: z.enum(['local', 'remote']), reason: z.string() }).optional(),
  /** down: the NOTIFICATION that ended it, when one did. */
  notification: z.object({ direction: z.enum(['sent', 'received']), code: z.number().int(), subcode: z.number().int() }).nullable().optional(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export const gapRecordSchema = z.object({
  schema: z.literal(AuditSchemaVersion),
  kind: z.literal('gap'),
  node: z.string().min(1),
  /** The first and the last moment of the history lost. */
  from: time,
  to: time,
  /** Routes (announces and withdraws) and session transitions lost; null when not known (a tap overflow loses whole events). */
  routes: z.number().int().nonnegative().nullable(),
  sessions: z.number().int().nonnegative().nullable(),
  /** Records (buffer overflow) or wire events (tap overflow) lost. */
  messages: z.number().int().nonnegative(),
  /** Why: Kafka did not take the records in time, or the wire tap overflowed. */
  reason: z.enum(['buffer-overflow', 'tap-overflow']),
});
export type GapRecord = z.infer<typeof gapRecordSchema>;

export const auditRecordSchema = z.discriminatedUnion('kind', [routesRecordSchema, sessionRecordSchema, gapRecordSchema]);
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export class AuditRecordError extends Error {
  readonly code = 'AUDIT_RECORD_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AuditRecordError';
  }
}

export function encodeAuditRecord(r: AuditRecord): Buffer {
  return Buffer.from(JSON.stringify(r));
}

/** The record a Kafka value holds; AuditRecordError when it is not one. */
export function decodeAuditRecord(value: Buffer | string | null): AuditRecord {
  if (value === null) throw new AuditRecordError('empty record');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (e) {
    throw new AuditRecordError(`not JSON: ${(e as Error).message}`);
  }
  const parsed = auditRecordSchema.safeParse(json);
  if (!parsed.success) throw new AuditRecordError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** How many routes a record carries (0 for a session or gap record). */
export function routeCount(r: AuditRecord): number {
  if (r.kind === 'routes') return r.entries.reduce((n, e) => n + e.prefixes.length, 0);
  return 0;
}
