// A sync marker as it goes onto the topic: one copy per partition, each carrying the listing's
// keys that hash to that partition, so a consumer of one partition learns exactly which of its
// objects the source still holds. A copy larger than a record may be is split into parts.

import type { SyncedEvent } from './envelope.ts';

/** Kafka's default limit on a record batch is 1 MiB (message.max.bytes); stay well inside it. */
export const MAX_MARKER_BYTES = 512_000;

export interface MarkerCopy {
  readonly partition: number;
  readonly envelope: SyncedEvent;
}

/**
 * The records of one marker. Without keys (the v1 meaning) every partition gets the marker as it
 * is. With keys, partition p's copy holds the keys `partitionOf` sends to p (sorted), in as many
 * parts as it takes to keep each record's JSON within maxBytes.
 */
export function markerCopies(
  marker: SyncedEvent,
  partitions: readonly number[],
  partitionOf: (key: string) => number,
  maxBytes: number = MAX_MARKER_BYTES,
): MarkerCopy[] {
  const { keys, part: _part, parts: _parts, ...bare } = marker;
  if (keys === undefined) return partitions.map((partition) => ({ partition, envelope: bare }));
  const byPartition = new Map<number, string[]>(partitions.map((p) => [p, []]));
  for (const key of keys) byPartition.get(partitionOf(key))?.push(key);
  return partitions.flatMap((partition) => {
    const chunks = chunkKeys(byPartition.get(partition)!.sort(), maxBytes - markerOverhead(bare));
    return chunks.map((chunk, i) => ({
      partition,
      envelope: chunks.length > 1 ? { ...bare, keys: chunk, part: i, parts: chunks.length } : { ...bare, keys: chunk },
    }));
  });
}

/** The JSON length of a copy without its keys, with room for "part"/"parts" of any size. */
function markerOverhead(bare: SyncedEvent): number {
  return JSON.stringify({ ...bare, keys: [], part: 1e9, parts: 1e9 }).length;
}

/** Greedy chunks whose JSON array text ("a","b") fits `room` characters; at least one chunk. */
function chunkKeys(keys: readonly string[], room: number): string[][] {
  const chunks: string[][] = [[]];
  let used = 0;
  for (const key of keys) {
    const cost = Buffer.byteLength(JSON.stringify(key)) + 1;
    if (used + cost > room && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      used = 0;
    }
    chunks.at(-1)!.push(key);
    used += cost;
  }
  return chunks;
}
