// BMP messages, golden bytes: a stream GoBGP 3.10 sent to a station our test harness ran
// (vectors/gobgp.json) — decoded, then encoded again to the same octets — and messages assembled
// field by field from the figures of RFC 7854 §4 and RFC 8671 §4, for what GoBGP does not send
// (the O flag, IPv6 peers, the other Peer Down reasons, Information strings).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../speaker/codec/errors.ts';
import { fromHex, toHex } from '../../../speaker/codec/hex.ts';
import { PeerDownReason, TerminationReason } from '../../../speaker/bmp/constants.ts';
import { decodeBmp, splitBmp } from '../../../speaker/bmp/decode.ts';
import { reencode } from '../../support/bmp.ts';
import type { PerPeerHeader } from '../../../speaker/bmp/encode.ts';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeRouteMonitoring,
  encodeTermination,
} from '../../../speaker/bmp/encode.ts';

interface Vector {
  readonly name: string;
  readonly hex: string;
  readonly decoded: Record<string, unknown>;
}
const gobgp = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors/gobgp.json'), 'utf8')) as { messages: Vector[] };

/** JSON form of a decoded message, octets as hex (the vectors' form). */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? toHex(x) : x)));

describe('a BMP stream GoBGP 3.10 sent (vectors/gobgp.json)', () => {
  it.each(gobgp.messages.map((v) => [v.name, v] as const))('%s: decodes to the recorded fields and encodes back to the same octets', (_name, v) => {
    const bytes = fromHex(v.hex);
    const m = decodeBmp(bytes);
    expect(asJson(m)).toEqual(v.decoded);
    expect(toHex(reencode(m))).toBe(v.hex);
  });

  it('splits as one stream into the messages, in order', () => {
    const stream = fromHex(gobgp.messages.map((v) => v.hex).join(''));
    expect(splitBmp(stream).map(toHex)).toEqual(gobgp.messages.map((v) => v.hex));
  });
});

// ---------------------------------------------------------------- RFC 7854 §4 figures, by hand

const EndOfRibIpv4 = 'ffffffffffffffffffffffffffffffff' + '0017' + '02' + '0000' + '0000';
const Cease2 = 'ffffffffffffffffffffffffffffffff' + '0015' + '03' + '06' + '02'; // Cease / Administrative Shutdown
const HoldTimerExpired = 'ffffffffffffffffffffffffffffffff' + '0015' + '03' + '04' + '00';

const v6Peer: PerPeerHeader = {
  peerAddress: '2001:db8::1',
  peerAsn: 4200000001,
  peerBgpId: '192.0.2.1',
  timestampUs: 1_700_000_000_123_456,
  postPolicy: true,
  adjRibOut: true,
  twoOctetAsPath: true,
};
const v6PeerHex =
  '00' + // Peer Type 0, Global Instance Peer (§4.2)
  'f0' + // Flags V L A O: 1111 0000
  '0000000000000000' + // Peer Distinguisher
  '20010db8000000000000000000000001' + // Peer Address, 16 octets
  'fa56ea01' + // Peer AS 4200000001
  'c0000201' + // Peer BGP ID 192.0.2.1
  '6553f100' + // Timestamp seconds 1700000000
  '0001e240'; // microseconds 123456

const v4Peer: PerPeerHeader = { peerAddress: '192.0.2.1', peerAsn: 65000, peerBgpId: '192.0.2.1', timestampUs: 0, postPolicy: true, adjRibOut: true };
const v4PeerHex = '00' + '50' + '0000000000000000' + '000000000000000000000000c0000201' + '0000fde8' + 'c0000201' + '00000000' + '00000000';

const header = (length: number, type: number) => '03' + length.toString(16).padStart(8, '0') + type.toString(16).padStart(2, '0');

describe('messages assembled from the RFC 7854 §4 figures', () => {
  it('Route Monitoring (§4.6) of the post-policy Adj-RIB-Out (RFC 8671 §4): V, L, A and O set for an IPv6 peer', () => {
    const hex = header(6 + 42 + 23, 0) + v6PeerHex + EndOfRibIpv4;
    expect(toHex(encodeRouteMonitoring({ peer: v6Peer, update: fromHex(EndOfRibIpv4) }))).toBe(hex);
    const m = decodeBmp(fromHex(hex));
    expect(m).toMatchObject({ type: 'route-monitoring', peer: { ...v6Peer, flags: 0xf0 } });
  });

  it('an IPv4 peer address takes the low-order 4 octets of the 16 (§4.2)', () => {
    const hex = header(6 + 42 + 23, 0) + v4PeerHex + EndOfRibIpv4;
    expect(toHex(encodeRouteMonitoring({ peer: v4Peer, update: fromHex(EndOfRibIpv4) }))).toBe(hex);
  });

  it('Peer Up (§4.10): local address, local and remote port, the sent OPEN, then the received OPEN, then Information', () => {
    const sent = gobgp.messages[1]!.decoded['sentOpen'] as string;
    const received = gobgp.messages[1]!.decoded['receivedOpen'] as string;
    const info = Buffer.from('node worker1, peer router').toString('hex');
    const body =
      v4PeerHex +
      '000000000000000000000000c0000202' + // Local Address 192.0.2.2
      '00b3' + // Local Port 179
      'c350' + // Remote Port 50000
      sent +
      received +
      '0000' + '0019' + info; // Information TLV: type 0 (String), length 25
    const hex = header(6 + body.length / 2, 3) + body;
    const bytes = encodePeerUp({
      peer: v4Peer,
      localAddress: '192.0.2.2',
      localPort: 179,
      remotePort: 50000,
      sentOpen: fromHex(sent),
      receivedOpen: fromHex(received),
      information: ['node worker1, peer router'],
    });
    expect(toHex(bytes)).toBe(hex);
    expect(decodeBmp(bytes)).toMatchObject({ type: 'peer-up', localAddress: '192.0.2.2', information: [{ type: 0, value: 'node worker1, peer router' }] });
  });

  it.each([
    ['1: local NOTIFICATION, the PDU follows', { reason: PeerDownReason.LocalNotification, notification: fromHex(HoldTimerExpired) }, '01' + HoldTimerExpired],
    ['2: local, no NOTIFICATION, a 2-octet FSM event code follows', { reason: PeerDownReason.LocalNoNotification, fsmEvent: 0 }, '02' + '0000'],
    ['3: remote NOTIFICATION, the PDU follows', { reason: PeerDownReason.RemoteNotification, notification: fromHex(Cease2) }, '03' + Cease2],
    ['4: remote, no NOTIFICATION, nothing follows', { reason: PeerDownReason.RemoteNoNotification }, '04'],
    ['5: de-configured, nothing follows', { reason: PeerDownReason.Deconfigured }, '05'],
  ] as const)('Peer Down (§4.9) reason %s', (_what, down, tail) => {
    const hex = header(6 + 42 + tail.length / 2, 2) + v4PeerHex + tail;
    const bytes = encodePeerDown({ peer: v4Peer, ...down } as never);
    expect(toHex(bytes)).toBe(hex);
    expect(decodeBmp(bytes)).toMatchObject({ type: 'peer-down', reason: down.reason });
  });

  it('Termination (§4.5): a String TLV, then the Reason TLV', () => {
    const text = Buffer.from('stopping').toString('hex');
    const hex = header(6 + 4 + 8 + 4 + 2, 5) + '0000' + '0008' + text + '0001' + '0002' + '0000';
    expect(toHex(encodeTermination({ reason: TerminationReason.AdministrativelyClosed, text: 'stopping' }))).toBe(hex);
    expect(decodeBmp(fromHex(hex))).toEqual({ type: 'termination', tlvs: [{ type: 0, value: 'stopping' }], reason: 0 });
  });

  it('Initiation (§4.3): sysName and sysDescr, then free-form strings', () => {
    const bytes = encodeInitiation({ sysName: 'n', sysDescr: 'd', strings: ['s'] });
    expect(toHex(bytes)).toBe(header(6 + 15, 4) + '0002' + '0001' + '6e' + '0001' + '0001' + '64' + '0000' + '0001' + '73');
  });
});

describe('what the encoder refuses', () => {
  const update = fromHex(EndOfRibIpv4);
  it.each([
    ['a NOTIFICATION as a Route Monitoring PDU', () => encodeRouteMonitoring({ peer: v4Peer, update: fromHex(Cease2) })],
    ['a PDU whose Length is not its size', () => encodeRouteMonitoring({ peer: v4Peer, update: update.subarray(0, 22) })],
    ['a peer AS past 32 bits', () => encodeRouteMonitoring({ peer: { ...v4Peer, peerAsn: 2 ** 32 }, update })],
    ['a peer address that is not one', () => encodeRouteMonitoring({ peer: { ...v4Peer, peerAddress: 'router' }, update })],
    ['a negative timestamp', () => encodeRouteMonitoring({ peer: { ...v4Peer, timestampUs: -1 }, update })],
    ['a distinguisher of 4 octets', () => encodeRouteMonitoring({ peer: { ...v4Peer, distinguisher: new Uint8Array(4) }, update })],
    ['Peer Down reason 6', () => encodePeerDown({ peer: v4Peer, reason: 6 } as never)],
    ['Peer Down reason 1 with an UPDATE', () => encodePeerDown({ peer: v4Peer, reason: 1, notification: update })],
    ['Peer Up with an UPDATE for an OPEN', () => encodePeerUp({ peer: v4Peer, localAddress: '192.0.2.2', localPort: 1, remotePort: 2, sentOpen: update, receivedOpen: update })],
    ['a port past 65535', () => encodePeerUp({ peer: v4Peer, localAddress: '192.0.2.2', localPort: 70000, remotePort: 2, sentOpen: update, receivedOpen: update })],
    ['a TLV past 65535 octets', () => encodeInitiation({ sysName: 'x'.repeat(70000), sysDescr: '' })],
  ])('%s', (_what, encode) => {
    expect(encode).toThrow(EncodeError);
  });
});
