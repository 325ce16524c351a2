// The local API server itself (infra/local/kube.ts): the version it and kubectl report, the admin
// kubeconfig, service-account tokens minted by TokenRequest and held to RBAC, and etcd compaction
// expiring an old resourceVersion with 410 Gone.
import { randomUUID } from 'node:crypto';
import {
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { compactEtcd, kubeVersions } from '../../infra/local/kube.ts';
import { adminConfig, kubectl } from '../support/kube.ts';

const KUBERNETES_VERSION = kubeVersions().kubernetes;

/** A kubeconfig for the same server that authenticates with `token`. */
function tokenConfig(token: string): KubeConfig {
  const admin = adminConfig();
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }],
    currentContext: 'sa',
  });
  return kc;
}

describe('the local API server', () => {
  it(`kubectl and the server both report v${KUBERNETES_VERSION}`, async () => {
    const r = kubectl(['version', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    type Info = { gitVersion: string; major: string; minor: string };
    const v = JSON.parse(r.stdout) as { clientVersion: Info; serverVersion: Info };
    expect(v.clientVersion.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
    expect(v.serverVersion.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
    const [major, minor] = KUBERNETES_VERSION.split('.');
    expect(v.serverVersion).toMatchObject({ major, minor });
    const server = await adminConfig().makeApiClient(VersionApi).getCode();
    expect(server.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
  });

  it('the admin kubeconfig authenticates as a cluster admin over TLS with the server CA', async () => {
    const kc = adminConfig();
    expect(kc.getCurrentCluster()?.server).toBe(inject('kubeServer'));
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBeFalsy();
    const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.status?.userInfo?.groups).toContain('system:masters');
    const r = kubectl(['auth', 'can-i', '*', '*']);
    expect(r.stdout.trim()).toBe('yes');
  });

  it('mints service-account tokens (TokenRequest) that RBAC holds to their roles', async () => {
    const admin = adminConfig();
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const name = `sa-${randomUUID().slice(0, 8)}`;
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name } } });
    const minted = await core.createNamespacedServiceAccountToken({
      name,
      namespace: 'default',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = minted.status?.token ?? '';
    expect(token.split('.')).toHaveLength(3); // a signed JWT

    const sa = tokenConfig(token);
    const review = await sa.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:default:${name}`);

    const listNodes = () => sa.makeApiClient(CoreV1Api).listNode().then(() => 200, (e: { code?: number }) => e.code ?? 0);
    expect(await listNodes()).toBe(403);
    await rbac.createClusterRole({ body: { metadata: { name }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: 'default' }],
      },
    });
    // The RBAC authorizer reads roles through an informer: the grant lands within moments.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await listNodes();
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
    const r = kubectl(['auth', 'can-i', 'delete', 'pods', `--as=system:serviceaccount:default:${name}`]);
    expect(r.stdout.trim()).toBe('no');

    await rbac.deleteClusterRoleBinding({ name });
    await rbac.deleteClusterRole({ name });
    await core.deleteNamespacedServiceAccount({ name, namespace: 'default' });
  });
});

describe('compactEtcd', () => {
  /** Watches ConfigMaps from `resourceVersion` until the first event, or the watch ends. */
  async function firstWatchEvent(resourceVersion: string): Promise<{ type: string; object: { code?: number; reason?: string; metadata?: { name?: string } } }> {
    const watch = new Watch(adminConfig());
    return new Promise((resolve, reject) => {
      let ctl: AbortController | undefined;
      watch
        .watch(
          '/api/v1/namespaces/default/configmaps',
          { resourceVersion, timeoutSeconds: 5 },
          (type, object) => {
            ctl?.abort();
            resolve({ type, object });
          },
          (err) => reject(err ?? new Error('watch ended without an event')),
        )
        .then((c) => (ctl = c), reject);
    });
  }

  it('expires older resourceVersions: a watch from one then answers 410 Gone', async () => {
    const core = adminConfig().makeApiClient(CoreV1Api);
    const name = `cm-${randomUUID().slice(0, 8)}`;
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { n: '0' } } });
    const oldVersion = created.metadata!.resourceVersion!;
    for (let n = 1; n <= 3; n++) {
      await core.patchNamespacedConfigMap({ name, namespace: 'default', body: [{ op: 'replace', path: '/data/n', value: String(n) }] });
    }

    // Before compaction the old version is still in etcd's history: the watch replays from it.
    const before = await firstWatchEvent(oldVersion);
    expect(before.type).toBe('MODIFIED');
    expect(before.object.metadata?.name).toBe(name);

    const compactedTo = await compactEtcd(inject('etcdUrl'));
    expect(compactedTo).toBeGreaterThan(Number(oldVersion));
    const after = await firstWatchEvent(oldVersion);
    expect(after.type).toBe('ERROR');
    expect(after.object).toMatchObject({ code: 410, reason: 'Expired' });

    await core.deleteNamespacedConfigMap({ name, namespace: 'default' });
  });
});
