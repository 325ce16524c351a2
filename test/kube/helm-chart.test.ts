// The Helm chart (infra/kubernetes/bgpcast/) as a cluster takes it: `helm lint`, `helm template` with
// the default values and each alternative (Knative, Strimzi, CRDs off, external Redis), and every
// rendered object — CRDs first, with KEDA's, Knative's, Strimzi's and prometheus-operator's CRDs
// installed — accepted by the real API server, as a server-side dry-run and then for real; and the
// README's helm install, upgrade and uninstall against it.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { applyObjects, readManifests, waitEstablished } from '../../infra/local/kube-crds.ts';
import { kubeBinaries } from '../../infra/local/kube.ts';
import { adminConfig, kubectl } from '../support/kube.ts';
import { CHART_DIR, ensureNamespace, helm, kubectlApply, renderChart, sets, type Manifest } from './chart-support.ts';

const BROKERS = { 'kafka.brokers': 'kafka-0.kafka.example:9092,kafka-1.kafka.example:9092' };

/** Each way to install the chart: its release, namespace and `helm template` arguments. */
const variants = {
  default: ['--include-crds', ...sets(BROKERS)],
  knative: ['--include-crds', ...sets({ ...BROKERS, 'functions.mode': 'knative' })],
  strimzi: ['--include-crds', ...sets({ 'kafka.strimzi.enabled': true, 'monitoring.prometheusRule': true })],
  'crds-off': sets(BROKERS),
  'external-redis': ['--include-crds', ...sets({ ...BROKERS, 'redis.url': 'redis://redis.example:6379/2' })],
} as const;
type Variant = keyof typeof variants;

const rendered = (variant: Variant) => renderChart(`bgpcast-${variant}`, `chart-${variant}`, [...variants[variant]]);
const kinds = (objects: readonly Manifest[]) => objects.map((o) => o.kind).sort();
const find = (objects: readonly Manifest[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
type PodSpec = { hostNetwork?: boolean; serviceAccountName?: string; automountServiceAccountToken?: boolean; terminationGracePeriodSeconds?: number; tolerations?: unknown[]; containers: { args: string[]; env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]; securityContext: { capabilities: { add?: string[]; drop: string[] } }; readinessProbe: { httpGet: { path: string } }; livenessProbe?: { httpGet: { path: string } } }[] };
const podSpec = (o: Manifest | undefined) => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

beforeAll(async () => {
  // The CRDs the chart's alternatives refer to (bgpcast's own are installed by the test setup).
  const b = kubeBinaries();
  const crds = [b.kedaCrds, b.knativeCrds, b.strimziCrds, b.prometheusOperatorCrds].flatMap((dir) => readManifests(dir));
  await applyObjects(adminConfig(), crds);
  await waitEstablished(adminConfig(), crds.map((c) => c.metadata!.name!), 60_000);
}, 120_000);

describe('helm lint and helm template', () => {
  it('helm lint passes, with the default values and with the alternatives', () => {
    for (const args of [sets(BROKERS), ...Object.values(variants)]) {
      const r = helm(['lint', CHART_DIR, '--strict', ...args.filter((a) => a !== '--include-crds')]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });

  it('the default values: watcher, status writer, functions under a KEDA ScaledObject, speaker DaemonSet, Redis, PDBs, RBAC, dashboard', () => {
    const objects = rendered('default');
    expect(kinds(objects)).toEqual(
      [
        ...Array(5).fill('CustomResourceDefinition'),
        ...Array(2).fill('ClusterRole'), ...Array(2).fill('ClusterRoleBinding'), 'ConfigMap', 'DaemonSet',
        ...Array(3).fill('Deployment'), ...Array(3).fill('PodDisruptionBudget'), ...Array(3).fill('Role'), ...Array(3).fill('RoleBinding'),
        'ScaledObject', 'Service', ...Array(4).fill('ServiceAccount'), 'StatefulSet',
      ].sort(),
    );
    const scaled = find(objects, 'ScaledObject', 'bgpcast-default-functions') as unknown as { spec: { scaleTargetRef: { name: string }; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string> }[] } };
    expect(scaled.spec.scaleTargetRef.name).toBe('bgpcast-default-functions');
    expect(find(objects, 'Deployment', 'bgpcast-default-functions')).toBeDefined();
    expect(scaled.spec.maxReplicaCount).toBe(6);
    expect(scaled.spec.triggers[0]).toMatchObject({ type: 'kafka', metadata: { consumerGroup: 'bgpcast-functions', topic: 'bgpcast.events', bootstrapServers: BROKERS['kafka.brokers'], allowIdleConsumers: 'false' } });

    const speaker = podSpec(find(objects, 'DaemonSet', 'bgpcast-default-speaker'));
    expect(speaker.hostNetwork).toBe(true);
    expect(speaker.automountServiceAccountToken).toBe(false);
    expect(speaker.tolerations).toEqual([{ operator: 'Exists' }]);
    const c = speaker.containers[0]!;
    expect(c.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    expect(c.args).toEqual(expect.arrayContaining(['speaker', '--node=$(NODE_NAME)', '--drain=30']));
    expect(speaker.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });

    for (const name of ['watcher', 'status-writer', 'functions']) {
      const spec = podSpec(find(objects, 'Deployment', `bgpcast-default-${name}`));
      expect(spec.containers[0]!.securityContext.capabilities).toEqual({ drop: ['ALL'] });
      expect(spec.containers[0]!.readinessProbe.httpGet.path).toBe('/readyz');
      expect(spec.containers[0]!.livenessProbe?.httpGet.path).toBe('/healthz');
    }
    expect(podSpec(find(objects, 'Deployment', 'bgpcast-default-watcher')).containers[0]!.args).toContain('--leader-elect');
    expect((find(objects, 'Deployment', 'bgpcast-default-watcher') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(2);
    const dashboard = find(objects, 'ConfigMap', 'bgpcast-default-dashboard') as unknown as { data: Record<string, string> };
    expect(JSON.parse(dashboard.data['bgpcast-dashboard.json']!).panels.length).toBeGreaterThan(0);
  });

  it('Knative: `bgpcast functions --http` as a Knative Service fed by a KafkaSource in order, no functions Deployment or ScaledObject', () => {
    const objects = rendered('knative');
    expect(kinds(objects)).not.toContain('ScaledObject');
    expect(find(objects, 'Deployment', 'bgpcast-knative-functions')).toBeUndefined();
    const ksvc = find(objects, 'Service', 'bgpcast-knative-functions') as unknown as { apiVersion: string; spec: { template: { spec: PodSpec } } };
    expect(ksvc.apiVersion).toBe('serving.knative.dev/v1');
    expect(ksvc.spec.template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['functions', '--http=8080']));
    const source = find(objects, 'KafkaSource', 'bgpcast-knative-functions') as unknown as { spec: Record<string, unknown> };
    expect(source.spec).toMatchObject({ ordering: 'ordered', topics: ['bgpcast.events'], consumerGroup: 'bgpcast-functions', bootstrapServers: BROKERS['kafka.brokers'].split(','), sink: { ref: { kind: 'Service', name: 'bgpcast-knative-functions' } } });
  });

  it('Strimzi: a Kafka, its node pool and the events topic kept forever (retention.ms -1, never compacted), which every component is pointed at', () => {
    const objects = rendered('strimzi');
    expect(kinds(objects)).toEqual(expect.arrayContaining(['Kafka', 'KafkaNodePool', 'KafkaTopic', 'PrometheusRule']));
    const topic = find(objects, 'KafkaTopic', 'bgpcast-events') as unknown as { spec: { topicName: string; partitions: number; config: Record<string, unknown> } };
    expect(topic.spec).toMatchObject({ topicName: 'bgpcast.events', partitions: 6, config: { 'retention.ms': -1, 'cleanup.policy': 'delete' } });
    const env = podSpec(find(objects, 'Deployment', 'bgpcast-strimzi-watcher')).containers[0]!.env;
    expect(env.find((e) => e.name === 'BGPCAST_KAFKA_BROKERS')?.value).toBe('bgpcast-strimzi-kafka-kafka-bootstrap.chart-strimzi.svc:9092');
    expect(env.find((e) => e.name === 'BGPCAST_EVENTS_TOPIC')?.value).toBe(topic.spec.topicName);
  });

  it('CRDs off (Cilium provides them): no CustomResourceDefinition; external Redis: no StatefulSet, every component given the URL', () => {
    expect(kinds(rendered('crds-off'))).not.toContain('CustomResourceDefinition');
    const objects = rendered('external-redis');
    expect(kinds(objects)).not.toContain('StatefulSet');
    for (const kind of ['Deployment', 'DaemonSet']) {
      for (const o of objects.filter((x) => x.kind === kind)) {
        expect(podSpec(o).containers[0]!.env.find((e) => e.name === 'BGPCAST_REDIS_URL')?.value, o.metadata.name).toBe('redis://redis.example:6379/2');
      }
    }
  });

  it('refuses bad values with the field named: the schema, and a missing broker list', () => {
    const bad = helm(['template', 'x', CHART_DIR, ...sets({ ...BROKERS, 'speaker.drainSeconds': 'soon' })]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/speaker\/drainSeconds.*integer/);
    const none = helm(['template', 'x', CHART_DIR]);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('kafka.brokers is required');
  });
});

describe('the rendered chart against the real API server', () => {
  it.each(Object.keys(variants) as Variant[])('%s: CRDs first, then every object, accepted as a server-side dry-run and then applied', (variant) => {
    const objects = rendered(variant);
    ensureNamespace(`chart-${variant}`);
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
    if (crds.length) {
      const r = kubectlApply(crds, false);
      expect(r.status, r.stderr).toBe(0);
      expect(kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((c) => `crd/${c.metadata.name}`)]).status).toBe(0);
    }
    const dry = kubectlApply(rest, true);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n')).toHaveLength(rest.length);
    expect(dry.stdout).not.toMatch(/unchanged|configured(?! \(server dry run\))/);
    const real = kubectlApply(rest, false);
    expect(real.status, real.stderr).toBe(0);
    expect(real.stdout.trim().split('\n')).toHaveLength(rest.length);
    // Stored as rendered: each object is there, under the name and kind the chart gave it.
    const got = kubectl(['get', '-f', '-', '-o', 'name'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rest }));
    expect(got.status, got.stderr).toBe(0);
    expect(got.stdout.trim().split('\n')).toHaveLength(rest.length);
  });

  it('the stored speaker DaemonSet runs on the host network with the node name from the downward API', () => {
    const r = kubectl(['get', 'daemonset', 'bgpcast-default-speaker', '-n', 'chart-default', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const spec = (JSON.parse(r.stdout) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    expect(spec.hostNetwork).toBe(true);
    expect(spec.containers[0]!.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
  });
});

describe('helm install, upgrade and uninstall against the real API server', () => {
  it("installs as the README says, upgrades the speakers' image, and uninstalls every object but the CRDs", () => {
    const ns = 'chart-helm';
    const release = ['bgpcast-helm', CHART_DIR, '--namespace', ns, '--kubeconfig', inject('kubeconfigPath')];
    const install = helm(['install', ...release, '--create-namespace', ...sets(BROKERS)]);
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toContain('STATUS: deployed');
    const image = () => kubectl(['get', 'daemonset', 'bgpcast-helm-speaker', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']).stdout;
    expect(image()).toBe('bgpcast:0.1.0');
    const upgrade = helm(['upgrade', ...release, '--reuse-values', ...sets({ 'image.tag': '0.1.1' })]);
    expect(upgrade.status, upgrade.stderr).toBe(0);
    expect(image()).toBe('bgpcast:0.1.1');
    const kindsListed = 'all,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,configmaps,poddisruptionbudgets,scaledobjects';
    const ours = () => kubectl(['get', kindsListed, '-A', '-l', 'app.kubernetes.io/instance=bgpcast-helm', '-o', 'name']);
    expect(ours().stdout.trim().split('\n').length).toBeGreaterThanOrEqual(20);
    const uninstall = helm(['uninstall', 'bgpcast-helm', '--namespace', ns, '--kubeconfig', inject('kubeconfigPath')]);
    expect(uninstall.status, uninstall.stderr).toBe(0);
    const left = ours();
    expect(left.status, left.stderr).toBe(0);
    expect(left.stdout.trim()).toBe('');
    expect(kubectl(['get', 'crd', 'ciliumbgpclusterconfigs.cilium.io', '-o', 'name']).status).toBe(0);
  });
});
