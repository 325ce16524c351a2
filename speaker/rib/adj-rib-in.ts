// The Adj-RIB-In of one session (RFC 4271 §3.2): the routes the peer sent, kept with their
// attributes and counted for display, never installed (import is reject-all, as in Cilium).
// A maximum-prefix limit over all families ends the session with Cease / Maximum Number of
// Prefixes Reached (RFC 4486 §4), whose data is AFI (2), SAFI (1) and the limit (4). Pure.

import type { FamilyKey } from '../codec/context.ts';
import { familyKey } from '../codec/context.ts';
import type { PathAttributes } from '../codec/types.ts';
import type { FamilyRoutes, UpdateVerdict } from '../codec/validate-update.ts';

export interface ReceivedRoute {
  readonly prefix: string;
  readonly attributes: PathAttributes;
  readonly nextHops: readonly string[];
}

export interface LimitExceeded {
  readonly afi: number;
  readonly safi: number;
  readonly limit: number;
  /** The data of the Cease NOTIFICATION, RFC 4486 §4. */
  readonly data: Uint8Array;
}

export class AdjRibIn {
  readonly #tables = new Map<FamilyKey, Map<string, ReceivedRoute>>();
  readonly #limit: number | null;
  #total = 0;

  /** `maxPrefixes`: null or 0 for no limit. */
  constructor(maxPrefixes: number | null = null) {
    this.#limit = maxPrefixes !== null && maxPrefixes > 0 ? maxPrefixes : null;
  }

  get total(): number {
    return this.#total;
  }

  count(family: FamilyKey): number {
    return this.#tables.get(family)?.size ?? 0;
  }

  counts(): Record<FamilyKey, number> {
    const out: Record<FamilyKey, number> = {};
    for (const [k, t] of this.#tables) out[k] = t.size;
    return out;
  }

  routes(family: FamilyKey): ReadonlyMap<string, ReceivedRoute> {
    return this.#tables.get(family) ?? new Map();
  }

  clear(): void {
    this.#tables.clear();
    this.#total = 0;
  }

  /**
   * Applies an UPDATE's verdict (withdrawals first, then announcements, RFC 4271 §9). Returns
   * the limit exceeded, if the announcements took the table past it; the routes stay applied.
   */
  apply(verdict: UpdateVerdict): LimitExceeded | null {
    for (const w of verdict.withdrawn) this.#withdraw(w);
    let over: FamilyRoutes | null = null;
    for (const a of verdict.announced) {
      const table = this.#table(a.afi, a.safi);
      for (const n of a.nlri) {
        if (!table.has(n.prefix)) this.#total += 1;
        table.set(n.prefix, { prefix: n.prefix, attributes: verdict.attributes, nextHops: a.nextHops ?? [] });
      }
      if (this.#limit !== null && this.#total > this.#limit && over === null) over = a;
    }
    return over && this.#limit !== null ? exceeded(over.afi, over.safi, this.#limit) : null;
  }

  #withdraw(w: FamilyRoutes): void {
    const table = this.#tables.get(familyKey(w.afi, w.safi));
    if (!table) return;
    for (const n of w.nlri) if (table.delete(n.prefix)) this.#total -= 1;
  }

  #table(afi: number, safi: number): Map<string, ReceivedRoute> {
    const key = familyKey(afi, safi);
    let t = this.#tables.get(key);
    if (!t) this.#tables.set(key, (t = new Map()));
    return t;
  }
}

export function exceeded(afi: number, safi: number, limit: number): LimitExceeded {
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, afi);
  v.setUint8(2, safi);
  v.setUint32(3, limit >>> 0);
  return { afi, safi, limit, data };
}
