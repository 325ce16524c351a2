// `bgpcast audit …`: questions about the past, answered from Kafka (the events and audit topics)
// and the causes Redis keeps. One file per subcommand: `audit prefix` (audit-prefix.ts), `audit
// object` (audit-object.ts).

import type { Command } from 'commander';
import { registerAuditObject } from './audit-object.ts';
import { registerAuditPrefix } from './audit-prefix.ts';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('what the speakers sent on the wire and which changes caused it; the history of an object');
  registerAuditPrefix(audit);
  registerAuditObject(audit);
}
