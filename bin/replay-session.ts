// `--at` on the commands that show computed state (desired, conditions, routes available): the
// events topic replayed up to a moment (functions/replay/replay-at.ts) with the functions' settings
// from the environment, and the line that says which positions the answer reflects. Nothing is
// written: no consumer group of the functions, no Redis, no allocation published.

import { kafkaEventLog } from '../functions/replay/event-log.ts';
import { replayAt, type Replay } from '../functions/replay/replay-at.ts';
import { parseReplayPoint, positionsText, ReplayPointError, REPLAY_POINT_FORMS, type ReplayPoint } from '../functions/replay/replay-point.ts';
import { settingsReadBy } from '../functions/settings.ts';
import { Topics } from '../events/topics.ts';
import { CliError, ExitCode } from './cli-error.ts';
import { reachKafka, unreachable } from './kafka-session.ts';
import { settingsFromOptions } from './commands/settings-options.ts';

export const AT_OPTION_HELP = `replay the events topic up to a moment instead of reading the store: ${REPLAY_POINT_FORMS}`;

/** The moment of --at, or a usage error (exit 2) naming the expected forms. */
export function cliReplayPoint(text: string): ReplayPoint {
  try {
    return parseReplayPoint(text);
  } catch (e) {
    if (e instanceof ReplayPointError) throw new CliError(e.message, ExitCode.Usage);
    throw e;
  }
}

/** Replays the events topic up to `text`; notes (a clamped position, a time before the first record) go to stderr. */
export async function cliReplay(text: string): Promise<Replay> {
  const point = cliReplayPoint(text);
  const settings = settingsFromOptions({}, settingsReadBy('functions'));
  const kafka = await reachKafka();
  let replay: Replay;
  try {
    replay = await replayAt(kafkaEventLog(kafka, Topics.events, null), point, settings);
  } catch (e) {
    if (e instanceof ReplayPointError) throw new CliError(e.message, ExitCode.Usage);
    throw unreachable(e);
  }
  if (replay.beforeFirstRecord) process.stderr.write(`bgpcast: ${replayMoment(replay)} is before the first record of ${Topics.events}: the state is empty\n`);
  if (replay.clamped.length > 0) {
    process.stderr.write(`bgpcast: partition(s) ${replay.clamped.join(', ')} end before the offset asked for; read to their end\n`);
  }
  return replay;
}

function replayMoment(r: Replay): string {
  return r.point.kind === 'time' ? r.point.text : positionsText(r.point.upTo);
}

/** "Replayed bgpcast.events as of T: positions 0:42,1:17 (…)": the line printed above a replayed answer. */
export function replayLine(r: Replay): string {
  const as = r.point.kind === 'time' ? ` as of ${r.point.text}` : '';
  return `Replayed ${Topics.events}${as}: positions ${positionsText(r.upTo) || '(none)'} (per partition, the offset after the last record folded; ${r.fold.events} records)\n`;
}

/** The replay line above the answer, or on stderr when stdout carries JSON (which keeps the live answer's shape). */
export function printReplayLine(r: Replay, format: 'json' | 'text'): void {
  (format === 'json' ? process.stderr : process.stdout).write(replayLine(r));
}
