// Every Prometheus series bgpcast exports, in one list: name, type, labels, which process serves it
// and what it means. The metrics are created from these entries (events/telemetry.ts counter(),
// gauge(), histogram()), the README's metrics table is held to this list by a unit test, and so are
// the queries of the Grafana dashboard and the alert rules (infra/kubernetes/bgpcast/files/).
//
// The cilium_bgp_control_plane_* series carry Cilium's names and labels (Cilium's
// Documentation/observability/metrics.rst and pkg/bgpv1/metrics/metrics.go), plus `node`: one
// speaker process may stand for several nodes. Label values as Cilium's agent writes them:
//   vrouter       the instance's local AS in decimal (peer series); the instance name (reconcile
//                 series, as Cilium's BGPv2 manager observes them per instance)
//   neighbor      "address:port" as Go's netip.AddrPort prints it: 192.0.2.1:179, [2001:db8::1]:179
//   neighbor_asn  the peer's AS in decimal
//   afi, safi     ipv4 / ipv6, unicast
// bgpcast's own series are named by Prometheus' conventions: base units (seconds, bytes) in the
// name, `_total` on counters, `_timestamp_seconds` for Unix times.

export type SeriesType = 'counter' | 'gauge' | 'histogram';

/** Which process serves it: `up` serves the speakers' and the functions' endpoints together. */
export type Exporter = 'speaker' | 'functions' | 'watch' | 'status-writer' | 'functions, watch' | 'every process';

export interface SeriesDef {
  readonly name: string;
  readonly type: SeriesType;
  readonly labels: readonly string[];
  readonly exporter: Exporter;
  readonly help: string;
}

const cilium = ['vrouter', 'neighbor', 'neighbor_asn', 'node'] as const;
const peer = ['node', 'vrouter', 'neighbor'] as const;

export const Series = {
  // --- Cilium's BGP Control Plane series (speaker) ---------------------------------------------
  sessionState: {
    name: 'cilium_bgp_control_plane_session_state',
    type: 'gauge',
    labels: cilium,
    exporter: 'speaker',
    help: 'Current state of the BGP session with the peer, Up = 1 or Down = 0',
  },
  advertisedRoutes: {
    name: 'cilium_bgp_control_plane_advertised_routes',
    type: 'gauge',
    labels: [...cilium, 'afi', 'safi'],
    exporter: 'speaker',
    help: 'Number of routes advertised to the peer (0 unless the session is established, as `bgpcast peers`)',
  },
  receivedRoutes: {
    name: 'cilium_bgp_control_plane_received_routes',
    type: 'gauge',
    labels: [...cilium, 'afi', 'safi'],
    exporter: 'speaker',
    help: 'Number of routes received from the peer (0 unless the session is established, as `bgpcast peers`)',
  },
  reconcileErrors: {
    name: 'cilium_bgp_control_plane_reconcile_errors_total',
    type: 'counter',
    labels: ['vrouter', 'node'],
    exporter: 'speaker',
    help: 'Number of reconciliation runs that returned an error: an instance that could not start, or an apply that failed',
  },
  reconcileDuration: {
    name: 'cilium_bgp_control_plane_reconcile_run_duration_seconds',
    type: 'histogram',
    labels: ['vrouter', 'node'],
    exporter: 'speaker',
    help: "Histogram of reconciliation run duration: one desired revision (document or delta) applied to the node's instances",
  },

  // --- the speaker's own ------------------------------------------------------------------------
  bgpMessages: {
    name: 'bgpcast_bgp_messages_total',
    type: 'counter',
    labels: [...peer, 'direction', 'type'],
    exporter: 'speaker',
    help: 'BGP messages sent and received, by direction (sent, received) and type (open, update, notification, keepalive, route-refresh); counts start over when a peer is replaced',
  },
  bgpMessageBytes: {
    name: 'bgpcast_bgp_message_bytes_total',
    type: 'counter',
    labels: [...peer, 'direction'],
    exporter: 'speaker',
    help: 'Octets of the BGP messages counted in bgpcast_bgp_messages_total, headers included',
  },
  sessionFlaps: {
    name: 'bgpcast_bgp_session_flaps_total',
    type: 'counter',
    labels: peer,
    exporter: 'speaker',
    help: 'Established periods of the session that ended (hold timer, NOTIFICATION, connection lost)',
  },
  desiredToUpdate: {
    name: 'bgpcast_speaker_desired_to_update_seconds',
    type: 'histogram',
    labels: ['node'],
    exporter: 'speaker',
    help: "From a desired revision written to Redis by the functions to its UPDATEs written to the node's established sessions (deltas only)",
  },
  appliedRevision: {
    name: 'bgpcast_speaker_applied_revision',
    type: 'gauge',
    labels: ['node'],
    exporter: 'speaker',
    help: 'The desired revision the speaker has applied for the node (0: none yet)',
  },
  storedRevision: {
    name: 'bgpcast_speaker_stored_revision',
    type: 'gauge',
    labels: ['node'],
    exporter: 'speaker',
    help: "The node's desired revision stored in Redis, read at scrape time (absent while Redis does not answer)",
  },

  // --- the functions ----------------------------------------------------------------------------
  eventToDesired: {
    name: 'bgpcast_functions_event_to_desired_seconds',
    type: 'histogram',
    labels: [],
    exporter: 'functions',
    help: "From an event's observedAt (the watcher saw the change, or `apply` read the file) to the desired state of its batch written",
  },
  batchDuration: {
    name: 'bgpcast_functions_batch_duration_seconds',
    type: 'histogram',
    labels: [],
    exporter: 'functions',
    help: 'Time to fold one batch of events and recompute the desired state it affects',
  },
  batchesFailed: {
    name: 'bgpcast_functions_batches_failed_total',
    type: 'counter',
    labels: [],
    exporter: 'functions',
    help: 'Batches not processed (Redis unreachable, compare-and-set retries exhausted); they are delivered again',
  },
  events: {
    name: 'bgpcast_functions_events_total',
    type: 'counter',
    labels: ['outcome'],
    exporter: 'functions',
    help: 'Events consumed, by outcome: folded (changed the world view), duplicate (a redelivery or an older version), ignored (a kind bgpcast does not read)',
  },
  desiredWrites: {
    name: 'bgpcast_functions_desired_writes_total',
    type: 'counter',
    labels: [],
    exporter: 'functions',
    help: 'Desired documents written with a new revision (a node, or the conditions)',
  },
  casConflicts: {
    name: 'bgpcast_functions_cas_conflicts_total',
    type: 'counter',
    labels: [],
    exporter: 'functions',
    help: 'Compare-and-set writes refused because another writer got there first; each is recomputed',
  },
  consumerLag: {
    name: 'bgpcast_functions_consumer_lag_records',
    type: 'gauge',
    labels: ['topic', 'partition'],
    exporter: 'functions',
    help: "Records on the partition not yet committed by the functions' consumer group, read at scrape time",
  },
  pending: {
    name: 'bgpcast_functions_pending_recomputations',
    type: 'gauge',
    labels: [],
    exporter: 'functions',
    help: 'Pending entries: recomputations a fold still owes (normally 0 between batches)',
  },
  pendingOldestAge: {
    name: 'bgpcast_functions_pending_oldest_age_seconds',
    type: 'gauge',
    labels: [],
    exporter: 'functions',
    help: 'How long ago the oldest pending entry was written (0 when none is pending)',
  },
  speakerHeartbeat: {
    name: 'bgpcast_speaker_heartbeat_timestamp_seconds',
    type: 'gauge',
    labels: ['node'],
    exporter: 'functions',
    help: "The node's speaker's last status heartbeat (every 5 s), Unix time, read from Redis; nodes whose speaker was stopped on purpose (stopped, drained) are left out",
  },

  // --- the watcher ------------------------------------------------------------------------------
  watcherPublished: {
    name: 'bgpcast_watcher_events_published_total',
    type: 'counter',
    labels: ['kind'],
    exporter: 'watch',
    help: 'Object events the watcher published, by kind',
  },
  watcherFiltered: {
    name: 'bgpcast_watcher_events_filtered_total',
    type: 'counter',
    labels: ['kind'],
    exporter: 'watch',
    help: 'Object changes and listed objects not published because nothing bgpcast reads changed, by kind',
  },

  // --- the status writer ------------------------------------------------------------------------
  statusWriterWrites: {
    name: 'bgpcast_status_writer_api_writes_total',
    type: 'counter',
    labels: ['kind', 'op', 'outcome'],
    exporter: 'status-writer',
    help: "API writes of the status writer, by kind (LB IPAM's: `Service`, `CiliumLoadBalancerIPPool`), operation (apply, apply-status, delete) and outcome (ok, not_found, conflict, refused, unreachable)",
  },
  statusWriterRounds: {
    name: 'bgpcast_status_writer_rounds_total',
    type: 'counter',
    labels: ['trigger'],
    exporter: 'status-writer',
    help: 'Rounds of the status writer, by trigger (event: a notification or a watched change; resync: periodic)',
  },
  statusWriterConflicts: {
    name: 'bgpcast_status_writer_nodeconfig_conflicts',
    type: 'gauge',
    labels: [],
    exporter: 'status-writer',
    help: 'NodeConfigs held by another ClusterConfig than the one that owns their node, left alone',
  },

  // --- every process ----------------------------------------------------------------------------
  redisUp: {
    name: 'bgpcast_redis_up',
    type: 'gauge',
    labels: [],
    exporter: 'every process',
    help: 'Redis answered (1) or not (0) at scrape time',
  },
  kafkaUp: {
    name: 'bgpcast_kafka_up',
    type: 'gauge',
    labels: [],
    exporter: 'functions, watch',
    help: 'Kafka answered a metadata request (1) or not (0) at scrape time',
  },
  processCpu: {
    name: 'bgpcast_process_cpu_seconds_total',
    type: 'counter',
    labels: [],
    exporter: 'every process',
    help: "CPU time of the process (prom-client's process metrics, which all carry the prefix bgpcast_)",
  },
  processMemory: {
    name: 'bgpcast_process_resident_memory_bytes',
    type: 'gauge',
    labels: [],
    exporter: 'every process',
    help: 'Resident memory of the process',
  },
  eventLoopLag: {
    name: 'bgpcast_nodejs_eventloop_lag_p99_seconds',
    type: 'gauge',
    labels: [],
    exporter: 'every process',
    help: "The 99th percentile of the Node.js event loop's delay",
  },
} as const satisfies Record<string, SeriesDef>;

export type SeriesKey = keyof typeof Series;

/** Every series, in table order. */
export const allSeries: readonly SeriesDef[] = Object.values(Series);

/** The names a query may use for a series: a histogram's _bucket, _sum and _count. */
export function queryableNames(s: SeriesDef): string[] {
  return s.type === 'histogram' ? [`${s.name}_bucket`, `${s.name}_sum`, `${s.name}_count`] : [s.name];
}
