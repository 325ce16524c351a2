// A route one advertisement entry asks for, before overlapping candidates are merged
// (route-merge.ts), and what every route source is given.

import type { AdvertisementEntry, RouteAttributes } from '../model/advertisement.ts';
import type { IpFamily, IpPrefix } from '../../events/ip.ts';
import type { WorldView } from '../model/world.ts';

export interface RouteCandidate {
  readonly prefix: IpPrefix;
  /** formatPrefix(prefix), computed once by the producer: the merge key and the printed prefix. */
  readonly text: string;
  readonly attributes: RouteAttributes;
  readonly origin: 'igp' | 'incomplete';
}

/** The inputs every route source gets: one node, one address family, its selected entries. */
export interface RouteContext {
  readonly world: WorldView;
  readonly node: string;
  readonly family: IpFamily;
  readonly entries: readonly AdvertisementEntry[];
}
