// A route's attributes in the text form `cilium bgp routes` prints (GoBGP's String() of each path
// attribute, in type-code order): [{Origin: i} {AsPath: 64000} {Nexthop: 127.0.1.1}
// {LocalPref: 99} {Communities: 65000:99} {MpReach(ipv6-unicast): {Nexthop: fd00::1, NLRIs:
// [fd00:10::/64]}} {LargeCommunity: [ 65000:1:2]}]. Pure.

import type { RouteAttrs, RouteReport } from '../../events/speaker-status.ts';

const originLetter = { igp: 'i', egp: 'e', incomplete: '?' } as const;

function asPathText(path: readonly (number | readonly number[])[]): string {
  return path.map((seg) => (typeof seg === 'number' ? String(seg) : `{${seg.join(',')}}`)).join(' ');
}

export function attrsText(route: Pick<RouteReport, 'afi' | 'safi' | 'prefix'> & { readonly attrs: RouteAttrs }): string {
  const a = route.attrs;
  const parts: string[] = [];
  if (a.origin) parts.push(`{Origin: ${originLetter[a.origin]}}`);
  if (a.asPath) parts.push(`{AsPath: ${asPathText(a.asPath)}}`);
  if (a.nextHop) parts.push(`{Nexthop: ${a.nextHop}}`);
  if (a.med !== undefined) parts.push(`{Med: ${a.med}}`);
  if (a.localPref !== undefined) parts.push(`{LocalPref: ${a.localPref}}`);
  if (a.communities?.length) parts.push(`{Communities: ${a.communities.join(', ')}}`);
  if (a.mpNextHops?.length) {
    parts.push(`{MpReach(${route.afi}-${route.safi}): {Nexthop: ${a.mpNextHops[0]}, NLRIs: [${route.prefix}]}}`);
  }
  if (a.largeCommunities?.length) parts.push(`{LargeCommunity: [ ${a.largeCommunities.join(', ')}]}`);
  return `[${parts.join(' ')}]`;
}
