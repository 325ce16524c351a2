// The wire tap's events as audit records: UPDATEs to one peer under one (epoch, revision) and cause
// share a record, each attribute set listed once, prefixes in the order sent, withdraws before the
// announces of the same UPDATE; a record holds at most maxRoutes routes; a session transition
// closes the peer's open record and becomes a session record with the NOTIFICATION's code; a tap
// overflow becomes one gap record per node; every record matches the contract.

import { describe, expect, it } from 'vitest';
import { auditRecordSchema, decodeAuditRecord, encodeAuditRecord, routeCount, type RoutesRecord } from '../../../events/audit-records.ts';
import { auditRecords } from '../../../speaker/audit/audit-batch.ts';
import type { PathAttributes, UpdateMessage } from '../../../speaker/codec/types.ts';
import type { SessionDownEvent, SessionUpEvent, TapPeer, UpdateSentEvent, WireEvent } from '../../../speaker/tap/wire-events.ts';

const peer: TapPeer = { node: 'worker1', instance: 'default', name: 'tor', peerAddress: '127.5.5.5', localAsn: 64000, routerId: '127.0.1.1' };
const T0 = Date.parse('2026-01-02T03:12:00.000Z');
let seq = 0;

const attrs = (community: number): PathAttributes => ({ origin: 'igp', asPath: [{ type: 'sequence', asns: [64000] }], nextHop: '127.0.1.1', communities: [community] });

function update(o: { announce?: string[]; withdraw?: string[]; attributes?: PathAttributes; revision?: number; epoch?: string; cause?: UpdateSentEvent['cause']; at?: number; p?: TapPeer; session?: number }): UpdateSentEvent {
  const message: UpdateMessage = {
    type: 'update',
    withdrawn: (o.withdraw ?? []).map((prefix) => ({ prefix })),
    attributes: o.announce?.length ? (o.attributes ?? attrs(1)) : {},
    nlri: (o.announce ?? []).map((prefix) => ({ prefix })),
  };
  return {
    kind: 'update',
    seq: ++seq,
    at: o.at ?? T0,
    peer: o.p ?? peer,
    session: o.session ?? 1,
    revision: o.revision ?? 7,
    epoch: o.epoch ?? 'e1',
    cause: o.cause ?? 'change',
    family: '1/1',
    update: { bytes: new Uint8Array(0), message },
    endOfRib: false,
  };
}

const notification = { bytes: new Uint8Array(0), message: { type: 'notification' as const, code: 6, subcode: 2, data: new Uint8Array(0) }, direction: 'received' as const };
const down: SessionDownEvent = { kind: 'down', seq: 0, at: T0 + 5000, peer, session: 1, cause: { by: 'remote', reason: 'notification' }, notification };

describe('auditRecords', () => {
  it('puts the UPDATEs of one peer, revision and cause in one record, each attribute set once', () => {
    const events: WireEvent[] = [
      update({ announce: ['172.20.0.10/32', '172.20.0.20/32'], attributes: attrs(1) }),
      update({ announce: ['172.20.0.30/32'], attributes: attrs(2), at: T0 + 10 }),
      update({ announce: ['172.20.0.40/32'], attributes: attrs(1), at: T0 + 20 }),
      update({ withdraw: ['172.20.0.50/32'], at: T0 + 30 }),
    ];
    const [r, ...rest] = auditRecords(events, { nodes: ['worker1'] }) as RoutesRecord[];
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ kind: 'routes', node: 'worker1', peer: '127.5.5.5', epoch: 'e1', revision: 7, cause: 'change', at: '2026-01-02T03:12:00.000Z', until: '2026-01-02T03:12:00.030Z' });
    expect(r!.attributes).toEqual([attrs(1), attrs(2)]);
    expect(r!.entries).toEqual([
      { family: '1/1', attributes: 0, prefixes: ['172.20.0.10/32', '172.20.0.20/32'] },
      { family: '1/1', attributes: 1, prefixes: ['172.20.0.30/32'] },
      { family: '1/1', attributes: 0, prefixes: ['172.20.0.40/32'] },
      { family: '1/1', attributes: null, prefixes: ['172.20.0.50/32'] },
    ]);
    expect(auditRecordSchema.parse(r)).toEqual(r);
  });

  it('starts a new record when the revision, the epoch, the cause or the peer session changes', () => {
    const records = auditRecords(
      [
        update({ announce: ['10.0.0.1/32'], revision: 7 }),
        update({ announce: ['10.0.0.2/32'], revision: 8 }),
        update({ announce: ['10.0.0.3/32'], revision: 8, epoch: 'e2' }),
        update({ announce: ['10.0.0.4/32'], revision: 8, epoch: 'e2', cause: 'refresh' }),
        update({ announce: ['10.0.0.5/32'], revision: 8, epoch: 'e2', cause: 'refresh', session: 2 }),
      ],
      { nodes: ['worker1'] },
    ) as RoutesRecord[];
    expect(records.map((r) => [r.epoch, r.revision, r.cause, r.session, r.entries[0]!.prefixes[0]])).toEqual([
      ['e1', 7, 'change', 1, '10.0.0.1/32'],
      ['e1', 8, 'change', 1, '10.0.0.2/32'],
      ['e2', 8, 'change', 1, '10.0.0.3/32'],
      ['e2', 8, 'refresh', 1, '10.0.0.4/32'],
      ['e2', 8, 'refresh', 2, '10.0.0.5/32'],
    ]);
  });

  it('withdraws come before the announces of the same UPDATE', () => {
    const [r] = auditRecords([update({ withdraw: ['10.0.0.9/32'], announce: ['10.0.0.1/32'] })], { nodes: [] }) as RoutesRecord[];
    expect(r!.entries.map((e) => e.attributes)).toEqual([null, 0]);
  });

  it('splits a large table into records of maxRoutes routes, every route once, in order', () => {
    const prefixes = Array.from({ length: 2500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const events = Array.from({ length: 25 }, (_, k) => update({ announce: prefixes.slice(k * 100, k * 100 + 100), cause: 'initial' }));
    const records = auditRecords(events, { nodes: [], maxRoutes: 1000 }) as RoutesRecord[];
    expect(records.map(routeCount)).toEqual([1000, 1000, 500]);
    expect(records.flatMap((r) => r.entries.flatMap((e) => e.prefixes))).toEqual(prefixes);
  });

  it('closes the open record at a session transition and reports it with the NOTIFICATION', () => {
    const upEvent = { kind: 'up', seq: ++seq, at: T0, peer, session: 1, receivedOpen: { bytes: new Uint8Array(0), message: { asn: 65000 } } } as unknown as SessionUpEvent;
    const records = auditRecords([upEvent, update({ announce: ['10.0.0.1/32'] }), { ...down, seq: ++seq }, update({ announce: ['10.0.0.2/32'], session: 2 })], { nodes: ['worker1'] });
    expect(records.map((r) => r.kind)).toEqual(['session', 'routes', 'session', 'routes']);
    expect(records[0]).toMatchObject({ state: 'up', peerAsn: 65000, localAsn: 64000 });
    expect(records[2]).toEqual({
      schema: 'bgpcast.audit/v1', kind: 'session', node: 'worker1', instance: 'default', peer: '127.5.5.5', peerName: 'tor', session: 1,
      state: 'down', at: '2026-01-02T03:12:05.000Z', localAsn: 64000, reason: { by: 'remote', reason: 'notification' }, notification: { direction: 'received', code: 6, subcode: 2 },
    });
    for (const r of records) expect(auditRecordSchema.safeParse(r).success).toBe(true);
  });

  it('reports a tap overflow as a gap record for every node, the routes lost unknown', () => {
    const records = auditRecords([{ kind: 'gap', seq: ++seq, at: T0, lost: 42 }], { nodes: ['worker1', 'worker2'] });
    expect(records).toEqual(['worker1', 'worker2'].map((node) => ({
      schema: 'bgpcast.audit/v1', kind: 'gap', node, from: '2026-01-02T03:12:00.000Z', to: '2026-01-02T03:12:00.000Z', routes: null, sessions: null, messages: 42, reason: 'tap-overflow',
    })));
  });

  it('leaves End-of-RIB markers out', () => {
    expect(auditRecords([{ ...update({}), endOfRib: true }], { nodes: [] })).toEqual([]);
  });
});

describe('the record contract', () => {
  it('decodes what it encodes, and names the field of a record that is not one', () => {
    const [r] = auditRecords([update({ announce: ['10.0.0.1/32'] })], { nodes: [] });
    expect(decodeAuditRecord(encodeAuditRecord(r!))).toEqual(r);
    expect(() => decodeAuditRecord('{"schema":"bgpcast.audit/v1","kind":"routes"}')).toThrow(/node/);
    expect(() => decodeAuditRecord('not json')).toThrow(/not JSON/);
    expect(() => decodeAuditRecord(null)).toThrow(/empty/);
  });
});
