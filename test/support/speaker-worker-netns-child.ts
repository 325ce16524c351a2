// The speaker worker in a child process, for tests that put a node in a network namespace: it
// follows the node's desired state in Redis and reads the namespace's links, routes and
// neighbours as its node facts. Redis is reached through a unix socket (the filesystem is shared
// across namespaces; the test bridges the socket to its Redis, netns-redis-bridge.ts).
// argv[2]: JSON { redisUrl, prefix, node }. Stops (Cease to every peer) on SIGTERM or when stdin
// closes, and by itself after 180 s.
import { createLogger } from '../../events/log.ts';
import { startSpeakerWorker } from '../../speaker/worker/speaker-worker.ts';
import { testBackoff } from './speaker.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as { redisUrl: string; prefix: string; node: string };
const worker = await startSpeakerWorker({
  redisUrl: input.redisUrl,
  prefix: input.prefix,
  nodes: [{ name: input.node }],
  log: createLogger('speaker-netns', process.env['BGPCAST_LOG_LEVEL'] ?? 'warn'),
  restarting: false,
  resyncMs: 2_000,
  heartbeatMs: 500,
  statusCheckMs: 200,
  routesStatusMinIntervalMs: 100,
  speaker: { backoff: testBackoff },
});
process.stdout.write('started\n');

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await worker.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();
setTimeout(() => void stop(1), 180_000).unref();
