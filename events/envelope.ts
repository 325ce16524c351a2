// The event envelope: one JSON record per Kubernetes object change, on the events topic, keyed by
// the object's identity (object-key.ts). It is validated when produced and when consumed; a record
// that fails is reported with its position and skipped by consumers, never fatal.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { objectKey } from './object-key.ts';
import type { ObjectIdentity } from './object-key.ts';

export const EnvelopeSchemaVersion = 'bgpcast.event/v1';

export const EventType = {
  Added: 'added',
  Modified: 'modified',
  Deleted: 'deleted',
  /**
   * A source finished listing every object of `kind` (a full resync): objects of that kind it did
   * not list since its previous marker are gone. Written to every partition, so each partition's
   * consumer sees it after that partition's share of the listing.
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
  schema: z.literal(EnvelopeSchemaVersion),
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
  /** The whole object; for a delete, the last known object. */
  object: kubeObject,
});

const syncedEvent = z.object({
  ...baseFields,
  type: z.literal(EventType.Synced),
  /** Identifies one full listing; the same on every partition's copy of the marker. */
  syncId: z.string().min(1),
});

export const envelopeSchema = z.discriminatedUnion('type', [objectEvent, syncedEvent]).check((ctx) => {
  const e = ctx.value;
  if (e.type === EventType.Synced) return;
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
  return {
    schema: EnvelopeSchemaVersion,
    id: randomUUID(),
    type,
    ...id,
    resourceVersion: typeof rv === 'string' ? rv : null,
    object,
    source,
    observedAt: now.toISOString(),
  };
}
