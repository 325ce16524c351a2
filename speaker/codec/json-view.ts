// The `bgpcast decode` view of a message: plain JSON with stable field names, documented in the
// README. AFI and SAFI print as names ("ipv4", "unicast") where IANA
// gives one we know, else as the number (the names are update-json.ts's, one table for both).
// UPDATE is rendered by update-json.ts.

import { errorCodeName, errorSubcodeName } from './errors.ts';
import { toHex } from './hex.ts';
import { decodeShutdownCommunication } from './notification.ts';
import type { BgpMessage, Capability, NotificationMessage, OpenMessage } from './types.ts';
import type { JsonValue } from './update-json.ts';
import { afiName, safiName, updateToJson } from './update-json.ts';

export type JsonObject = { [key: string]: JsonValue };

const addPathModes = { 1: 'receive', 2: 'send', 3: 'both' } as const;
const routeRefreshSubtypes: Record<number, string> = { 0: 'request', 1: 'borr', 2: 'eorr' };

function family(f: { afi: number; safi: number }): { afi: string | number; safi: string | number } {
  return { afi: afiName(f.afi), safi: safiName(f.safi) };
}

export function capabilityToJson(cap: Capability): JsonObject {
  const head = { code: cap.code, name: cap.name };
  switch (cap.name) {
    case 'multiprotocol':
      return { ...head, ...family(cap) };
    case 'extended-next-hop':
      return {
        ...head,
        entries: cap.entries.map((e) => ({ ...family(e), nextHopAfi: afiName(e.nextHopAfi) })),
      };
    case 'graceful-restart':
      return {
        ...head,
        restarting: cap.restarting,
        notification: cap.notification,
        restartTime: cap.restartTime,
        families: cap.families.map((f) => ({ ...family(f), forwardingPreserved: f.forwardingPreserved })),
      };
    case 'four-octet-as':
      return { ...head, asn: cap.asn };
    case 'add-path':
      return {
        ...head,
        families: cap.families.map((f) => ({ ...family(f), sendReceive: addPathModes[f.sendReceive] })),
      };
    case 'long-lived-graceful-restart':
      return {
        ...head,
        families: cap.families.map((f) => ({
          ...family(f),
          forwardingPreserved: f.forwardingPreserved,
          staleTime: f.staleTime,
        })),
      };
    case 'fqdn':
      return { ...head, hostname: cap.hostname, domain: cap.domain };
    case 'unknown':
      return { ...head, hex: cap.hex };
    default:
      return head;
  }
}

function openToJson(msg: OpenMessage): JsonObject {
  return {
    version: msg.version,
    asn: msg.asn,
    holdTime: msg.holdTime,
    bgpId: msg.bgpId,
    capabilities: msg.capabilities.map(capabilityToJson),
  };
}

function notificationToJson(msg: NotificationMessage): JsonObject {
  const out: JsonObject = {
    code: msg.code,
    subcode: msg.subcode,
    codeName: errorCodeName(msg.code),
    subcodeName: errorSubcodeName(msg.code, msg.subcode),
    data: toHex(msg.data),
  };
  // RFC 9003: printed only when well formed; a malformed one stays visible in `data`.
  const comm = decodeShutdownCommunication(msg);
  if (comm?.valid) out.shutdownCommunication = comm.text;
  return out;
}

/** One decoded message, `length` octets on the wire, as the JSON object `bgpcast decode` prints. */
export function messageToJson(msg: BgpMessage, length: number): JsonObject {
  const head = { type: msg.type, length };
  switch (msg.type) {
    case 'open':
      return { ...head, ...openToJson(msg) };
    case 'update':
      return { ...head, ...updateToJson(msg) };
    case 'notification':
      return { ...head, ...notificationToJson(msg) };
    case 'keepalive':
      return head;
    case 'route-refresh':
      return {
        ...head,
        ...family(msg),
        subtype: routeRefreshSubtypes[msg.subtype] ?? msg.subtype,
      };
  }
}
