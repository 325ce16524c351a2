// Which advertisement entries a peer's family gets (A14): every CiliumBGPAdvertisement whose
// metadata.labels match the family's `advertisements` selector (nil selects none, §11.1), and all
// their entries. Objects are visited in name order so the result is deterministic.

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
