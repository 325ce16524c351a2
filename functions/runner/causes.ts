// Which events of a batch each node's next revision owes to: every consumed event, as a Cause
// (events/causes.ts), listed for the nodes its change could have made stale — the rule of
// dirty.ts applied to that one change (a sync marker: every node of the window). Pure.

import type { ConsumedEvent } from '../../events/bus.ts';
import type { Cause } from '../../events/causes.ts';
import { EventType } from '../../events/envelope.ts';
import { lookupKind } from '../../events/kinds.ts';
import { objectKey } from '../../events/object-key.ts';
import type { ObjectRef } from '../model/world.ts';
import { qualifiedKind, refFromKey } from '../store/object-ref.ts';

export function causeOf(e: ConsumedEvent): Cause {
  const env = e.envelope;
  const position = { source: env.source, observedAt: env.observedAt, partition: e.partition, offset: e.offset };
  if (env.type === EventType.Synced) return { ...position, key: qualifiedKind(env.apiVersion, env.kind), type: 'synced', resourceVersion: null, uid: null };
  return { ...position, key: objectKey(env), type: env.type, resourceVersion: env.resourceVersion, uid: env.uid ?? null };
}

/**
 * node → the events (in the order given) that could have changed it. `dirtiedBy` is dirty.ts
 * nodesDirtiedBy of the batch's window; events of kinds bgpcast does not consume name no node.
 */
export function causesByNode(events: readonly ConsumedEvent[], dirtiedBy: (ref: ObjectRef | null) => readonly string[]): Map<string, Cause[]> {
  const out = new Map<string, Cause[]>();
  for (const e of events) {
    const env = e.envelope;
    if (!lookupKind(env.apiVersion, env.kind)) continue;
    let nodes: readonly string[];
    if (env.type === EventType.Synced) nodes = dirtiedBy(null);
    else {
      const ref = refFromKey(objectKey(env));
      nodes = ref === null ? [] : dirtiedBy(ref);
    }
    if (nodes.length === 0) continue;
    const cause = causeOf(e);
    for (const node of nodes) {
      const list = out.get(node);
      if (list) list.push(cause);
      else out.set(node, [cause]);
    }
  }
  return out;
}
