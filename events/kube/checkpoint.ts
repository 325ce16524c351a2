// The watcher's memory of what it published, per object: "resourceVersion digest". Kept in Redis
// (checkpoint-store.ts) and written only after Kafka acknowledged the publish, so a crash in
// between publishes the object again (at least once; the functions absorb a repeat). After a
// restart or a relist, only objects whose digest differs from it are published.

import type { KubeObject } from '../envelope.ts';

export interface Published {
  readonly resourceVersion: string;
  readonly digest: string;
}

export function encodePublished(p: Published): string {
  return `${p.resourceVersion} ${p.digest}`;
}

export function decodePublished(text: string): Published | null {
  const m = /^(\S*) (\S+)$/.exec(text);
  return m ? { resourceVersion: m[1]!, digest: m[2]! } : null;
}

export interface ListedObject {
  readonly key: string;
  readonly digest: string;
  /** The projection, as it would be published. */
  readonly object: KubeObject;
}

export interface ListingPlan {
  /** Listed objects to publish: new ones as added, changed ones as modified. */
  readonly publish: readonly { readonly type: 'added' | 'modified'; readonly item: ListedObject }[];
  /** Keys of the kind published before and not listed now: gone while nobody watched. */
  readonly gone: readonly string[];
  /** Listed objects already published as they are. */
  readonly unchanged: number;
}

/** A full listing of one kind against what was published of that kind. */
export function planListing(listing: readonly ListedObject[], published: ReadonlyMap<string, Published>): ListingPlan {
  const publish: ListingPlan['publish'][number][] = [];
  const listed = new Set<string>();
  let unchanged = 0;
  for (const item of listing) {
    listed.add(item.key);
    const before = published.get(item.key);
    if (before?.digest === item.digest) unchanged++;
    else publish.push({ type: before ? 'modified' : 'added', item });
  }
  const gone = [...published.keys()].filter((k) => !listed.has(k));
  return { publish, gone, unchanged };
}
