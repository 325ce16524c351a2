// The real-router test harness in one import: BIRD 2 and GoBGP 3.10 as child processes with
// their own configs, a raw BGP peer, MRT files for bulk loading, and network namespaces.
export * from './bird.ts';
export * from './gobgp.ts';
export * from './raw-peer.ts';
export * from './mrt.ts';
export * from './netns.ts';
export { loopbackBlock, waitFor, makeTempDir, removeTempDir, run, runOk } from './common.ts';
export type { WaitOptions, RunResult } from './common.ts';
export { renderBirdConfig } from './bird-config.ts';
export { parseProtocol, parseRoutes, parseRouteCount } from './bird-parse.ts';
export { renderGobgpConfig } from './gobgp-config.ts';
export { parseGobgpRib } from './gobgp-parse.ts';
export type { MrtExpect } from './mrt-inject.ts';
