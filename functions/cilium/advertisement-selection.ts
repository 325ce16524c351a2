// Which advertisement entries a peer's family gets (docs/cilium-semantics.md ADV-1): every
// CiliumBGPAdvertisement whose metadata.labels match the family's `advertisements` selector (an
// absent one selects none), with all their entries, visited in name order.

import { NIL_SELECTS, selectorMatches, type LabelSelector } from '../model/label-selector.ts';
import type { AdvertisementEntry } from '../model/advertisement.ts';
import type { WorldView } from '../model/world.ts';

export function selectedEntries(world: WorldView, selector: LabelSelector | null): AdvertisementEntry[] {
  if (selector === null) return [];
  const names = [...world.advertisements.keys()].sort();
  const entries: AdvertisementEntry[] = [];
  for (const name of names) {
    const advert = world.advertisements.get(name);
    if (advert && selectorMatches(selector, advert.meta.labels, NIL_SELECTS.nothing)) entries.push(...advert.entries);
  }
  return entries;
}
