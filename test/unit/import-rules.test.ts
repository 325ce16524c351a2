// Dependencies point one way, and this test keeps them so: it reads the imports of every source
// file (TypeScript's own pre-processor, ts.preProcessFile) and fails naming each edge that breaks a
// rule.
// - functions/ and speaker/ never import each other: they meet only in the contract, events/;
// - events/ imports neither functions/ nor speaker/;
// - speaker/codec/ imports nothing outside itself but Node's built-ins: the wire codec is pure;
// - functions/cilium/ (the rules) imports neither the caches (functions/incremental/) nor the
//   runner's I/O (functions/runner/, functions/store/).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** An import: from a repo file to a repo file (relative specifier) or to a package / built-in. */
interface Edge {
  readonly from: string;
  readonly to: string;
}

interface Rule {
  readonly name: string;
  readonly applies: (from: string) => boolean;
  readonly forbids: (to: string) => boolean;
}

const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`);
const isBuiltin = (to: string) => to.startsWith('node:') || builtinModules.includes(to);
const isRepoFile = (to: string) => /^(bin|events|functions|speaker|infra|test)\//.test(to);

const RULES: readonly Rule[] = [
  { name: 'functions/ never imports speaker/', applies: under('functions'), forbids: under('speaker') },
  { name: 'speaker/ never imports functions/', applies: under('speaker'), forbids: under('functions') },
  { name: 'events/ imports neither functions/ nor speaker/', applies: under('events'), forbids: (to) => under('functions')(to) || under('speaker')(to) },
  {
    name: 'speaker/codec/ imports nothing outside itself but built-ins',
    applies: under('speaker/codec'),
    forbids: (to) => !isBuiltin(to) && !under('speaker/codec')(to),
  },
  {
    name: 'functions/cilium/ imports neither the caches nor the runner and store',
    applies: under('functions/cilium'),
    forbids: (to) => ['functions/incremental', 'functions/runner', 'functions/store'].some((dir) => under(dir)(to)),
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(resolve(repo, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(resolve(repo, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importEdges(files: readonly string[]): Edge[] {
  return files.flatMap((from) =>
    ts.preProcessFile(readFileSync(resolve(repo, from), 'utf8'), true, true).importedFiles.map(({ fileName }) => ({
      from,
      to: fileName.startsWith('.') ? relative(repo, resolve(repo, dirname(from), fileName)) : fileName,
    })),
  );
}

function violations(edges: readonly Edge[]): string[] {
  return edges.flatMap((e) => RULES.filter((r) => r.applies(e.from) && r.forbids(e.to)).map((r) => `${e.from} → ${e.to} (${r.name})`));
}

describe('import rules', () => {
  const files = ['events', 'functions', 'speaker'].flatMap(sourceFiles);

  it('hold for every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    const edges = importEdges(files);
    expect(edges.filter((e) => isRepoFile(e.to)).length).toBeGreaterThan(300);
    expect(violations(edges)).toEqual([]);
  });

  it.each([
    ['functions/runner/x.ts', 'speaker/speaker.ts'],
    ['speaker/worker/x.ts', 'functions/model/world.ts'],
    ['events/x.ts', 'functions/cilium/ownership.ts'],
    ['events/x.ts', 'speaker/codec/ip.ts'],
    ['speaker/codec/x.ts', 'events/ip.ts'],
    ['speaker/codec/x.ts', 'speaker/rib/adj-rib-out.ts'],
    ['speaker/codec/x.ts', 'zod'],
    ['functions/cilium/x.ts', 'functions/incremental/desired-cache.ts'],
    ['functions/cilium/x.ts', 'functions/store/redis.ts'],
  ])('name the edge that breaks one: %s → %s', (from, to) => {
    expect(violations([{ from, to }])).toEqual([expect.stringContaining(`${from} → ${to}`)]);
  });

  it.each([
    ['speaker/codec/x.ts', 'node:buffer'],
    ['speaker/codec/x.ts', 'speaker/codec/ip.ts'],
    ['speaker/worker/x.ts', 'events/redis-keys.ts'],
    ['functions/incremental/x.ts', 'functions/cilium/ownership.ts'],
  ])('let %s → %s pass', (from, to) => {
    expect(violations([{ from, to }])).toEqual([]);
  });
});
