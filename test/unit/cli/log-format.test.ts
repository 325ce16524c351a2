// Logs for people: a JSON log line as the one readable line a terminal shows, and the log settings
// the long-lived commands take from their flags.

import { describe, expect, it } from 'vitest';
import { configureLogs, LOG_LEVELS, prettyLine } from '../../../events/log.ts';

const line = (o: Record<string, unknown>) => JSON.stringify({ level: 30, time: Date.UTC(2025, 5, 1, 12, 4, 5, 123), pid: 7, hostname: 'h', ...o });

describe('a log line for a terminal', () => {
  const pretty = prettyLine();

  it('is time, level, component and message, then the fields as key=value on the same line', () => {
    const out = pretty(line({ name: 'speaker', component: 'speaker', node: 'worker1', peer: 'peer-65000-r1', families: ['1/1'], msg: 'session established' }));
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.123\] INFO: speaker: session established node=worker1 peer=peer-65000-r1 families=\["1\/1"\]\n$/);
  });

  it('quotes values with spaces, shows an error by its message, and marks warnings and errors', () => {
    expect(pretty(line({ level: 40, component: 'functions', reason: 'two words', msg: 'slow' }))).toMatch(/WARN: functions: slow reason="two words"\n$/);
    const err = { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:6379', stack: 'Error: …' };
    expect(pretty(line({ level: 50, component: 'functions', err, msg: 'batch failed' }))).toMatch(/ERROR: functions: batch failed err="connect ECONNREFUSED 127.0.0.1:6379"\n$/);
  });

  it('never prints pid, hostname or the logger name again', () => {
    const out = pretty(line({ name: 'kafka', component: 'kafka', msg: 'x' }));
    expect(out).not.toMatch(/\b7\b|hostname|\(kafka/);
  });
});

describe('log settings', () => {
  it('refuse a level pino does not know, naming the ones it does', () => {
    expect(() => configureLogs({ level: 'verbose' })).toThrow(/not a log level: verbose \(one of fatal, error, warn, info, debug, trace, silent\)/);
    expect(LOG_LEVELS).toContain('debug');
  });

  it('refuse a log file that cannot be opened, with the reason', () => {
    expect(() => configureLogs({ file: '/nonexistent-dir/bgpcast.log' })).toThrow(/ENOENT/);
  });
});
