// `bgpcast up --kube`: the local control plane with a real Kubernetes API in front of it. A local
// etcd + kube-apiserver (infra/local/kube.ts; the binaries built first by infra/kube/build.sh when
// missing), bgpcast's CRDs and the CRDs for clusters without Cilium, the watcher (events come from
// the API server) and the status writer (NodeConfigs, their status and the conditions go back to
// it), in this process. The applied objects are written through the API server, as kubectl
// apply --server-side would (Node and Service status through the status subresource, as a node
// agent and a load-balancer controller would), instead of being published. up.ts calls the steps.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { PreparedManifests } from '../../events/apply.ts';
import { identityOf } from '../../events/envelope.ts';
import { KafkaEventPublisher } from '../../events/kafka/publisher.ts';
import { createLogger } from '../../events/log.ts';
import { objectKey } from '../../events/object-key.ts';
import { watchCheckpointKey } from '../../events/redis-keys.ts';
import { KubeApi, loadKubeConfig } from '../../events/kube/api.ts';
import { objectPath } from '../../events/kube/apply.ts';
import { CheckpointStore } from '../../events/kube/checkpoint-store.ts';
import { projectionDigest } from '../../events/kube/digest.ts';
import { projectObject } from '../../events/kube/projection.ts';
import { startWatchService, type WatchService } from '../../events/kube/watch-service.ts';
import { apiVersionOf, servedVersion, watchedKinds } from '../../events/kube/watched-kinds.ts';
import type { KubeObject } from '../../events/envelope.ts';
import { startStatusWriterService, type StatusWriterService } from '../../functions/status-writer/service.ts';
import { kubeBinaries, startKube, type RunningKube } from '../../infra/local/kube.ts';
import { installCrds } from '../../infra/local/kube-crds.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { writeThroughApi } from './apply.ts';
import type { Settings } from '../../functions/settings.ts';

const BUILD_SCRIPT = resolve(import.meta.dirname, '../../infra/kube/build.sh');
/** The watcher's source under `up --kube`: the events it publishes name it. */
export const UP_KUBE_SOURCE = 'kube:bgpcast-up';

type Say = (m: string) => void;

/** Builds etcd, kube-apiserver and kubectl when any is missing, saying so and how long it took. */
async function ensureBinaries(say: Say): Promise<void> {
  const b = kubeBinaries();
  const missing = [b.etcd, b.kubeApiserver, b.kubectl].filter((f) => !existsSync(f));
  if (missing.length === 0) return;
  say(`building etcd, kube-apiserver and kubectl from the Go module proxy (${BUILD_SCRIPT} kube etcd; once per machine, several minutes)…`);
  const t0 = performance.now();
  const code = await new Promise<number>((done, fail) => {
    const child = spawn('bash', [BUILD_SCRIPT, 'kube', 'etcd'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (c) => done(c ?? 1));
  });
  if (code !== 0) throw new CliError(`${BUILD_SCRIPT} failed (exit ${code}); its messages above say why`, ExitCode.Unavailable);
  const s = Math.round((performance.now() - t0) / 1000);
  say(`built in ${Math.floor(s / 60)} min ${s % 60} s`);
}

export class LocalKube {
  readonly api: KubeApi;
  private readonly kube: RunningKube;
  private watch: WatchService | null = null;
  private publisher: KafkaEventPublisher | null = null;
  private statusWriter: StatusWriterService | null = null;
  private checkpoint: CheckpointStore | null = null;

  private constructor(kube: RunningKube) {
    this.kube = kube;
    this.api = new KubeApi(loadKubeConfig({ kubeconfig: kube.kubeconfigPath }));
  }

  get kubeconfigPath(): string {
    return this.kube.kubeconfigPath;
  }

  /** The API server on a free loopback port, a temp dir kept while it runs, the CRDs installed. */
  static async start(say: Say): Promise<LocalKube> {
    await ensureBinaries(say);
    say('starting etcd and kube-apiserver on 127.0.0.1…');
    const kube = await startKube({ log: () => undefined });
    const local = new LocalKube(kube);
    try {
      say(`Kubernetes API ready at ${kube.server} (started in ${kube.startupMs} ms)`);
      const crds = await installCrds(loadKubeConfig({ kubeconfig: kube.kubeconfigPath }));
      say(`installed ${crds.length} CRDs: ${crds.map((c) => c.split('.')[0]).join(', ')}`);
      return local;
    } catch (e) {
      await kube.stop();
      throw e;
    }
  }

  /** The watcher (API server → the events topic) and the status writer, in this process. */
  async startControllers(o: { kafka: Kafka; topic: string; redis: Redis; redisUrl: string; prefix: string; settings: Settings; say: Say }): Promise<void> {
    this.checkpoint = new CheckpointStore(o.redis, watchCheckpointKey(o.prefix, UP_KUBE_SOURCE));
    this.publisher = new KafkaEventPublisher(o.kafka, o.topic);
    this.watch = await startWatchService({
      api: this.api,
      publisher: this.publisher,
      checkpoint: this.checkpoint,
      source: UP_KUBE_SOURCE,
      // The namespace the functions look Secrets up in (--bgp-secrets-namespace): the only one watched.
      secretsNamespace: o.settings.bgpSecretsNamespace,
      log: createLogger('watch'),
      discoveryIntervalMs: 2_000,
    });
    o.say(`watching the API server, publishing to ${o.topic} (source ${UP_KUBE_SOURCE})`);
    const { statusReport, enableLbIpam } = o.settings;
    this.statusWriter = await startStatusWriterService({ api: this.api, redis: o.redis, redisUrl: o.redisUrl, prefix: o.prefix, log: createLogger('status-writer'), statusReport, enableLbIpam });
    o.say('status writer running: CiliumBGPNodeConfigs and conditions go to the API server');
  }

  /** Writes the objects through the API server: a dry run of every one first, then the apply. */
  async apply(prepared: PreparedManifests): Promise<void> {
    await writeThroughApi(this.api, prepared, 'apply');
  }

  /**
   * Waits until the watcher has published every applied object as the API server holds it now
   * (its checkpoint holds the digest of each one's current projection). False on timeout.
   */
  async waitPublished(prepared: PreparedManifests, timeoutMs: number, cancelled: Promise<unknown>): Promise<boolean> {
    let stop = false;
    void cancelled.then(() => (stop = true));
    const deadline = Date.now() + timeoutMs;
    const wanted = new Map<string, string>();
    const discovery = new Map();
    for (const { manifest } of prepared.objects) {
      const kind = watchedKinds.find((k) => k.kind === manifest.kind && manifest.apiVersion.startsWith(k.group));
      if (!kind) continue;
      // As the watcher sees it: under the version it watches (one stored object, whichever version names it).
      const version = (await servedVersion(this.api, kind, discovery)) ?? kind.preferred[0]!;
      const live = await this.api.get<KubeObject>(objectPath(manifest));
      const projected = projectObject({ ...live, apiVersion: apiVersionOf(kind.group, version), kind: manifest.kind } as KubeObject);
      if (projected) wanted.set(objectKey(identityOf(projected)), projectionDigest(projected));
    }
    while (!stop && Date.now() < deadline) {
      const published = await this.checkpoint!.load();
      if ([...wanted].every(([key, digest]) => published.get(key)?.digest === digest)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Until the status writer has done its first full round; false on timeout. */
  async waitStatusWriter(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = this.statusWriter?.status();
      if (s && typeof s === 'object' && s.synced) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** What a user needs to look with kubectl. */
  access(): string {
    return `export KUBECONFIG=${this.kube.kubeconfigPath}\n# kubectl: ${kubeBinaries().kubectl}\n`;
  }

  /** The status writer, then the watcher and its producer. */
  async stopControllers(): Promise<void> {
    await this.statusWriter?.stop();
    await this.watch?.stop();
    await this.publisher?.close();
    this.statusWriter = null;
    this.watch = null;
    this.publisher = null;
  }

  /** The API server and etcd (their temp dir, with the kubeconfig, goes with them). */
  async stop(): Promise<void> {
    await this.stopControllers();
    await this.kube.stop();
  }
}
