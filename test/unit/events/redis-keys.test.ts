// The Redis key contract is described once, in code (events/redis-keys.ts REDIS_KEYS), and the
// README's key tables say the same: exactly the keys the code defines, each with its type, the
// fields of its hash where the code fixes them, and the fields of the JSON it holds. The functions'
// Lua scripts write the hash fields the contract names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONDITIONS_FIELDS, DESIRED_FIELDS, REDIS_KEYS, nodeKeys, storeKeys } from '../../../events/redis-keys.ts';

const repo = resolve(import.meta.dirname, '../../..');

interface ReadmeRow {
  readonly key: string;
  readonly type: string;
  /** Backticked bare words: the fields the row names. */
  readonly words: string[];
  /** Backticked {a, b, c} shapes: the fields of a JSON value the row names. */
  readonly shapes: string[][];
}

/** The rows of the README's key tables: a first cell that is a key `<p>:…` (or "channel `<p>:…`"). */
function readmeRows(): ReadmeRow[] {
  const rows: ReadmeRow[] = [];
  for (const line of readFileSync(resolve(repo, 'README.md'), 'utf8').split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const key = /^(?:channel )?`(<p>:[^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (key === undefined) continue;
    const holds = cells.slice(3).join('|');
    const ticked = [...holds.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.push({
      key,
      type: cells[1]!.startsWith('channel') ? 'pub/sub' : cells[2]!,
      words: ticked.filter((t) => /^[A-Za-z][A-Za-z0-9]*$/.test(t)),
      shapes: ticked.filter((t) => /^\{[A-Za-z, ]+\}$/.test(t)).map((t) => t.slice(1, -1).split(',').map((f) => f.trim())),
    });
  }
  return rows;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('the Redis key contract', () => {
  const rows = readmeRows();
  const byKey = new Map(rows.map((r) => [r.key, r]));

  it('the README lists exactly the keys the code defines, each once', () => {
    expect(rows.length).toBe(byKey.size);
    expect(sorted(byKey.keys())).toEqual(sorted(REDIS_KEYS.map((k) => k.key)));
  });

  it.each(REDIS_KEYS.map((k) => [k.key, k] as const))('%s: its type, hash fields and JSON fields as the code has them', (_key, contract) => {
    const row = byKey.get(contract.key)!;
    expect(row.type).toBe(contract.type);
    expect(sorted(row.words)).toEqual(sorted(contract.fields ?? []));
    if (contract.entry !== undefined) expect(row.shapes.map(sorted)).toContainEqual(sorted(contract.entry));
  });

  it('the key builders the code uses give the contract keys', () => {
    const world = storeKeys('<p>');
    const node = nodeKeys('<p>', '<node>');
    const built = [...Object.values(world).filter((v): v is string => typeof v === 'string' && v !== '<p>'), world.desired('<node>'), world.desiredRoutes('<node>'), world.desiredChanged('<node>'), node.status];
    for (const key of built) expect(REDIS_KEYS.map((k) => k.key), key).toContain(key);
  });

  it("the functions' scripts write every field of the desired and conditions hashes", () => {
    const scripts = readFileSync(resolve(repo, 'functions/store/scripts.ts'), 'utf8');
    for (const field of [...Object.values(DESIRED_FIELDS), ...Object.values(CONDITIONS_FIELDS)]) expect(scripts, field).toContain(`'${field}'`);
  });
});
