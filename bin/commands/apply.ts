// `bgpcast apply -f` / `bgpcast delete -f`: publish the objects of Kubernetes YAML files as
// events. Every file is read and validated first; if any is invalid, nothing is published.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { prepareManifests } from '../../events/apply.ts';
import { InvalidFileError } from '../../events/file-source.ts';
import { objectKey } from '../../events/object-key.ts';
import type { PreparedManifests } from '../../events/apply.ts';
import { withPublisher } from '../kafka-session.ts';
import { CliError, ExitCode } from '../cli-error.ts';

export function registerApply(program: Command): void {
  for (const action of ['apply', 'delete'] as const) {
    program
      .command(action)
      .description(`publish the objects in Kubernetes YAML files as ${action === 'apply' ? 'added' : 'deleted'} events`)
      .requiredOption('-f, --filename <path...>', 'a file or a directory of .yaml/.yml/.json files')
      .option('-o, --output <format>', 'text or json', 'text')
      .action(async (opts: { filename: string[]; output: string }) => {
        const prepared = await readFiles(opts.filename, action);
        await withPublisher((p) => p.publish(prepared.events));
        printApplied(prepared, action, opts.output);
      });
  }
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
