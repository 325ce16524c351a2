// Kubernetes condition semantics over the conditions the functions compute (docs/cilium-semantics.md
// COND-8): observedGeneration, lastTransitionTime moving only on a flip, and a condition once
// written kept, False, when its problem clears.

import { CONDITION_TYPES, type Condition } from './rules.ts';
import type { KubeCondition } from './live.ts';

/** A condition as computed, before the time of its last transition is known. */
export interface ComputedCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** Every condition type the status writer writes. */
export const WRITTEN_TYPES: ReadonlySet<string> = new Set(Object.values(CONDITION_TYPES));

/**
 * The False form of a condition whose problem cleared and that the functions no longer list (they
 * list InvalidObject and BGPReconcileError only while there is a problem). Cilium's types keep
 * their reason; bgpcast's own reads as what is true now.
 */
export function clearedCondition(type: string): Omit<ComputedCondition, 'observedGeneration'> {
  if (type === CONDITION_TYPES.invalidObject) return { type, status: 'False', reason: 'ValidationPassed', message: '' };
  const reason = type.slice(type.indexOf('/') + 1);
  return { type, status: 'False', reason, message: '' };
}

/** Kubernetes metav1.Time: RFC 3339 in UTC, whole seconds. */
export function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The conditions to apply: those computed, plus the False form of every type this writer reported
 * before (`previous`) that is no longer computed; lastTransitionTime kept from `previous` while the
 * status is the same. Sorted by type, as Cilium sorts them.
 */
export function resolveConditions(
  computed: readonly ComputedCondition[],
  previous: readonly KubeCondition[],
  now: Date,
  generation?: number,
): KubeCondition[] {
  const byType = new Map(computed.map((c) => [c.type, c]));
  for (const p of previous) {
    if (!byType.has(p.type) && WRITTEN_TYPES.has(p.type)) byType.set(p.type, { ...clearedCondition(p.type), observedGeneration: generation });
  }
  const before = new Map(previous.map((p) => [p.type, p]));
  return [...byType.values()]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((c) => {
      const p = before.get(c.type);
      const observedGeneration = c.observedGeneration ?? generation;
      return {
        type: c.type,
        status: c.status,
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
        lastTransitionTime: p !== undefined && p.status === c.status ? p.lastTransitionTime : kubeTime(now),
        reason: c.reason,
        message: c.message,
      };
    });
}

/** The conditions of one object in the functions' document. */
export function conditionsOf(doc: readonly Condition[], kind: string, name: string): ComputedCondition[] {
  return doc.filter((c) => c.kind === kind && c.name === name && c.namespace === undefined).map(({ type, status, reason, message }) => ({ type, status, reason, message }));
}
