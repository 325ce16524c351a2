// Topic names and their shape. The events topic is the audit log: keep it with long retention.

export const Topics = {
  events: process.env['BGPCAST_EVENTS_TOPIC'] ?? 'bgpcast.events',
} as const;

/** Partitions of the events topic when bgpcast creates it; the unit of parallelism of stage 1. */
export const defaultEventPartitions = 6;
