// Reading one node's desired document from Redis (layout: events/desired-delta.ts). Both hashes
// are read in one MULTI, so the result is one revision's document even while functions write.
// Used by the speaker (start, gaps, resyncs) and the CLI; the functions' own diffing reads the raw
// fields through functions/store.

import { assembleDocument } from './desired-delta.ts';
import { desiredNodeStateSchema, type DesiredNodeState } from './desired-state.ts';
import { DESIRED_FIELDS, nodeKeys } from './redis-keys.ts';

export interface StoredDesiredDocument {
  readonly node: string;
  /** The store epoch the document was written under ('' from a writer before epochs). */
  readonly epoch: string;
  readonly revision: number;
  readonly updatedAt: string | null;
  readonly document: DesiredNodeState;
  /** Route fields that name no slot of the sessions part or do not parse (a consistent store has none). */
  readonly orphans: readonly string[];
}

/** The MULTI a reader sends. */
export interface DesiredReadMulti {
  hmget(key: string, ...fields: string[]): DesiredReadMulti;
  hgetall(key: string): DesiredReadMulti;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/** The part of ioredis' Redis a reader uses: a MULTI. */
export interface DesiredReadRedis {
  multi(): DesiredReadMulti;
}

export class InvalidDesiredDocumentError extends Error {
  constructor(node: string, why: string) {
    super(`desired state of node ${node} in Redis is not valid: ${why}`);
    this.name = 'InvalidDesiredDocumentError';
  }
}

/** The node's document, or null when none was written. Throws InvalidDesiredDocumentError. */
export async function readDesiredDocument(redis: DesiredReadRedis, prefix: string, node: string): Promise<StoredDesiredDocument | null> {
  const keys = nodeKeys(prefix, node);
  const replies = await redis.multi().hmget(keys.desired, DESIRED_FIELDS.revision, DESIRED_FIELDS.sessions, DESIRED_FIELDS.updatedAt, DESIRED_FIELDS.epoch).hgetall(keys.desiredRoutes).exec();
  if (replies === null) throw new Error('MULTI aborted');
  const [[e1, head], [e2, routes]] = replies as [[Error | null, (string | null)[]], [Error | null, Record<string, string>]];
  if (e1) throw e1;
  if (e2) throw e2;
  const [revision, sessionsText, updatedAt, epoch] = head;
  if (sessionsText == null) return null;
  let sessions: DesiredNodeState;
  try {
    const parsed = desiredNodeStateSchema.safeParse(JSON.parse(sessionsText));
    if (!parsed.success) throw new Error(parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    sessions = parsed.data;
  } catch (e) {
    throw new InvalidDesiredDocumentError(node, (e as Error).message);
  }
  const { document, orphans } = assembleDocument(sessions, Object.entries(routes));
  const rev = Number(revision ?? 0);
  return { node, epoch: epoch ?? '', revision: rev, updatedAt: updatedAt ?? null, document: { ...document, revision: rev }, orphans };
}
