// `bgpcast apply -f` / `bgpcast delete -f`: publish the objects of Kubernetes YAML files as
// events, or with --kubeconfig / --kube write them through the API server (server-side apply,
// delete). Every file is read and validated first; if any is invalid, nothing happens.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { prepareManifests } from '../../events/apply.ts';
import { InvalidFileError } from '../../events/file-source.ts';
import { objectKey } from '../../events/object-key.ts';
import type { PreparedManifests } from '../../events/apply.ts';
import { withPublisher } from '../kafka-session.ts';
import { keepSecrets } from '../local-secrets.ts';
import { localSecretsDir } from '../../infra/local/run-dir.ts';
import { RecordTooLargeError } from '../../events/kafka/publisher.ts';
import type { KafkaEventPublisher, OversizedRecord } from '../../events/kafka/publisher.ts';
import type { RecordLimit } from '../../events/kafka/record-limit.ts';
import { envelopeKey } from '../../events/envelope.ts';
import type { EventEnvelope } from '../../events/envelope.ts';
import { CliError, ExitCode } from '../cli-error.ts';
import { KubeApi, KubeUnreachableError, loadKubeConfig, type KubeApiError } from '../../events/kube/api.ts';
import { applyObjects, deleteObjects, describeOutcome, type ObjectOutcome } from '../../events/kube/apply.ts';

interface ApplyOptions {
  filename: string[];
  output: string;
  kubeconfig?: string;
  kube?: boolean;
  context?: string;
}

export function registerApply(program: Command): void {
  for (const action of ['apply', 'delete'] as const) {
    program
      .command(action)
      .description(`publish the objects in Kubernetes YAML files as ${action === 'apply' ? 'added' : 'deleted'} events`)
      .requiredOption('-f, --filename <path...>', 'a file or a directory of .yaml/.yml/.json files')
      .option('-o, --output <format>', 'text or json', 'text')
      .option('--kubeconfig <file>', 'write through this API server (server-side apply, field manager bgpcast) instead of publishing')
      .option('--kube', 'write through the API server of $KUBECONFIG (or ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context')
      .action(async (opts: ApplyOptions) => {
        const prepared = await readFiles(opts.filename, action);
        if (opts.kubeconfig || opts.kube) await throughApi(prepared, action, opts);
        else await publishWithSecrets(prepared, action);
        printApplied(prepared, action, opts.output);
      });
  }
}

async function throughApi(prepared: PreparedManifests, action: 'apply' | 'delete', opts: ApplyOptions): Promise<void> {
  let api: KubeApi;
  try {
    api = new KubeApi(loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context }));
  } catch (e) {
    throw new CliError(`kubeconfig: ${(e as Error).message}`, ExitCode.Usage);
  }
  await writeThroughApi(api, prepared, action);
}

/** A dry run of every object, then the apply (or the deletes); refusals as one CliError naming each. */
export async function writeThroughApi(api: KubeApi, prepared: PreparedManifests, action: 'apply' | 'delete'): Promise<void> {
  const refused = (outcomes: ObjectOutcome[]) => outcomes.filter((o) => o.error !== null);
  try {
    if (action === 'apply') {
      // Every object dry-run first: one refusal and nothing is written.
      const dry = refused(await applyObjects(api, prepared.objects, true));
      if (dry.length > 0) throw refusal(dry, 'nothing was applied; the API server refused');
      const failed = refused(await applyObjects(api, prepared.objects, false));
      if (failed.length > 0) throw refusal(failed, 'the API server refused');
    } else {
      const failed = refused(await deleteObjects(api, prepared.objects));
      if (failed.length > 0) throw refusal(failed, 'the API server refused to delete');
    }
  } catch (e) {
    if (e instanceof KubeUnreachableError) throw new CliError(e.message, ExitCode.Unavailable);
    throw e;
  }
}

/**
 * The object's own fault, as the file checks report it (exit 3): 422 Invalid, 400, and a value of
 * the wrong type, which server-side apply refuses as 500 "failed to create typed patch object"
 * naming the field (kube-apiserver 1.34).
 */
function isInvalidObject(e: KubeApiError): boolean {
  return e.code === 422 || e.code === 400 || (e.code === 500 && e.message.startsWith('failed to create typed patch object'));
}

function refusal(outcomes: ObjectOutcome[], headline: string): CliError {
  const invalid = outcomes.every((o) => isInvalidObject(o.error!));
  return new CliError(`${headline}:\n${outcomes.map(describeOutcome).join('\n')}`, invalid ? ExitCode.InvalidInput : ExitCode.Failure);
}

/**
 * Publishes the files' objects, after keeping the password of each Secret among them in the local
 * secrets folder (bin/local-secrets.ts), which is put back as it was when the publish fails.
 */
async function publishWithSecrets(prepared: PreparedManifests, action: 'apply' | 'delete'): Promise<void> {
  const dir = localSecretsDir();
  const kept = keepSecrets(prepared.objects, action, dir);
  try {
    await withPublisher((p) => publishManifests(p, prepared));
  } catch (e) {
    kept.undo();
    throw e;
  }
  for (const name of kept.names) {
    process.stderr.write(`Secret ${name}: password ${action === 'apply' ? 'kept in' : 'removed from'} ${dir} (never published)\n`);
  }
}

/**
 * Publishes every event of the files in one transaction. The publisher checks each against the
 * topic's record limit before it sends anything: an object too large to be a record fails the
 * command (exit 3) naming its file, line and limit, and nothing is published.
 */
export async function publishManifests(publisher: KafkaEventPublisher, prepared: PreparedManifests): Promise<void> {
  try {
    await publisher.publish(prepared.events);
  } catch (e) {
    if (e instanceof RecordTooLargeError) throw tooLarge(e.records, e.limit, prepared);
    throw e;
  }
}

function tooLarge(records: readonly OversizedRecord[], limit: RecordLimit, prepared: PreparedManifests): CliError {
  const where = new Map<EventEnvelope, string>(prepared.events.map((e, i) => [e, `${prepared.objects[i]!.file}:${prepared.objects[i]!.line}`]));
  const lines = records.map(
    (r) => `${where.get(r.envelope) ?? '?'}: ${envelopeKey(r.envelope)}: ${r.bytes} bytes as an event; Kafka accepts at most ${limit.maxBatchBytes} (${limit.source})`,
  );
  return new CliError(`nothing was published; too large for Kafka:\n${lines.join('\n')}`, ExitCode.InvalidInput);
}

/** prepareManifests with file problems turned into a CLI error that names them all. */
export async function readFiles(paths: readonly string[], action: 'apply' | 'delete'): Promise<PreparedManifests> {
  try {
    const applied = await prepareManifests(paths.map((p) => resolve(p)), action);
    for (const w of applied.warnings) process.stderr.write(`warning: ${w.file}:${w.line}: ${w.message}\n`);
    return applied;
  } catch (e) {
    if (e instanceof InvalidFileError) {
      throw new CliError(`nothing was published; fix these first:\n${e.message}`, ExitCode.InvalidInput);
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no such file or directory: ${(e as NodeJS.ErrnoException).path}`, ExitCode.InvalidInput);
    }
    throw e;
  }
}

export function printApplied(applied: PreparedManifests, action: 'apply' | 'delete', output: string): void {
  if (output === 'json') {
    const rows = applied.events.map((e) => ({ key: objectKey(e), type: e.type, id: e.id }));
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  const verb = action === 'apply' ? 'applied' : 'deleted';
  for (const e of applied.events) process.stdout.write(`${objectKey(e)} ${verb}\n`);
}
