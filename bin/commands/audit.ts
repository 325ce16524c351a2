// `bgpcast audit …`: what went on the wire and why, read back from Kafka and Redis. One file per
// subcommand: `audit prefix` (audit-prefix.ts).

import type { Command } from 'commander';
import { registerAuditPrefix } from './audit-prefix.ts';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('what the speakers sent on the wire, and the changes that caused it');
  registerAuditPrefix(audit);
}
