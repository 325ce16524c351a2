// Kubernetes label selectors: matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist),
// all terms ANDed. An empty selector {} matches everything (standard Kubernetes conversion). What a
// *missing* (nil) selector means depends on where it sits (docs/cilium-semantics.md OBJ-1), so every
// caller says so explicitly through `nil`:
//   - ClusterConfig.spec.nodeSelector: nil selects all nodes;
//   - PeerConfig families[].advertisements and advertisements[].selector: nil selects nothing.
// Validation follows apimachinery: In/NotIn need at least one value, Exists/DoesNotExist none.

import { z } from 'zod';

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

export type Labels = Readonly<Record<string, string>>;

export const NIL_SELECTS = { all: 'all', nothing: 'nothing' } as const;
export type NilSelects = (typeof NIL_SELECTS)[keyof typeof NIL_SELECTS];

const requirementSchema = z
  .object({
    key: z.string().min(1, 'label key must not be empty'),
    operator: z.enum(SELECTOR_OPERATORS),
    values: z.array(z.string()).nullish(),
  })
  .superRefine((req, ctx) => {
    const count = req.values?.length ?? 0;
    const needsValues = req.operator === 'In' || req.operator === 'NotIn';
    if (needsValues && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} needs at least one value` });
    }
    if (!needsValues && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} takes no values` });
    }
  });

/** Schema of a selector that may be absent: the result is null when the field is nil. */
export const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string({ error: 'label values must be strings (quote "true")' })).nullish(),
    matchExpressions: z.array(requirementSchema).nullish(),
  })
  .nullish()
  .transform((sel): LabelSelector | null =>
    sel == null
      ? null
      : {
          matchLabels: sel.matchLabels ?? {},
          matchExpressions: (sel.matchExpressions ?? []).map((r) => ({
            key: r.key,
            operator: r.operator,
            values: r.values ?? [],
          })),
        },
  );

function requirementMatches(req: SelectorRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(labels[req.key] as string);
    case 'NotIn':
      return !has || !req.values.includes(labels[req.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Whether the selector matches the labels; `nil` says what a missing selector means here. */
export function selectorMatches(selector: LabelSelector | null, labels: Labels, nil: NilSelects): boolean {
  if (selector === null) return nil === NIL_SELECTS.all;
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return selector.matchExpressions.every((req) => requirementMatches(req, labels));
}
