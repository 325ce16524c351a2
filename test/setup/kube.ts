// vitest globalSetup for the `kube` project (with test/setup/stack.ts for Kafka and Redis): one
// real etcd + kube-apiserver per run on free loopback ports and a temp dir, bgpcast's CRDs and the
// CRDs for clusters without Cilium installed and Established. The watch cache is off, so that
// compacting etcd (compactEtcd) expires every older resourceVersion with 410 Gone, as a long
// disconnect does in a real cluster. The binaries come from infra/kube/build.sh, which test/run.sh
// runs first. Tests read the addresses with inject('kubeconfigPath') etc.
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { kubeBinaries, startKube } from '../../infra/local/kube.ts';
import { installCrds } from '../../infra/local/kube-crds.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An admin kubeconfig file for the API server. */
    kubeconfigPath: string;
    /** e.g. 'https://127.0.0.1:41234'. */
    kubeServer: string;
    /** The admin bearer token (group system:masters). */
    kubeToken: string;
    /** etcd's client URL, for compactEtcd(). */
    etcdUrl: string;
    /** The kubectl built with the API server. */
    kubectlPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kube = await startKube({ watchCache: false, log: (m) => process.stderr.write(`[kube] ${m}\n`) });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    const t0 = Date.now();
    const crds = await installCrds(kc);
    process.stderr.write(`[kube] ${crds.length} CRDs Established in ${Date.now() - t0} ms\n`);
  } catch (err) {
    await kube.stop();
    throw err;
  }
  project.provide('kubeconfigPath', kube.kubeconfigPath);
  project.provide('kubeServer', kube.server);
  project.provide('kubeToken', kube.token);
  project.provide('etcdUrl', kube.etcdUrl);
  project.provide('kubectlPath', kubeBinaries().kubectl);
  return () => kube.stop();
}
