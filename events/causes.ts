// The causes of desired revisions: for each revision the functions write of a node, the events of
// the topic that made it (as far as the writer knows them). One stream per node,
// <p>:{<node>}:causes (events/redis-keys.ts), an entry per revision written, MAXLEN ~ CAUSES_MAXLEN:
//   epoch, revision   the desired revision (the speaker's audit records carry the same pair);
//   positions         JSON partition → offset: the world positions the revision reflects;
//   causes            JSON list of Cause: the events the writing functions instance folded that
//                     could have changed this node (functions/runner/dirty.ts), that this revision
//                     reflects and the revision it replaced did not (functions/runner/cause-book.ts);
//   omitted           how many more there were (a list is kept to MAX_CAUSES_PER_REVISION).
// A revision written for events another instance folded — a sweep of a pending entry a crashed
// instance left, or a race between instances — lists only what its writer folded (maybe nothing):
// its other causes are the events of the topic up to `positions` that no earlier entry names.

import { z } from 'zod';

export const CAUSES_MAXLEN = 1_000;
export const MAX_CAUSES_PER_REVISION = 200;

export const causeSchema = z.object({
  /** The object key (events/object-key.ts), or for a sync marker the kind's key prefix. */
  key: z.string(),
  type: z.enum(['added', 'modified', 'deleted', 'synced']),
  resourceVersion: z.string().nullable(),
  uid: z.string().nullable(),
  source: z.string(),
  observedAt: z.string(),
  partition: z.number().int().nonnegative(),
  offset: z.string(),
});
export type Cause = z.infer<typeof causeSchema>;

export interface CausesEntry {
  readonly epoch: string;
  readonly revision: number;
  readonly positions: Readonly<Record<string, string>>;
  readonly causes: readonly Cause[];
  readonly omitted: number;
}

/** The stream entry's fields. */
export const CAUSES_ENTRY_FIELDS = ['epoch', 'revision', 'positions', 'causes', 'omitted'] as const satisfies readonly (keyof CausesEntry)[];

/** Field/value pairs for XADD, the list cut to MAX_CAUSES_PER_REVISION (the cut counted in `omitted`). */
export function causesEntryFields(e: Omit<CausesEntry, 'omitted'> & { readonly omitted?: number }): string[] {
  const kept = e.causes.slice(0, MAX_CAUSES_PER_REVISION);
  const omitted = (e.omitted ?? 0) + e.causes.length - kept.length;
  return ['epoch', e.epoch, 'revision', String(e.revision), 'positions', JSON.stringify(e.positions), 'causes', JSON.stringify(kept), 'omitted', String(omitted)];
}

/** An entry read back (XRANGE's flat field list); null when it is not one. */
export function parseCausesEntry(fields: readonly string[]): CausesEntry | null {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i]!, fields[i + 1]!);
  try {
    const revision = Number(m.get('revision'));
    const causes = z.array(causeSchema).safeParse(JSON.parse(m.get('causes') ?? 'null'));
    const positions = z.record(z.string(), z.string()).safeParse(JSON.parse(m.get('positions') ?? '{}'));
    if (!Number.isInteger(revision) || !causes.success || !positions.success || m.get('epoch') === undefined) return null;
    return { epoch: m.get('epoch')!, revision, positions: positions.data, causes: causes.data, omitted: Number(m.get('omitted') ?? 0) || 0 };
  } catch {
    return null;
  }
}
