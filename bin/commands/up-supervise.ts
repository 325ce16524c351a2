// `bgpcast up` keeps what it runs running: Kafka and Redis (started or taken over) are checked
// every second, and one that is gone is started again — one line when it is noticed, one when it
// is back — with back-off between attempts (1 s doubling to 16 s), at most five attempts in a row;
// a part that stays up for a minute starts a new series. After the fifth failure `up` says so and
// leaves it: the speakers keep their sessions and routes meanwhile, as they do during any outage.

import { setTimeout as sleep } from 'node:timers/promises';

export interface Supervisable {
  readonly name: string;
  pid(): number | null;
  alive(): boolean;
  restart(): Promise<void>;
  /** Where it serves, for the "back" line. */
  readonly address: string;
}

export interface SupervisionSettings {
  readonly checkMs: number;
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Up this long, a part starts a new series of attempts. */
  readonly healthyMs: number;
}

export const SUPERVISION: SupervisionSettings = { checkMs: 1_000, attempts: 5, firstDelayMs: 1_000, maxDelayMs: 16_000, healthyMs: 60_000 };

export interface Supervisor {
  /** Stops watching; resolves after a restart in progress has finished (so what it started can be stopped). */
  stop(): Promise<void>;
}

export function supervise(parts: readonly Supervisable[], say: (m: string) => void, o: Partial<SupervisionSettings> = {}): Supervisor {
  const cfg = { ...SUPERVISION, ...o };
  let stopped = false;
  const abort = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { ref: false, signal: abort.signal }).catch(() => undefined);
  const loops = parts.map(async (part) => {
    let failures = 0;
    let upSince = Date.now();
    while (!stopped) {
      await pause(cfg.checkMs);
      if (stopped) return;
      if (part.alive()) {
        if (failures > 0 && Date.now() - upSince >= cfg.healthyMs) failures = 0;
        continue;
      }
      if (failures >= cfg.attempts) continue; // given up on, said so once
      const pid = part.pid();
      failures++;
      const delay = Math.min(cfg.firstDelayMs * 2 ** (failures - 1), cfg.maxDelayMs);
      say(`${part.name}${pid ? ` (pid ${pid})` : ''} is gone; starting it again in ${delay / 1000} s (attempt ${failures} of ${cfg.attempts})`);
      await pause(delay);
      if (stopped) return;
      try {
        await part.restart();
        upSince = Date.now();
        say(`${part.name} is back on ${part.address} (pid ${part.pid()})`);
      } catch (e) {
        say(`${part.name} did not start: ${(e as Error).message.split('\n')[0]}`);
        if (failures >= cfg.attempts) {
          say(`${part.name}: giving up after ${cfg.attempts} attempts; the speakers keep their sessions and routes. Fix it and restart \`bgpcast up\``);
        }
      }
    }
  });
  const all = Promise.all(loops);
  return {
    async stop() {
      stopped = true;
      abort.abort();
      await all;
    },
  };
}

/**
 * A consumer kept running: when it stops on an error (kafkajs gives up after a long Kafka outage,
 * say) it is started again after `delayMs`, with one line each time. stop() stops the current one.
 */
export function keepRunning<T extends { done: Promise<void>; stop(): Promise<void> }>(
  name: string,
  start: () => Promise<T>,
  say: (m: string) => void,
  delayMs = 2_000,
): Promise<{ current(): T | null; stop(): Promise<void> }> {
  let stopping = false;
  let current: T | null = null;
  const watch = (c: T) => {
    c.done.catch(async (e: Error) => {
      if (stopping) return;
      say(`${name} stopped (${e.message.split('\n')[0]}); starting it again in ${delayMs / 1000} s`);
      for (;;) {
        await sleep(delayMs, undefined, { ref: false });
        if (stopping) return;
        try {
          current = await start();
          watch(current);
          say(`${name} running again`);
          return;
        } catch (err) {
          say(`${name} did not start (${(err as Error).message.split('\n')[0]}); trying again in ${delayMs / 1000} s`);
        }
      }
    });
  };
  return start().then((c) => {
    current = c;
    watch(c);
    return {
      current: () => current,
      async stop() {
        stopping = true;
        await current?.stop();
      },
    };
  });
}
