// `bgpcast audit …`: questions about the past, answered from the events topic.

import type { Command } from 'commander';
import { registerAuditObject } from './audit-object.ts';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('answer questions about the past from the events topic');
  registerAuditObject(audit);
}
