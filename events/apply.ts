// The file source's one operation, shared by `apply -f`, `delete -f` and `up --config`: read and
// validate every manifest first (InvalidFileError names each problem), and only then turn the
// objects into envelopes ready to publish — so a bad file never needs a broker to be rejected.

import { readManifests } from './file-source.ts';
import { EventType, objectEnvelope } from './envelope.ts';
import type { ObjectEvent } from './envelope.ts';
import type { FileProblem, SourcedObject } from './file-source.ts';

export interface PreparedManifests {
  readonly events: ObjectEvent[];
  /** The objects as read, in the same order as the events. */
  readonly objects: SourcedObject[];
  readonly warnings: FileProblem[];
}

export async function prepareManifests(paths: readonly string[], action: 'apply' | 'delete'): Promise<PreparedManifests> {
  const { objects, warnings } = await readManifests(paths);
  const type = action === 'apply' ? EventType.Added : EventType.Deleted;
  return { events: objects.map((o) => objectEnvelope(type, o.object, `file:${o.file}`)), objects, warnings };
}
