// What a message on <p>:{<node>}:desired:changed says (events/desired-delta.ts): a DesiredDelta,
// or — from writers of the former layout — the bare new revision. Anything else, or a delta that
// does not hold together, is unreadable: the reader then reads the document, which is the truth.
// Pure. Checks are by hand, not by schema, because a delta may carry 2,000 routes and is parsed on
// the path every change takes; the sessions part, rare and small, goes through the schema.

import type { DesiredDelta } from '../../events/desired-delta.ts';
import type { DesiredNodeState } from '../../events/desired-state.ts';
import { desiredNodeStateSchema } from '../../events/desired-state.ts';

export type ChangedMessage =
  | { readonly kind: 'delta'; readonly delta: DesiredDelta }
  | { readonly kind: 'revision'; readonly revision: number }
  | { readonly kind: 'unreadable'; readonly why: string };

export function parseChangedMessage(node: string, message: string): ChangedMessage {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return { kind: 'unreadable', why: 'not JSON' };
  }
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? { kind: 'revision', revision: v } : { kind: 'unreadable', why: 'not a revision' };
  const why = deltaProblem(node, v);
  return why === null ? { kind: 'delta', delta: v as DesiredDelta } : { kind: 'unreadable', why };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRevision = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function deltaProblem(node: string, v: unknown): string | null {
  if (!isObject(v)) return 'not an object';
  if (v['node'] !== node) return `for node ${String(v['node'])}`;
  // A writer before store epochs sent none: its revisions belong to the epoch ''.
  if (v['epoch'] === undefined) v['epoch'] = '';
  else if (typeof v['epoch'] !== 'string') return 'epoch not text';
  if (!isRevision(v['revision']) || !isRevision(v['previous'])) return 'revision or previous not a revision';
  if (typeof v['truncated'] !== 'boolean') return 'truncated not a boolean';
  if (!Array.isArray(v['routes'])) return 'routes not a list';
  if (v['sessions'] !== null) {
    const parsed = desiredNodeStateSchema.safeParse(v['sessions']);
    if (!parsed.success) return `sessions: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
    v['sessions'] = parsed.data as DesiredNodeState;
  }
  for (const c of v['routes'] as unknown[]) {
    const problem = changeProblem(c);
    if (problem !== null) return `route change: ${problem}`;
  }
  return null;
}

function changeProblem(c: unknown): string | null {
  if (!isObject(c)) return 'not an object';
  if (typeof c['instance'] !== 'string' || typeof c['peer'] !== 'string' || typeof c['prefix'] !== 'string') return 'instance, peer or prefix not text';
  if (c['afi'] !== 'ipv4' && c['afi'] !== 'ipv6') return 'afi';
  const r = c['route'];
  if (r === null) return null;
  if (!isObject(r)) return 'route not an object';
  if (r['prefix'] !== c['prefix']) return 'route prefix differs';
  if (!isStrings(r['communities']) || !isStrings(r['largeCommunities'])) return 'communities';
  const lp = r['localPreference'];
  if (lp !== null && !(isRevision(lp) && lp <= 0xffffffff)) return 'localPreference';
  if (r['origin'] !== 'igp' && r['origin'] !== 'incomplete') return 'origin';
  return null;
}
