// A real Kubernetes API on loopback: etcd and kube-apiserver, built once per machine by
// infra/kube/build.sh and started here with random ports and a temporary folder, as Kafka and Redis
// are. Authentication is a static admin token (group system:masters) plus service-account tokens
// (TokenRequest works: a signing key is generated per start); authorization is Node,RBAC, so a
// service account can do exactly what its Roles allow. No controller manager runs: nothing creates
// Pods, and ownerReferences are not garbage-collected.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, spawnToFile, stderrLogger, stopProcess, waitUntil } from './procs.ts';
import type { Spawned } from './procs.ts';
import { cacheDir } from './run-dir.ts';

const here = dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = 'infra/kube/build.sh';

export interface KubeVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
  keda: string;
  knativeOperator: string;
  strimzi: string;
  prometheusOperator: string;
}

/** The versions build.sh builds, from infra/kube/versions.env (KEY=VALUE lines). */
export function kubeVersions(file = join(here, '..', 'kube', 'versions.env')): KubeVersions {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [, key, value] = /^([A-Z_]+)=(\S+)\s*$/.exec(line) ?? [];
    if (key && value) values.set(key, value);
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`kube: ${file} has no ${key}`);
    return value;
  };
  return {
    kubernetes: get('KUBERNETES_VERSION'),
    etcd: get('ETCD_VERSION'),
    helm: get('HELM_VERSION'),
    keda: get('KEDA_VERSION'),
    knativeOperator: get('KNATIVE_OPERATOR_VERSION'),
    strimzi: get('STRIMZI_VERSION'),
    prometheusOperator: get('PROMETHEUS_OPERATOR_VERSION'),
  };
}

export interface KubeBinaries {
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  helm: string;
  /** KEDA's CRD files (a directory of YAML). */
  kedaCrds: string;
  /** Knative Serving, Eventing and KafkaSource CRD files (a directory of YAML). */
  knativeCrds: string;
  /** Strimzi's CRD files, generated from its API model (a directory of YAML). */
  strimziCrds: string;
  /** The PrometheusRule CRD file (a directory of YAML). */
  prometheusOperatorCrds: string;
}

/** Where build.sh puts each artifact: `${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/bgpcast}/…`. */
export function kubeBinaries(env: NodeJS.ProcessEnv = process.env): KubeBinaries {
  const base = cacheDir(env);
  const v = kubeVersions();
  const kube = join(base, `kube-${v.kubernetes}`, 'bin');
  return {
    kubeApiserver: join(kube, 'kube-apiserver'),
    kubectl: join(kube, 'kubectl'),
    etcd: join(base, `etcd-${v.etcd}`, 'bin', 'etcd'),
    helm: join(base, `helm-${v.helm}`, 'bin', 'helm'),
    kedaCrds: join(base, `keda-${v.keda}`, 'crds'),
    knativeCrds: join(base, `knative-operator-${v.knativeOperator}`, 'crds'),
    strimziCrds: join(base, `strimzi-${v.strimzi}`, 'crds'),
    prometheusOperatorCrds: join(base, `prometheus-operator-${v.prometheusOperator}`, 'crds'),
  };
}

/** The Service ClusterIP range: kubeadm's default, which holds the example Services' addresses. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const ADMIN_USER = 'bgpcast-admin';

export interface StartKubeOptions {
  /** Kept on stop when given (etcd data, certificates, logs, kubeconfig); otherwise a temp dir removed on stop. */
  dataDir?: string;
  /** kube-apiserver's secure port; 0/undefined picks a free one. */
  port?: number;
  /** Default: kubeBinaries(). */
  binaries?: Pick<KubeBinaries, 'kubeApiserver' | 'etcd'>;
  /**
   * The API server's watch cache (default true, as in every real cluster). Watches and lists at an
   * older resourceVersion are served from it, so compacting etcd does not expire them: with false,
   * they go to etcd, and compactEtcd() makes every older resourceVersion answer 410 Gone.
   */
  watchCache?: boolean;
  /** Bound on the wait for /readyz; default 90 s (2-core machines running other suites are slow). */
  startTimeoutMs?: number;
  log?: (msg: string) => void;
}

export interface RunningKube {
  /** e.g. 'https://127.0.0.1:41234' */
  server: string;
  /** An admin kubeconfig (token of group system:masters, the API server's CA). */
  kubeconfigPath: string;
  /** The admin bearer token. */
  token: string;
  /** PEM bundle that verifies the API server's self-signed serving certificate. */
  caFile: string;
  /** etcd's client URL, e.g. 'http://127.0.0.1:38211' (HTTP/JSON gateway under /v3). */
  etcdUrl: string;
  watchCache: boolean;
  dataDir: string;
  pids: { etcd: number; apiserver: number };
  /** Start to /readyz (and the default namespace), ms. */
  startupMs: number;
  stop(): Promise<void>;
}

export async function startKube(opts: StartKubeOptions = {}): Promise<RunningKube> {
  const log = opts.log ?? stderrLogger('kube');
  const t0 = Date.now();
  const bins = opts.binaries ?? kubeBinaries();
  for (const bin of [bins.etcd, bins.kubeApiserver]) {
    if (!existsSync(bin)) {
      throw new Error(
        `kube: ${bin} is missing: run ${BUILD_SCRIPT} (builds etcd, kube-apiserver and kubectl once per machine from the Go module proxy)`,
      );
    }
  }
  const [port, etcdClientPort, etcdPeerPort] = await Promise.all([
    opts.port || freePort(),
    freePort(),
    freePort(),
  ]);
  const ownDir = !opts.dataDir;
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'bgpcast-kube-'));
  mkdirSync(dir, { recursive: true });
  const cleanup = () => ownDir && rmSync(dir, { recursive: true, force: true });
  const started: Spawned[] = [];
  const stopAll = async () => {
    // API server first: it holds watches on etcd and would log every lost one.
    for (const p of started.reverse()) await stopProcess(p, 10_000, log);
  };

  try {
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcdLog = join(dir, 'etcd.log');
    const etcd = spawnToFile(bins.etcd, etcdArgs(dir, etcdClientPort, etcdPeerPort), etcdLog, 'kube', `could not spawn ${bins.etcd}`);
    started.push(etcd);
    await waitUntil(async () => (await httpGetJson(`${etcdUrl}/health`))?.health === 'true', {
      proc: etcd,
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `etcd (pid ${etcd.pid}, ${etcdUrl})`,
      logFile: etcdLog,
    });

    const token = randomBytes(24).toString('hex');
    const files = writeApiserverFiles(dir, token);
    const apiLog = join(dir, 'kube-apiserver.log');
    const watchCache = opts.watchCache ?? true;
    const args = apiserverArgs({ dir, port, etcdUrl, watchCache, ...files });
    const apiserver = spawnToFile(bins.kubeApiserver, args, apiLog, 'kube', `could not spawn ${bins.kubeApiserver}`);
    started.push(apiserver);
    const server = `https://127.0.0.1:${port}`;
    const caFile = join(files.certDir, 'apiserver.crt');
    // The self-signed serving certificate (and the CA that signed it) is written before the server
    // listens; /readyz then turns 200 once the post-start hooks (RBAC bootstrap roles, priority
    // classes, …) are done, and the system namespaces follow shortly after.
    await waitUntil(
      async () =>
        existsSync(caFile) &&
        (await apiStatus(server, '/readyz', token, caFile)) === 200 &&
        (await apiStatus(server, '/api/v1/namespaces/default', token, caFile)) === 200,
      {
        proc: apiserver,
        timeoutMs: opts.startTimeoutMs ?? 90_000,
        intervalMs: 100,
        what: `kube-apiserver (pid ${apiserver.pid}, ${server})`,
        logFile: apiLog,
      },
    );
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, adminKubeconfig(server, caFile, token), { mode: 0o600 });
    const startupMs = Date.now() - t0;
    log(`started etcd pid ${etcd.pid} (${etcdUrl}) and kube-apiserver pid ${apiserver.pid} (${server}) in ${startupMs} ms`);
    return {
      server,
      kubeconfigPath,
      token,
      caFile,
      etcdUrl,
      watchCache,
      dataDir: dir,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      startupMs,
      stop: async () => {
        await stopAll();
        cleanup();
      },
    };
  } catch (err) {
    await stopAll();
    cleanup();
    throw err;
  }
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=bgpcast',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=bgpcast=${peer}`,
    '--initial-cluster-state=new',
    // The data is thrown away with the temp dir: skipping fsync keeps writes off the shared disk's
    // queue (etcd's own test setups do the same).
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

interface ApiserverFiles {
  certDir: string;
  tokenFile: string;
  saPublicKey: string;
  saPrivateKey: string;
}

function writeApiserverFiles(dir: string, token: string): ApiserverFiles {
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  // token,user,uid,"group1,group2"
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
  // The key pair that signs and verifies service-account tokens (TokenRequest, bound tokens).
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saPublicKey = join(certDir, 'sa.pub');
  const saPrivateKey = join(certDir, 'sa.key');
  writeFileSync(saPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(saPrivateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { certDir, tokenFile, saPublicKey, saPrivateKey };
}

function apiserverArgs(o: ApiserverFiles & { dir: string; port: number; etcdUrl: string; watchCache: boolean }): string[] {
  return [
    `--etcd-servers=${o.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.port}`,
    // No --tls-cert-file: the server generates a self-signed certificate (for 127.0.0.1, localhost
    // and the kubernetes Service names) into the cert dir.
    `--cert-dir=${o.certDir}`,
    `--token-auth-file=${o.tokenFile}`,
    '--authorization-mode=Node,RBAC',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${o.saPublicKey}`,
    `--service-account-signing-key-file=${o.saPrivateKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // The default plugins, plus NodeRestriction (the Node authorizer's partner).
    '--enable-admission-plugins=NodeRestriction',
    // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation refuses
    // (loopback); there is no Pod network to reach it from anyway.
    '--endpoint-reconciler-type=none',
    `--watch-cache=${o.watchCache}`,
    '--profiling=false',
  ];
}

function adminKubeconfig(server: string, caFile: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bgpcast-local', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: ADMIN_USER, user: { token } }],
    contexts: [{ name: 'bgpcast-local', context: { cluster: 'bgpcast-local', user: ADMIN_USER } }],
    'current-context': 'bgpcast-local',
  });
}

/** HTTP status of an authenticated GET against the API server, or 0 when it does not answer. */
function apiStatus(server: string, path: string, token: string, caFile: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      new URL(path, server),
      { headers: { authorization: `Bearer ${token}` }, ca: readFileSync(caFile), timeout: 2_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** GET (or POST with a JSON body) to a plain-HTTP endpoint; the parsed JSON, or null when it does not answer. */
async function httpGetJson(url: string, body?: unknown): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** etcd's current revision, through its HTTP/JSON gateway (a range read returns it in the header). */
export async function etcdRevision(etcdUrl: string): Promise<number> {
  // key "\0": any key will do, only the response header is read.
  const res = await httpGetJson(`${etcdUrl}/v3/kv/range`, { key: Buffer.from('\0').toString('base64') });
  const header = res?.header as { revision?: string } | undefined;
  const revision = Number(header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) {
    throw new Error(`kube: no revision from ${etcdUrl}/v3/kv/range: ${JSON.stringify(res)}`);
  }
  return revision;
}

/**
 * Compacts etcd's history up to its current revision (physically), so any older resourceVersion is
 * gone from etcd: against an API server started with `watchCache: false`, a watch from it then
 * fails with 410 Gone, as after a long disconnect in a real cluster. (With the watch cache on, the
 * cache keeps serving its own recent history; compaction alone does not expire it.) Returns the
 * revision compacted to. No etcdctl needed: etcd's HTTP/JSON gateway.
 */
export async function compactEtcd(etcdUrl: string): Promise<number> {
  const revision = await etcdRevision(etcdUrl);
  const res = await httpGetJson(`${etcdUrl}/v3/kv/compaction`, { revision: String(revision), physical: true });
  if (res === null) throw new Error(`kube: compaction to revision ${revision} at ${etcdUrl} failed`);
  return revision;
}
