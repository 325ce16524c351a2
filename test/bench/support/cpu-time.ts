// CPU time of processes by pid, for benchmarks that say where a change's CPU goes.
// Linux only: /proc/<pid>/stat fields 14 and 15 (utime, stime) in clock ticks. The tick is
// USER_HZ, 100 on every Linux ABI Node runs on, so the resolution is 10 ms: read it over a
// series, not per change. A pid that is gone or unreadable reads as undefined.
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

/** User + system CPU of a process in ms, or undefined when it cannot be read. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU ms of each named process since `start()`; `self` uses process.cpuUsage (µs resolution). */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const read = (): Record<string, number | undefined> => {
    const own = process.cpuUsage();
    const out: Record<string, number | undefined> = { self: (own.user + own.system) / 1000 };
    for (const [name, pid] of Object.entries(pids)) out[name] = cpuMsOf(pid);
    return out;
  };
  const before = read();
  return {
    /** ms of CPU per process since the meter was made; undefined entries could not be read. */
    since(): Record<string, number | undefined> {
      const after = read();
      return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] === undefined || before[k] === undefined ? undefined : after[k]! - before[k]!]));
    },
  };
}
