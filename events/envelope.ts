// The event envelope: one JSON record per Kubernetes object change, on the events topic, keyed by
// the object's identity (object-key.ts). It is validated when produced and when consumed; a record
// that fails is reported with its position and skipped by consumers, never fatal.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { objectKey } from './object-key.ts';
import type { ObjectIdentity } from './object-key.ts';

/**
 * The version producers write. v2 added `uid` to object events and `keys` (with `part`/`parts`)
 * to sync markers; both are optional, so v1 records are still valid and mean what they meant.
 */
export const EnvelopeSchemaVersion = 'bgpcast.event/v2';
export const AcceptedSchemaVersions = ['bgpcast.event/v1', EnvelopeSchemaVersion] as const;

export const EventType = {
  Added: 'added',
  Modified: 'modified',
  Deleted: 'deleted',
  /**
   * A source finished listing every object of `kind` (a full resync). Written to every partition,
   * so each partition's consumer sees it after that partition's share of the listing. With `keys`
   * (v2): the source's objects of that kind in that partition that are not in `keys` are gone.
   * Without (v1): those it did not publish since its previous marker are gone.
   */
  Synced: 'synced',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

const kubeObject = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  })
  .loose();

const baseFields = {
  schema: z.enum(AcceptedSchemaVersions),
  id: z.string().min(1),
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  source: z.string().min(1),
  observedAt: z.iso.datetime({ offset: true }),
};

const objectEvent = z.object({
  ...baseFields,
  type: z.enum([EventType.Added, EventType.Modified, EventType.Deleted]),
  namespace: z.string().min(1).nullable(),
  name: z.string().min(1),
  resourceVersion: z.string().nullable(),
  /** metadata.uid as the API server gave it; null from files; absent in v1 records. */
  uid: z.string().min(1).nullable().optional(),
  /** The whole object (from the watcher: the fields bgpcast reads); for a delete, the last known. */
  object: kubeObject,
});

const syncedEvent = z.object({
  ...baseFields,
  type: z.literal(EventType.Synced),
  /** Identifies one full listing; the same on every partition's copy of the marker. */
  syncId: z.string().min(1),
  /**
   * The object keys of the listing (events/object-key.ts). On the topic each partition's copy
   * holds only the keys that hash to that partition (the records' own partitioner).
   */
  keys: z.array(z.string().min(1)).optional(),
  /**
   * A copy too large for one record is split: parts 0 … parts-1 of one syncId follow each other
   * in the partition, and the listing of that partition is the union of their keys.
   */
  part: z.number().int().min(0).optional(),
  parts: z.number().int().min(1).optional(),
});

export const envelopeSchema = z.discriminatedUnion('type', [objectEvent, syncedEvent]).check((ctx) => {
  const e = ctx.value;
  if (e.type === EventType.Synced) {
    const split = e.part !== undefined || e.parts !== undefined;
    if (split && (e.keys === undefined || e.part === undefined || e.parts === undefined || e.part >= e.parts)) {
      ctx.issues.push({ code: 'custom', input: e, path: ['part'], message: 'part and parts go together, with keys, and part < parts' });
    }
    return;
  }
  const m = e.object.metadata;
  const mismatch =
    e.object.kind !== e.kind ||
    e.object.apiVersion !== e.apiVersion ||
    m.name !== e.name ||
    (m.namespace ?? null) !== e.namespace;
  if (mismatch) {
    ctx.issues.push({
      code: 'custom',
      input: e,
      path: ['object'],
      message: 'object apiVersion/kind/metadata.name/metadata.namespace differ from the envelope',
    });
  }
});

export type ObjectEvent = z.infer<typeof objectEvent>;
export type SyncedEvent = z.infer<typeof syncedEvent>;
export type EventEnvelope = z.infer<typeof envelopeSchema>;
export type KubeObject = ObjectEvent['object'];

export class InvalidEnvelopeError extends Error {
  constructor(detail: string) {
    super(`invalid event envelope: ${detail}`);
    this.name = 'InvalidEnvelopeError';
  }
}

export function validateEnvelope(value: unknown): EventEnvelope {
  const r = envelopeSchema.safeParse(value);
  if (!r.success) throw new InvalidEnvelopeError(z.prettifyError(r.error).replace(/\n/g, '; '));
  return r.data;
}

/** Parse a record value (JSON text) into a validated envelope; throws InvalidEnvelopeError. */
export function decodeEnvelope(value: string | Uint8Array | null): EventEnvelope {
  if (value === null) throw new InvalidEnvelopeError('empty record');
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidEnvelopeError(`not JSON (${(e as Error).message})`);
  }
  return validateEnvelope(json);
}

export function encodeEnvelope(e: EventEnvelope): string {
  return JSON.stringify(validateEnvelope(e));
}

/** The record key of an envelope: the object's identity; a sync marker's own key per kind. */
export function envelopeKey(e: EventEnvelope): string {
  if (e.type === EventType.Synced) return `${e.kind}.sync/${e.source}`;
  return objectKey(e);
}

export function identityOf(object: KubeObject): ObjectIdentity {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? null,
    name: object.metadata.name,
  };
}

export function objectEnvelope(
  type: ObjectEvent['type'],
  object: KubeObject,
  source: string,
  now: Date = new Date(),
): ObjectEvent {
  const id = identityOf(object);
  const rv = object.metadata['resourceVersion'];
  const uid = object.metadata['uid'];
  return {
    schema: EnvelopeSchemaVersion,
    id: randomUUID(),
    type,
    ...id,
    resourceVersion: typeof rv === 'string' ? rv : null,
    uid: typeof uid === 'string' && uid !== '' ? uid : null,
    object,
    source,
    observedAt: now.toISOString(),
  };
}
