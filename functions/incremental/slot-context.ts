// The context of a slot's routes (family, settings, the entries it selects), interned along the
// entry objects so every node selecting the same entries shares one, and with it the shared bases
// and the nodes' overlays (docs/incremental.md).

import type { AdvertisementEntry } from '../model/advertisement.ts';
import type { IpFamily } from '../../events/ip.ts';
import type { BaseContext } from './shared-base.ts';
import { isServiceEntry, type ServiceRouteSettings } from '../cilium/service-routes.ts';
import type { OverlayCache } from './node-overlay.ts';
import { settingsSlot } from './service-candidates.ts';

export interface SlotContext {
  readonly family: IpFamily;
  /** Every selected entry, in selection order (repeats included). */
  readonly entries: readonly AdvertisementEntry[];
  readonly base: BaseContext;
  /** Node → the overlay last computed for it in this context. */
  readonly overlays: Map<string, OverlayCache>;
}

interface Trie<T> {
  readonly next: WeakMap<AdvertisementEntry, Trie<T>>;
  value?: T;
}

function walk<T>(roots: Map<number, Trie<T>>, slot: number, entries: readonly AdvertisementEntry[]): Trie<T> {
  let at: Trie<T> | undefined = roots.get(slot);
  if (at === undefined) {
    at = { next: new WeakMap() };
    roots.set(slot, at);
  }
  for (const entry of entries) {
    let next: Trie<T> | undefined = at.next.get(entry);
    if (next === undefined) {
      next = { next: new WeakMap() };
      at.next.set(entry, next);
    }
    at = next;
  }
  return at;
}

export class SlotContexts {
  readonly #slotRoots = new Map<number, Trie<SlotContext>>();
  readonly #baseRoots = new Map<number, Trie<BaseContext>>();

  /** The context of a slot of `family` that selects `entries` under `settings`. */
  of(family: IpFamily, settings: ServiceRouteSettings, entries: readonly AdvertisementEntry[]): SlotContext {
    const node = walk(this.#slotRoots, settingsSlot(family, settings), entries);
    return (node.value ??= {
      family,
      entries: [...entries],
      base: this.#baseContext(family, settings, entries),
      overlays: new Map(),
    });
  }

  #baseContext(family: IpFamily, settings: ServiceRouteSettings, entries: readonly AdvertisementEntry[]): BaseContext {
    // Repeated entries add nothing to a merged route (MERGE-1), so the base sees each once.
    const distinct = [...new Set(entries.filter(isServiceEntry))];
    const slot = settingsSlot(family, settings);
    const node = walk(this.#baseRoots, slot, distinct);
    return (node.value ??= {
      family,
      settings: {
        enableNoServiceEndpointsRoutable: settings.enableNoServiceEndpointsRoutable,
        legacyOriginAttribute: settings.legacyOriginAttribute,
      },
      slot,
      entries: distinct,
      bases: new WeakMap(),
    });
  }
}
