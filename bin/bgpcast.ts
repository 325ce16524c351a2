#!/usr/bin/env node
// bgpcast: one binary, one module per command under bin/commands/. This file only wires them up
// and maps errors to exit codes and clear messages.

import { Command, CommanderError } from 'commander';
import { registerApply } from './commands/apply.ts';
import { registerAudit } from './commands/audit.ts';
import { registerDecode } from './commands/decode.ts';
import { registerConditions, registerDesired } from './commands/desired.ts';
import { registerFunctions } from './commands/functions.ts';
import { registerEvents } from './commands/events.ts';
import { registerUp } from './commands/up.ts';
import { registerSpeaker } from './commands/speaker.ts';
import { registerPeers } from './commands/peers.ts';
import { registerRoutes } from './commands/routes.ts';
import { registerWatch } from './commands/watch.ts';
import { registerStatusWriter } from './commands/status-writer.ts';
import { CliError, ExitCode } from './cli-error.ts';
import { setVerbose } from './verbosity.ts';

const program = new Command('bgpcast')
  .description('An event-driven Kubernetes BGP control plane that speaks the Cilium BGP Control Plane v2 API')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerApply(program);
registerDecode(program);
registerEvents(program);
registerUp(program);
registerSpeaker(program);
registerPeers(program);
registerRoutes(program);
registerFunctions(program);
registerDesired(program);
registerConditions(program);
registerWatch(program);
registerStatusWriter(program);
registerAudit(program);

// Every command takes --verbose (library logs on stderr), before or after its own options.
const leaves = (c: Command): Command[] => (c.commands.length === 0 ? [c] : c.commands.flatMap(leaves));
for (const c of program.commands.flatMap(leaves)) c.option('--verbose', 'also print the libraries\' own logs (kafkajs, ioredis) on stderr');
program.hook('preAction', (_program, action) => setVerbose(action.opts()['verbose'] === true));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else if (e instanceof CliError) {
    process.stderr.write(`bgpcast: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`bgpcast: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = ExitCode.Failure;
  }
}
// The command is done. A library may still hold a timer (ioredis's connect timeout, a kafkajs
// retry) that would keep the process alive for seconds after its answer: give the event loop a
// moment to drain, then leave. Writes to stdout and stderr are synchronous for files and pipes.
setTimeout(() => process.exit(), 200).unref();
