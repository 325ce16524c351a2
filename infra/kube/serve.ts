// A local Kubernetes API to try things against by hand: etcd + kube-apiserver on loopback (random
// ports, a temp dir), bgpcast's CRDs and the CRDs for clusters without Cilium installed. Prints the
// KUBECONFIG to export and where kubectl is; Ctrl-C (or SIGTERM) stops both and removes the temp
// dir. The tests start their own (test/setup/kube.ts).
//   bash infra/kube/build.sh kube etcd && npx node infra/kube/serve.ts
import { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../local/kube-crds.ts';
import { kubeBinaries, startKube } from '../local/kube.ts';

const kube = await startKube();
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await kube.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  const crds = await installCrds(kc);
  process.stdout.write(
    [
      `API server ${kube.server} (etcd ${kube.etcdUrl}), ${crds.length} CRDs installed, ready in ${kube.startupMs} ms`,
      `export KUBECONFIG=${kube.kubeconfigPath}`,
      `kubectl: ${kubeBinaries().kubectl}`,
      `logs: ${kube.dataDir}/kube-apiserver.log, ${kube.dataDir}/etcd.log`,
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  await stop();
}
