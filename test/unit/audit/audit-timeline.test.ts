// `audit prefix`'s pure part: the arguments (a prefix or a time that cannot be read is a usage
// error naming the expected form), and the timeline: one prefix's announces and withdraws, oldest
// first, narrowed by node, peer and time, each with the causes of its revision — a change row those
// of its own revision, a table sent at session start those of every revision since the prefix's
// previous row to that peer.

import { describe, expect, it } from 'vitest';
import type { AuditRecord, RoutesRecord } from '../../../events/audit-records.ts';
import type { Cause, CausesEntry } from '../../../events/causes.ts';
import { causesEntryFields, parseCausesEntry } from '../../../events/causes.ts';
import { formatTimeline, gapsIn, parseAuditPrefix, parseAuditTime, timeline } from '../../../bin/views/audit-timeline.ts';
import { auditQuery } from '../../../bin/commands/audit-prefix.ts';
import { CliError } from '../../../bin/cli-error.ts';

const attrs = { origin: 'igp', asPath: [{ type: 'sequence', asns: [64000] }], nextHop: '127.0.1.1', communities: [(65000 << 16) | 99] };

function routes(o: { node?: string; peer?: string; revision: number; cause?: RoutesRecord['cause']; at: string; announce?: string[]; withdraw?: string[] }): RoutesRecord {
  const entries: RoutesRecord['entries'] = [];
  if (o.withdraw) entries.push({ family: '1/1', attributes: null, prefixes: o.withdraw });
  if (o.announce) entries.push({ family: '1/1', attributes: 0, prefixes: o.announce });
  return {
    schema: 'bgpcast.audit/v1', kind: 'routes', node: o.node ?? 'worker1', instance: 'default', peer: o.peer ?? '127.5.5.5', peerName: 'tor', session: 1,
    epoch: 'e1', revision: o.revision, cause: o.cause ?? 'change', at: o.at, until: o.at, attributes: [attrs], entries,
  };
}

const cause = (key: string, offset: number): Cause => ({ key, type: 'modified', resourceVersion: String(offset), uid: null, source: 'file', observedAt: '2026-01-02T03:00:00.000Z', partition: 0, offset: String(offset) });
const entry = (revision: number, causes: Cause[]): CausesEntry => ({ epoch: 'e1', revision, positions: { '0': String(revision) }, causes, omitted: 0 });

describe('parsing the arguments', () => {
  it('reads prefixes in canonical form and refuses what is not one, naming the form', () => {
    expect(parseAuditPrefix('172.20.0.10/32')).toBe('172.20.0.10/32');
    expect(parseAuditPrefix('2001:DB8:0::/64')).toBe('2001:db8::/64');
    for (const bad of ['172.20.0.10', '172.20.0.300/32', '10.0.0.0/33', 'web']) {
      expect(() => parseAuditPrefix(bad)).toThrow(/expected ADDRESS\/LENGTH/);
      try {
        parseAuditPrefix(bad);
      } catch (e) {
        expect((e as CliError).exitCode).toBe(2);
      }
    }
  });

  it('reads RFC 3339 times and durations ago, and refuses the rest', () => {
    const now = Date.parse('2026-01-02T04:00:00Z');
    expect(parseAuditTime('--since', '2026-01-02T03:12:00Z', now)).toBe(Date.parse('2026-01-02T03:12:00Z'));
    expect(parseAuditTime('--since', '2026-01-02T03:12:00.5+01:00', now)).toBe(Date.parse('2026-01-02T02:12:00.500Z'));
    expect(parseAuditTime('--since', '2026-01-02', now)).toBe(Date.parse('2026-01-02T00:00:00Z'));
    expect(parseAuditTime('--since', '15m', now)).toBe(now - 15 * 60_000);
    expect(parseAuditTime('--since', '1d', now)).toBe(now - 86_400_000);
    for (const bad of ['yesterday', '15 minutes', '2026-13-45', '03:12']) expect(() => parseAuditTime('--until', bad, now)).toThrow(/--until: not a time.*expected RFC 3339/);
  });

  it('checks the output, the peer and the order of --since and --until', () => {
    expect(auditQuery('172.20.0.10/32', { output: 'json', peer: '127.5.5.5', node: 'worker1' }, 0)).toEqual({
      query: { prefix: '172.20.0.10/32', node: 'worker1', peer: '127.5.5.5' },
      output: 'json',
    });
    expect(() => auditQuery('172.20.0.10/32', { output: 'yaml' }, 0)).toThrow(/-o: expected text or json/);
    expect(() => auditQuery('172.20.0.10/32', { output: 'text', peer: 'router' }, 0)).toThrow(/--peer: not an IP address/);
    expect(() => auditQuery('172.20.0.10/32', { output: 'text', since: '2026-01-02', until: '2026-01-01' }, 0)).toThrow(/--since is after --until/);
  });
});

describe('timeline', () => {
  const records: AuditRecord[] = [
    routes({ revision: 3, cause: 'initial', at: '2026-01-02T03:00:01.000Z', announce: ['172.20.0.10/32', '10.0.0.0/24'] }),
    routes({ node: 'worker2', revision: 2, cause: 'initial', at: '2026-01-02T03:00:02.000Z', announce: ['172.20.0.10/32'] }),
    routes({ revision: 5, at: '2026-01-02T03:12:00.000Z', withdraw: ['172.20.0.10/32'], announce: ['172.20.0.11/32'] }),
    routes({ revision: 5, peer: '127.6.6.6', at: '2026-01-02T03:12:00.100Z', withdraw: ['172.20.0.10/32'] }),
    { schema: 'bgpcast.audit/v1', kind: 'gap', node: 'worker2', from: '2026-01-02T03:05:00.000Z', to: '2026-01-02T03:06:00.000Z', routes: 7, sessions: 0, messages: 1, reason: 'buffer-overflow' },
  ];
  const causes = new Map([
    ['worker1', [entry(1, [cause('Service/default/web', 10)]), entry(2, [cause('CiliumBGPAdvertisement/lb', 11)]), entry(3, [cause('RouterIDAllocation/x', 12)]), entry(4, [cause('Node/worker1', 13)]), entry(5, [cause('Service/default/web', 20)])]],
    ['worker2', [entry(1, [cause('Service/default/web', 10)]), entry(2, [cause('Service/default/web', 10)])]],
  ]);

  it('lists one prefix oldest first, a change with its revision\'s causes, a table sent at start with every revision\'s before it', () => {
    const rows = timeline(records, causes, { prefix: '172.20.0.10/32' });
    expect(rows.map((r) => [r.time, r.node, r.peer, r.action, r.revision])).toEqual([
      ['2026-01-02T03:00:01.000Z', 'worker1', '127.5.5.5', 'announce', 3],
      ['2026-01-02T03:00:02.000Z', 'worker2', '127.5.5.5', 'announce', 2],
      ['2026-01-02T03:12:00.000Z', 'worker1', '127.5.5.5', 'withdraw', 5],
      ['2026-01-02T03:12:00.100Z', 'worker1', '127.6.6.6', 'withdraw', 5],
    ]);
    expect(rows[0]!.causes.map((c) => c.key)).toEqual(['Service/default/web', 'CiliumBGPAdvertisement/lb', 'RouterIDAllocation/x']);
    expect(rows[1]!.causes.map((c) => c.key)).toEqual(['Service/default/web']); // one event, named once
    expect(rows[2]!.causes).toEqual([{ key: 'Service/default/web', type: 'modified', source: 'file', resourceVersion: '20', partition: 0, offset: '20', observedAt: '2026-01-02T03:00:00.000Z' }]);
    expect(rows[0]!.attributes).toEqual(attrs);
    expect(rows[2]!.attributes).toBeNull();
  });

  it('narrows by node, peer and time; a prefix never sent has no row', () => {
    expect(timeline(records, causes, { prefix: '172.20.0.10/32', node: 'worker2' }).map((r) => r.node)).toEqual(['worker2']);
    expect(timeline(records, causes, { prefix: '172.20.0.10/32', peer: '127.6.6.6' }).map((r) => r.action)).toEqual(['withdraw']);
    expect(timeline(records, causes, { prefix: '172.20.0.10/32', since: Date.parse('2026-01-02T03:10:00Z'), until: Date.parse('2026-01-02T03:12:00Z') })).toHaveLength(1);
    expect(timeline(records, causes, { prefix: '10.9.9.0/24' })).toEqual([]);
  });

  it('a revision without a causes entry (the stream was trimmed) has none', () => {
    expect(timeline(records, new Map(), { prefix: '172.20.0.11/32' })[0]!.causes).toEqual([]);
  });

  it('reports the gaps a timeline may fall in', () => {
    expect(gapsIn(records, { node: 'worker2' })).toEqual([{ node: 'worker2', from: '2026-01-02T03:05:00.000Z', to: '2026-01-02T03:06:00.000Z', routes: 7, reason: 'buffer-overflow' }]);
    expect(gapsIn(records, { since: Date.parse('2026-01-02T03:07:00Z') })).toEqual([]);
  });

  it('prints a table with the causes under each row', () => {
    const text = formatTimeline(timeline(records, causes, { prefix: '172.20.0.11/32' }));
    expect(text.split('\n')).toEqual([
      'Time                      Node     Peer       Action    Revision  Attributes',
      '2026-01-02T03:12:00.000Z  worker1  127.5.5.5  announce  5         origin igp, as-path 64000, next-hop 127.0.1.1, communities 65000:99',
      '    caused by modified Service/default/web rv=20 (file, 2026-01-02T03:00:00.000Z, 0:20)',
      '',
    ]);
    expect(formatTimeline([])).toBe('');
  });
});

describe('the causes entry', () => {
  it('reads back what is written, the list cut to its bound with the rest counted', () => {
    const many = Array.from({ length: 205 }, (_, i) => cause(`Service/default/s${i}`, i));
    const back = parseCausesEntry(causesEntryFields({ epoch: 'e1', revision: 9, positions: { '0': '204' }, causes: many }));
    expect(back).toMatchObject({ epoch: 'e1', revision: 9, positions: { '0': '204' }, omitted: 5 });
    expect(back!.causes).toEqual(many.slice(0, 200));
    expect(parseCausesEntry(['epoch', 'e1', 'revision', 'x', 'causes', '[]'])).toBeNull();
    expect(parseCausesEntry(['epoch', 'e1', 'revision', '1', 'causes', '{'])).toBeNull();
  });
});
