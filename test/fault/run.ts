// The fault-injection suite, long form: prints what it hit and what held.
//   node test/fault/run.ts [--seed N] [--duration SECONDS]
// Exits 1 when something did not hold, naming the seed that reproduces the run
// (test/fault/harness.ts says what is hit and what is checked). The short form runs in the test
// suite (test/integration/faults.test.ts).

import { parseArgs } from 'node:util';
import { runFaultSuite } from './harness.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, duration: { type: 'string', default: '300' } } });
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
const duration = Number(values.duration);
if (!Number.isInteger(seed) || !(duration > 0)) {
  process.stderr.write('usage: node test/fault/run.ts [--seed N] [--duration SECONDS]\n');
  process.exit(2);
}
const say = (line: string) => process.stdout.write(`${line}\n`);
try {
  const report = await runFaultSuite({ seed, durationMs: duration * 1000, say });
  const counts = new Map<string, number>();
  for (const h of report.hits) counts.set(h.fault, (counts.get(h.fault) ?? 0) + 1);
  say(`hit: ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ')}; ${report.changes} changes published`);
  if (report.violations.length === 0) {
    say(`everything held (seed ${seed})`);
  } else {
    for (const v of report.violations) say(`DID NOT HOLD: ${v}`);
    say(`reproduce with: node test/fault/run.ts --seed ${seed} --duration ${duration}`);
    process.exitCode = 1;
  }
} catch (e) {
  say(`the run failed (seed ${seed}): ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
