// Topic names and their shape. The events topic is the log of every change: keep it with long
// retention. The audit topic is what the speakers sent on the wire (events/audit-records.ts),
// keyed by node; created like the events topic, retention -1.

export const Topics = {
  events: process.env['BGPCAST_EVENTS_TOPIC'] ?? 'bgpcast.events',
  audit: process.env['BGPCAST_AUDIT_TOPIC'] ?? 'bgpcast.audit',
} as const;

/** Partitions of the events topic when bgpcast creates it; the unit of parallelism of stage 1. */
export const defaultEventPartitions = 6;

/** Partitions of the audit topic when bgpcast creates it (keyed by node: one node's records stay in order). */
export const defaultAuditPartitions = 3;
