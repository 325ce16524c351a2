// The one list of exported series (events/metrics-catalogue.ts): names by Prometheus' conventions,
// and the README's table saying exactly what it says.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allSeries } from '../../../events/metrics-catalogue.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

/** The rows of the README's series table: name, type, labels, served by. */
function readmeRows(): { name: string; type: string; labels: string[]; exporter: string }[] {
  const section = readme.slice(readme.indexOf('## Metrics, health and logs'), readme.indexOf('\n## ', readme.indexOf('## Metrics, health and logs') + 1));
  const table = section.slice(section.indexOf('| series | type | labels | served by | meaning |'));
  return table
    .split('\n')
    .slice(2)
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split(' | ').map((c) => c.replace(/^\| |\|$/g, '').trim());
      return {
        name: cells[0]!.replaceAll('`', ''),
        type: cells[1]!,
        labels: cells[2] === '—' ? [] : cells[2]!.split(', ').map((x) => x.replaceAll('`', '')),
        exporter: cells[3]!,
      };
    });
}

describe('the series catalogue', () => {
  it('names every series once, in Prometheus form, with bgpcast_ or Cilium\'s prefix', () => {
    const names = allSeries.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of allSeries) {
      expect(s.name).toMatch(/^(bgpcast|cilium_bgp_control_plane)_[a-z0-9_]+$/);
      for (const l of s.labels) expect(l, s.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(new Set(s.labels).size, s.name).toBe(s.labels.length);
      expect(s.labels, `${s.name}: component is every registry's default label`).not.toContain('component');
    }
  });

  it('counters end in _total and nothing else does; durations are histograms in seconds', () => {
    for (const s of allSeries) {
      expect(s.name.endsWith('_total'), s.name).toBe(s.type === 'counter');
      if (s.type === 'histogram') expect(s.name, s.name).toMatch(/_seconds$/);
      if (/_(timestamp|age|duration|lag)_/.test(`${s.name}_`)) expect(s.name, s.name).toMatch(/_(seconds|records)$/);
    }
  });

  it('the README table lists exactly the catalogue: names, types, labels and who serves them', () => {
    const rows = readmeRows();
    expect(rows.map((r) => r.name)).toEqual(allSeries.map((s) => s.name));
    for (const [i, s] of allSeries.entries()) {
      expect(rows[i], s.name).toEqual({ name: s.name, type: s.type, labels: [...s.labels], exporter: s.exporter });
    }
  });
});
