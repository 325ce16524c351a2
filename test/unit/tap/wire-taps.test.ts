// The wire tap's hub: nothing is built while no consumer listens, events reach consumers later and
// in order, a bounded queue that overflows leaves a gap event instead of a silent loss, and the
// sessions Established are known to a consumer that starts late.

import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../speaker/tap/wire-events.ts';
import { WireTaps } from '../../../speaker/tap/wire-taps.ts';
import { negotiatedContext } from '../../support/speaker.ts';

function manual() {
  const pending: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void pending.push(run),
    run: () => {
      for (let f = pending.shift(); f; f = pending.shift()) f();
    },
    get pending() {
      return pending.length;
    },
  };
}

const peer = { node: 'worker1', instance: 'default', name: 'router', peerAddress: '192.0.2.1', localAsn: 65001, routerId: '192.0.2.2' };
const openMsg = { type: 'open' as const, version: 4, asn: 65000, myAs: 65000, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] };
const upFields = (session: number) => ({
  peer,
  session,
  local: { address: '192.0.2.2', port: 40000 },
  remote: { address: '192.0.2.1', port: 179 },
  sentOpen: { bytes: new Uint8Array(29), message: openMsg },
  receivedOpen: { bytes: new Uint8Array(29), message: openMsg },
  negotiated: negotiatedContext([1]),
});
const update = (session: number, size = 23) => ({
  peer,
  session,
  revision: 7,
  cause: 'change' as const,
  family: '1/1' as const,
  update: { bytes: new Uint8Array(size), message: { type: 'update' as const, withdrawn: [], attributes: {}, nlri: [] } },
  endOfRib: false,
});

function recording(taps: WireTaps) {
  const batches: WireEvent[][] = [];
  const detach = taps.attach({ deliver: (b) => void batches.push([...b]) });
  return { batches, events: () => batches.flat(), detach };
}

describe('WireTaps', () => {
  it('builds and queues nothing while no consumer is attached, and still knows the Established sessions', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule });
    expect(taps.active).toBe(false);
    taps.sessionUp(upFields(1), () => []);
    taps.updateSent(update(1));
    expect(s.pending).toBe(0);
    expect(taps.established().sessions.map((x) => x.up.session)).toEqual([1]);
    taps.sessionDown({ peer, session: 1, cause: { by: 'remote', reason: 'connection-closed' }, notification: null });
    expect(taps.established().sessions).toEqual([]);
  });

  it('delivers after the call returns, in order, in one batch per turn, with increasing seq', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule, now: () => 1000 });
    const r = recording(taps);
    taps.sessionUp(upFields(1), () => []);
    taps.updateSent(update(1));
    taps.sessionDown({ peer, session: 1, cause: { by: 'local', reason: 'stopped' }, notification: null });
    expect(r.batches).toEqual([]);
    s.run();
    expect(r.batches.length).toBe(1);
    expect(r.events().map((e) => e.kind)).toEqual(['up', 'update', 'down']);
    expect(r.events().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(r.events().every((e) => e.at === 1000)).toBe(true);
  });

  it('reports a down only for a session it saw come up', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule });
    const r = recording(taps);
    taps.sessionDown({ peer, session: 9, cause: { by: 'local', reason: 'stopped' }, notification: null });
    s.run();
    expect(r.events()).toEqual([]);
  });

  it('past its bound, drops what is queued and says so with a gap event; what follows is delivered', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule, maxQueued: 3 });
    const r = recording(taps);
    for (let i = 0; i < 5; i++) taps.updateSent(update(1));
    s.run();
    const events = r.events();
    expect(events.map((e) => e.kind)).toEqual(['gap', 'update', 'update']);
    expect(events[0]).toMatchObject({ kind: 'gap', lost: 3 });
  });

  it('counts octets too, and a second overflow adds to the first gap', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule, maxQueuedBytes: 100 });
    const r = recording(taps);
    for (let i = 0; i < 9; i++) taps.updateSent(update(1, 40));
    s.run();
    expect(r.events().map((e) => (e.kind === 'gap' ? `gap ${e.lost}` : e.kind))).toEqual(['gap 8', 'update']);
  });

  it('a consumer that throws does not keep the others from their events', () => {
    const s = manual();
    const errors: unknown[] = [];
    const taps = new WireTaps({ schedule: s.schedule, onError: (e) => errors.push(e) });
    taps.attach({
      deliver: () => {
        throw new Error('boom');
      },
    });
    const r = recording(taps);
    taps.updateSent(update(1));
    s.run();
    expect(errors).toHaveLength(1);
    expect(r.events()).toHaveLength(1);
  });

  it('established() gives the seq its sessions reflect; flush() resolves once delivered', async () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule });
    const r = recording(taps);
    taps.sessionUp(upFields(1), () => []);
    taps.updateSent(update(1));
    const snap = taps.established();
    expect(snap.seq).toBe(2);
    taps.updateSent(update(1));
    let flushed = false;
    const f = taps.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false);
    s.run();
    await f;
    expect(r.events().filter((e) => e.seq > snap.seq).map((e) => e.kind)).toEqual(['update']);
  });

  it('detaching stops delivery; with no consumer left the tap is inactive', () => {
    const s = manual();
    const taps = new WireTaps({ schedule: s.schedule });
    const r = recording(taps);
    r.detach();
    expect(taps.active).toBe(false);
    taps.updateSent(update(1));
    s.run();
    expect(r.events()).toEqual([]);
  });
});
