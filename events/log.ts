// Structured logs (pino). Where they go is decided once per process:
//   - a terminal (stderr is a TTY): one readable line per event, `12:04:05.123 INFO  speaker:
//     session established node=worker1 peer=…` (pino-pretty), so they read well between the
//     progress lines of `bgpcast up`;
//   - a pipe, a file, a container's log: one JSON object per line on stderr, as log collectors want;
//   - `--log-file PATH` (configureLogs): JSON lines appended to PATH, stderr left to the command.
// The level: --log-level, else BGPCAST_LOG_LEVEL, else info. Command output on stdout stays clean.

import { openSync } from 'node:fs';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

export interface LogSettings {
  /** A pino level: fatal, error, warn, info, debug, trace, silent. */
  readonly level?: string;
  /** Append JSON lines to this file instead of writing to stderr. */
  readonly file?: string;
}

let level = process.env['BGPCAST_LOG_LEVEL'] ?? 'info';
let destination: DestinationStream | null = null;

/** pino's levels, most severe first, and `silent`. */
export const LOG_LEVELS: readonly string[] = [...Object.entries(pino.levels.values).sort((a, b) => b[1] - a[1]).map(([name]) => name), 'silent'];

/**
 * For the loggers created from now on (a long-lived command calls it first, from its flags).
 * Throws when the level is not one of LOG_LEVELS or the file cannot be opened.
 */
export function configureLogs(settings: LogSettings): void {
  if (settings.level !== undefined) {
    if (!LOG_LEVELS.includes(settings.level)) throw new Error(`not a log level: ${settings.level} (one of ${LOG_LEVELS.join(', ')})`);
    level = settings.level;
  }
  if (settings.file !== undefined) {
    // Opened here so that a bad path fails the command at once, with its reason.
    const fd = openSync(settings.file, 'a');
    destination = pino.destination({ fd, sync: true });
  }
}

export function createLogger(name: string, logLevel = level): Logger {
  destination ??= process.stderr.isTTY ? prettyStderr() : pino.destination(2);
  return pino({ name, level: logLevel, base: { component: name } }, destination);
}

/** One readable line per JSON log line (without colours unless asked). Pure. */
export function prettyLine(options: { colorize?: boolean } = {}): (jsonLine: string) => string {
  return prettyFactory({
    colorize: options.colorize ?? false,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    hideObject: true,
    messageFormat: (log, messageKey) => `${String(log['component'] ?? log['name'] ?? '')}: ${String(log[messageKey] ?? '')}${fields(log)}`,
  });
}

/** Written synchronously, in order with what the command itself writes to stderr. */
function prettyStderr(): DestinationStream {
  const format = prettyLine({ colorize: process.env['NO_COLOR'] === undefined });
  return { write: (line: string) => void process.stderr.write(format(line)) };
}

const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'name', 'component', 'msg']);

/** ` key=value …`: plain words as they are, anything else as JSON; an error by its message. */
function fields(log: Record<string, unknown>): string {
  let out = '';
  for (const [k, raw] of Object.entries(log)) {
    if (OMIT.has(k) || raw === undefined) continue;
    const v = typeof raw === 'object' && raw !== null && typeof (raw as { message?: unknown }).message === 'string' ? (raw as { message: string }).message : raw;
    out += ` ${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`;
  }
  return out;
}
