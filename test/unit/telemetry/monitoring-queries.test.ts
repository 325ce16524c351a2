// The Grafana dashboard and the alert rules (infra/kubernetes/bgpcast/files/) ask only for series bgpcast exports:
// every query is parsed with Prometheus' own PromQL grammar and the metric names it selects are
// looked up in the catalogue. Every alert has a promtool case that fires and one that must not.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { allSeries, queryableNames, Series } from '../../../events/metrics-catalogue.ts';

const dir = resolve(import.meta.dirname, '../../../infra/kubernetes/bgpcast/files');
const exported = new Set(allSeries.flatMap(queryableNames));

/** The metric names a PromQL expression selects; throws on a syntax error. */
function selectedMetrics(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(n.from);
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.push(expr.slice(n.from, n.to));
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in: ${expr}`);
  return names;
}

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(resolve(dir, 'bgpcast-dashboard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

interface Rule {
  alert: string;
  expr: string;
}
const rules = (parseYaml(readFileSync(resolve(dir, 'bgpcast-rules.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const ruleTests = parseYaml(readFileSync(resolve(dir, 'bgpcast-rules.test.yaml'), 'utf8')) as {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
};

describe('the query checker', () => {
  it('finds the selected metrics, not functions or labels, and refuses broken PromQL', () => {
    expect(selectedMetrics('histogram_quantile(0.9, sum by (le) (rate(a_bucket{node=~"$node"}[5m]))) / on (x) b - time()')).toEqual(['a_bucket', 'b']);
    expect(() => selectedMetrics('sum(rate(a[5m])')).toThrow(/syntax error/);
  });
});

describe('the Grafana dashboard', () => {
  it('has panels, each with at least one query', () => {
    expect(panels.length).toBeGreaterThan(10);
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it.each(panels.map((p) => [p.title, p] as const))('panel "%s" queries only series bgpcast exports', (_, p) => {
    for (const t of p.targets!) {
      const names = selectedMetrics(t.expr);
      expect(names.length, t.expr).toBeGreaterThan(0);
      for (const n of names) expect(exported, `${n} in ${t.expr}`).toContain(n);
    }
  });

  it('its node variable lists the nodes of a series bgpcast exports', () => {
    const node = dashboard.templating.list.find((v) => v.name === 'node')!;
    const m = /^label_values\(([a-z_:][a-z0-9_:]*),\s*node\)$/.exec(node.definition ?? '');
    expect(m && exported.has(m[1]!)).toBe(true);
  });

  it('shows sessions, routes per peer, both latencies and the consumer lag', () => {
    const used = new Set(panels.flatMap((p) => p.targets!.flatMap((t) => selectedMetrics(t.expr))));
    for (const s of [Series.sessionState, Series.advertisedRoutes, Series.receivedRoutes, Series.consumerLag]) expect(used).toContain(s.name);
    for (const s of [Series.eventToDesired, Series.desiredToUpdate]) expect(used).toContain(`${s.name}_bucket`);
  });
});

describe('the alert rules', () => {
  it.each(rules.map((r) => [r.alert, r] as const))('%s asks only for series bgpcast exports', (_, r) => {
    const names = selectedMetrics(r.expr);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(exported, n).toContain(n);
  });

  it('cover what must page: session down, stale speaker, growing lag, stuck recomputations, revision behind, NOTIFICATIONs', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'BgpcastBgpSessionDown',
        'BgpcastSpeakerStale',
        'BgpcastConsumerLagGrowing',
        'BgpcastPendingRecomputationsStuck',
        'BgpcastAppliedRevisionBehind',
        'BgpcastNotificationReceived',
      ]),
    );
  });

  it.each(rules.map((r) => [r.alert] as const))('%s has a promtool case that fires and one that stays quiet', (alert) => {
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test).filter((c) => c.alertname === alert);
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });
});
