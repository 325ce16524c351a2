// A raw TCP peer (test/support/routers/raw-peer.ts) feeds the speaker malformed and unexpected
// messages: each gets the NOTIFICATION RFC 4271 §6 / RFC 7606 / RFC 7313 / RFC 6608 name (or
// treat-as-withdraw, which keeps the session), the maximum-prefix limit gets Cease subcode 1 with
// the RFC 4486 data, and the speaker (this process) stays up throughout.
import { afterEach, describe, expect, it } from 'vitest';
import { buildOpen } from '../../speaker/codec/open.ts';
import type { NotificationMessage, UpdateMessage } from '../../speaker/codec/types.ts';
import type { Speaker } from '../../speaker/speaker.ts';
import { loopbackBlock } from '../support/routers/common.ts';
import type { RawPeer } from '../support/routers/raw-peer.ts';
import { defaultCapabilities, listenRawPeer, rawMessage } from '../support/routers/raw-peer.ts';
import { established, peer, route, startSpeaker, waitSession } from '../support/speaker.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function connected(opts: { maxPrefixes?: number } = {}): Promise<{ raw: RawPeer; speaker: Speaker }> {
  const blk = loopbackBlock();
  const listener = await listenRawPeer({ host: blk.addr(1) });
  cleanup.push(() => listener.close());
  const speaker = await startSpeaker({ localASN: 65001 });
  cleanup.push(() => speaker.stop());
  await speaker.setPeers([
    peer({
      peerAddress: blk.addr(1),
      peerPort: listener.port,
      peerASN: 65000,
      localAddress: blk.addr(2),
      ipv4: [route('10.90.0.0/24')],
      holdTime: 90,
      config: { maxPrefixes: opts.maxPrefixes ?? null },
    }),
  ]);
  const raw = await listener.accept(10_000);
  cleanup.push(() => raw.close());
  return { raw, speaker };
}

async function establishedPair(opts: { maxPrefixes?: number } = {}) {
  const { raw, speaker } = await connected(opts);
  await raw.establish({ asn: 65000, bgpId: '10.255.0.1' });
  await waitSession(speaker, 'router', established, 10_000);
  return { raw, speaker };
}

async function notification(raw: RawPeer): Promise<NotificationMessage> {
  const n = (await raw.next('notification', 5000)).message as NotificationMessage;
  await raw.waitClosed(5000);
  return n;
}

const bytes = (...b: number[]) => new Uint8Array(b);
const update = (prefixes: string[]): UpdateMessage => ({
  type: 'update',
  withdrawn: [],
  attributes: { origin: 'igp', asPath: [{ type: 'sequence', asns: [65000] }], nextHop: '10.0.0.1' },
  nlri: prefixes.map((prefix) => ({ prefix })),
});

describe('malformed input from a peer', () => {
  const header: [string, Uint8Array, number, number][] = [
    ['a bad marker', rawMessage(4, new Uint8Array(0), { marker: new Uint8Array(16).fill(0xfe) }), 1, 1],
    ['a length above 4096 without extended messages', rawMessage(2, new Uint8Array(5000 - 19)), 1, 2],
    ['an unknown message type', rawMessage(9), 1, 3],
    ['a KEEPALIVE with a body', rawMessage(4, bytes(0)), 1, 2],
  ];
  for (const [what, msg, code, subcode] of header) {
    it(`${what}: Message Header Error ${code}/${subcode}`, async () => {
      const { raw, speaker } = await establishedPair();
      await raw.sendRaw(msg);
      expect(await notification(raw)).toMatchObject({ code, subcode });
      const s = speaker.session('router')!.status();
      expect(s.lastError).toMatchObject({ code, subcode, direction: 'sent' });
    });
  }

  it('an OPEN from the wrong AS: Bad Peer AS 2/2', async () => {
    const { raw } = await connected();
    await raw.send(buildOpen({ asn: 65999, holdTime: 90, bgpId: '10.255.0.1', capabilities: defaultCapabilities(65999) }));
    expect(await notification(raw)).toMatchObject({ code: 2, subcode: 2 });
  });

  it('an OPEN with hold time 1: Unacceptable Hold Time 2/6', async () => {
    const { raw } = await connected();
    await raw.send(buildOpen({ asn: 65000, holdTime: 1, bgpId: '10.255.0.1', capabilities: defaultCapabilities(65000) }));
    expect(await notification(raw)).toMatchObject({ code: 2, subcode: 6 });
  });

  it('a second OPEN in Established: FSM Error 5/3 (RFC 6608)', async () => {
    const { raw } = await establishedPair();
    await raw.send(buildOpen({ asn: 65000, holdTime: 90, bgpId: '10.255.0.1', capabilities: defaultCapabilities(65000) }));
    expect(await notification(raw)).toMatchObject({ code: 5, subcode: 3 });
  });

  it('an UPDATE whose Withdrawn Routes Length overruns it: Malformed Attribute List 3/1', async () => {
    const { raw } = await establishedPair();
    await raw.sendRaw(rawMessage(2, bytes(0xff, 0xff, 0, 0)));
    expect(await notification(raw)).toMatchObject({ code: 3, subcode: 1 });
  });

  it('a ROUTE-REFRESH of the wrong length: 7/1 (RFC 7313 §5)', async () => {
    const { raw } = await establishedPair();
    await raw.sendRaw(rawMessage(5, bytes(0, 1, 0, 1, 0)));
    expect(await notification(raw)).toMatchObject({ code: 7, subcode: 1 });
  });

  it('an invalid ORIGIN is treat-as-withdraw (RFC 7606 §7.1): the route goes, the session stays', async () => {
    const { raw, speaker } = await establishedPair();
    await raw.send(update(['10.1.2.0/24', '10.1.3.0/24']));
    await waitSession(speaker, 'router', (s) => s.prefixes.received['1/1'] === 2, 5000, 'two routes received');
    // ORIGIN 5, AS_PATH [65000], NEXT_HOP 10.0.0.1, NLRI 10.1.2.0/24.
    const attrs = [0x40, 1, 1, 5, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8, 0x40, 3, 4, 10, 0, 0, 1];
    await raw.sendRaw(rawMessage(2, bytes(0, 0, 0, attrs.length, ...attrs, 24, 10, 1, 2)));
    const s = await waitSession(speaker, 'router', (x) => x.prefixes.received['1/1'] === 1, 5000, 'route withdrawn');
    expect(s.state).toBe('Established');
    expect(raw.frames.some((f) => f.message?.type === 'notification')).toBe(false);
    expect([...speaker.session('router')!.adjRibIn.routes('1/1').keys()]).toEqual(['10.1.3.0/24']);
  });

  it('past the maximum-prefix limit: Cease 6/1 with AFI, SAFI and the limit (RFC 4486 §4)', async () => {
    const { raw } = await establishedPair({ maxPrefixes: 2 });
    await raw.send(update(['10.2.0.0/24', '10.2.1.0/24', '10.2.2.0/24']));
    const n = await notification(raw);
    expect(n).toMatchObject({ code: 6, subcode: 1 });
    expect([...n.data]).toEqual([0, 1, 1, 0, 0, 0, 2]);
  });

  // 64 octets of 0xff: a valid marker, then a Length of 65535, above 4096 (RFC 4271 §6.1).
  const garbage = new Uint8Array(64).fill(0xff);
  const phases: [string, (raw: RawPeer) => Promise<unknown>][] = [
    ['OpenSent (before the peer\'s OPEN)', (raw) => raw.next('open', 5000)],
    ['OpenConfirm (after the peer\'s OPEN)', async (raw) => {
      await raw.send(buildOpen({ asn: 65000, holdTime: 90, bgpId: '10.255.0.1', capabilities: defaultCapabilities(65000) }));
      await raw.next('keepalive', 5000);
    }],
    ['Established', (raw) => raw.establish({ asn: 65000, bgpId: '10.255.0.1' })],
  ];
  for (const [phase, reach] of phases) {
    it(`garbage in ${phase}: Message Header Error 1/2, and the speaker stays up`, async () => {
      const { raw, speaker } = await connected();
      await reach(raw);
      await raw.sendRaw(garbage);
      expect(await notification(raw)).toMatchObject({ code: 1, subcode: 2 });
      const s = await waitSession(speaker, 'router', (x) => x.lastError !== null, 5000);
      expect(s.lastError).toMatchObject({ code: 1, subcode: 2, direction: 'sent' });
    });
  }
});
