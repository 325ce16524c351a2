// Options and signals shared by the long-lived commands.

import type { Command } from 'commander';
import type { EventSubscription } from '../../events/bus.ts';
import { configureLogs, LOG_LEVELS, type LogSettings } from '../../events/log.ts';
import type { CheckResult, TelemetryEndpoint, TelemetryOptions } from '../../events/telemetry.ts';
import { startTelemetry } from '../../events/telemetry.ts';
import type { Redis } from 'ioredis';
import type { Logger } from '../../events/log.ts';
import { redactRedisUrl } from '../../events/redis-keys.ts';
import { CliError, ExitCode } from '../cli-error.ts';

/** "host:port" or "[v6]:port"; port 0 picks a free one. */
export function parseListen(flag: string, text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError(`${flag}: expected host:port, got ${text}`, ExitCode.Usage);
  return { host: (m[1] ?? m[2])!, port };
}

/** Waits for SIGINT or SIGTERM, says so, then runs `stops` in order. */
export async function runUntilSignalled(log: Logger, ...stops: (() => Promise<void>)[]): Promise<void> {
  const signal = await signalled();
  log.info({ signal }, 'stopping');
  for (const stop of stops) await stop();
}

/** Resolves with the first SIGINT / SIGTERM. */
export function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string) => resolve(s);
    process.once('SIGINT', on).once('SIGTERM', on);
  });
}

/** --log-level and --log-file on a long-lived command, applied before its action runs. */
export function withLogOptions(cmd: Command): Command {
  return cmd
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (default: $BGPCAST_LOG_LEVEL, else info)`)
    .option('--log-file <path>', 'append the logs to this file as JSON lines instead of writing them to stderr')
    .hook('preAction', (_, action) => {
      const { logLevel, logFile } = action.opts<{ logLevel?: string; logFile?: string }>();
      const apply = (flag: string, settings: LogSettings) => {
        try {
          configureLogs(settings);
        } catch (e) {
          throw new CliError(`${flag}: ${(e as Error).message}`, ExitCode.Usage);
        }
      };
      if (logLevel !== undefined) apply('--log-level', { level: logLevel });
      if (logFile !== undefined) apply('--log-file', { file: logFile });
    });
}

/** startTelemetry, failing with the flag to change when the address is taken or not ours. */
export async function serveTelemetry(flag: string, listen: { host: string; port: number }, o: Omit<TelemetryOptions, 'host' | 'port'>): Promise<TelemetryEndpoint> {
  try {
    return await startTelemetry({ ...listen, ...o });
  } catch (e) {
    throw new CliError(`${flag} ${listen.host}:${listen.port}: ${(e as Error).message} (pass ${flag} HOST:PORT; port 0 picks a free one)`, ExitCode.Failure);
  }
}

/** /readyz `consuming` for a Kafka subscription that may not exist yet. */
export function consumingCheck(subscription: () => EventSubscription | null): () => CheckResult {
  return () => {
    const s = subscription();
    if (!s) return { ok: false, detail: 'not subscribed yet' };
    return s.consuming() ? { ok: true } : { ok: false, detail: 'not in the consumer group (joining or rebalancing)' };
  };
}

/** Fails with exit status 4 and the fix when Redis does not answer. */
export async function requireRedis(redis: Redis, url: string): Promise<void> {
  await redis.ping().catch((e: Error) => {
    throw new CliError(`Redis at ${redactRedisUrl(url)} is not reachable (${e.message}); set BGPCAST_REDIS_URL.`, ExitCode.Unavailable);
  });
}
