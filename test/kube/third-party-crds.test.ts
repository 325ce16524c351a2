// The CRDs infra/kube/build.sh fetches for the Helm chart's alternatives (KEDA's ScaledObject,
// Knative Serving's Service, Eventing's KafkaSource, Strimzi's Kafka and KafkaTopic, prometheus-operator's PrometheusRule) install into
// the local API server and serve their kinds: the cached files are usable as they are.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyObjects, readManifests, waitEstablished } from '../../infra/local/kube-crds.ts';
import { kubeBinaries } from '../../infra/local/kube.ts';
import { adminConfig, kubectl } from '../support/kube.ts';

const bins = kubeBinaries();

describe.each([
  ['KEDA', bins.kedaCrds, ['scaledobjects.keda.sh', 'triggerauthentications.keda.sh']],
  ['Knative', bins.knativeCrds, ['services.serving.knative.dev', 'kafkasources.sources.knative.dev']],
  ['Strimzi', bins.strimziCrds, ['kafkas.kafka.strimzi.io', 'kafkanodepools.kafka.strimzi.io', 'kafkatopics.kafka.strimzi.io']],
  ['prometheus-operator', bins.prometheusOperatorCrds, ['prometheusrules.monitoring.coreos.com']],
] as const)("%s's CRDs", (_name, dir, wanted) => {
  it('are cached by infra/kube/build.sh', () => {
    expect(existsSync(dir), dir).toBe(true);
  });

  it('install and become Established', async () => {
    const crds = readManifests(dir);
    const names = crds.map((c) => c.metadata?.name ?? '');
    expect(names).toEqual(expect.arrayContaining([...wanted]));
    expect(crds.every((c) => c.kind === 'CustomResourceDefinition')).toBe(true);
    await applyObjects(adminConfig(), crds);
    await waitEstablished(adminConfig(), names, 60_000);
    const r = kubectl(['get', wanted.join(','), '-A']);
    expect(r.status, r.stderr).toBe(0);
  });
});
