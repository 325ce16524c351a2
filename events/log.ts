// Structured logs (pino), one event per line on stderr so command output on stdout stays clean.
// BGPCAST_LOG_LEVEL sets the level (default info).

import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env['BGPCAST_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name, level, base: { component: name } }, pino.destination(2));
}
