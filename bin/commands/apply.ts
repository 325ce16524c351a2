// `bgpcast apply -f` / `bgpcast delete -f`: publish the objects of Kubernetes YAML files as
// events. Every file is read and validated first; if any is invalid, nothing is published.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EventType, objectEnvelope } from '../../events/envelope.ts';
import { InvalidFileError, readManifests } from '../../events/file-source.ts';
import { objectKey } from '../../events/object-key.ts';
import { identityOf } from '../../events/envelope.ts';
import { withPublisher } from '../kafka-session.ts';
import { CliError, ExitCode } from '../cli-error.ts';

type Action = 'apply' | 'delete';

export function registerApply(program: Command): void {
  for (const action of ['apply', 'delete'] as const) {
    program
      .command(action)
      .description(
        action === 'apply'
          ? 'publish the objects in Kubernetes YAML files as added events'
          : 'publish the objects in Kubernetes YAML files as deleted events',
      )
      .requiredOption('-f, --filename <path...>', 'a file or a directory of .yaml/.yml/.json files')
      .option('-o, --output <format>', 'text or json', 'text')
      .action((opts: { filename: string[]; output: string }) => runApply(action, opts.filename, opts.output));
  }
}

async function runApply(action: Action, paths: string[], output: string): Promise<void> {
  let read;
  try {
    read = await readManifests(paths.map((p) => resolve(p)));
  } catch (e) {
    if (e instanceof InvalidFileError) {
      throw new CliError(`nothing was published; fix these first:\n${e.message}`, ExitCode.InvalidInput);
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no such file or directory: ${(e as NodeJS.ErrnoException).path}`, ExitCode.InvalidInput);
    }
    throw e;
  }
  for (const w of read.warnings) process.stderr.write(`warning: ${w.file}:${w.line}: ${w.message}\n`);

  const type = action === 'apply' ? EventType.Added : EventType.Deleted;
  const envelopes = read.objects.map((o) => objectEnvelope(type, o.object, `file:${o.file}`));
  await withPublisher((publisher) => publisher.publish(envelopes));

  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(envelopes.map((e) => ({ key: objectKey(e), type: e.type, id: e.id })))}\n`);
    return;
  }
  const verb = action === 'apply' ? 'applied' : 'deleted';
  for (const o of read.objects) process.stdout.write(`${objectKey(identityOf(o.object))} ${verb}\n`);
}
