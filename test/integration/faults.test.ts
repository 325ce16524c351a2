// The fault-injection suite, short form (≈ 1 min of faults): every kind of kill -9 at least once
// under a seeded stream of changes, then the desired state equals a clean replay, BIRD holds
// exactly the desired routes, and no route that stayed desired was withdrawn there
// (test/fault/harness.ts). The seed is printed, and named on failure: BGPCAST_TEST_SEED=N
// reproduces a run; `node test/fault/run.ts --seed N --duration S` runs longer.

import { expect, it } from 'vitest';
import { FAULTS, runFaultSuite } from '../fault/harness.ts';

it('kill -9 of the functions, a speaker, Redis (with and without its data), Kafka and BIRD under a stream of changes: nothing lost, nothing withdrawn', { timeout: 600_000 }, async () => {
  const seed = Number(process.env['BGPCAST_TEST_SEED'] ?? Date.now() % 1_000_000);
  const report = await runFaultSuite({ seed, durationMs: 60_000, say: (line) => process.stderr.write(`[faults] ${line}\n`) });
  expect(new Set(report.hits.map((h) => h.fault)), `seed ${seed}: every kind of fault hit`).toEqual(new Set(FAULTS));
  expect(report.changes, `seed ${seed}`).toBeGreaterThan(20);
  expect(report.violations, `seed ${seed}`).toEqual([]);
});
