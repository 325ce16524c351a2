// A Speaker in a child process, for tests that put it in a network namespace (Node cannot open a
// socket inside another namespace). argv[2]: JSON { speaker: SpeakerOptions fields, peers:
// SpeakerPeer[] }. Prints the status of every session as one JSON line every 200 ms; on SIGTERM
// stops (Cease to every peer) and exits; exits by itself when stdin closes or after 120 s.
import { createLogger } from '../../events/log.ts';
import type { SpeakerOptions, SpeakerPeer } from '../../speaker/speaker.ts';
import { Speaker } from '../../speaker/speaker.ts';
import { testBackoff } from './speaker.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as { speaker: Omit<SpeakerOptions, 'log'>; peers: SpeakerPeer[] };
const speaker = new Speaker({ backoff: testBackoff, ...input.speaker, log: createLogger('speaker-child', 'warn') });
await speaker.start();
await speaker.setPeers(input.peers);

const report = setInterval(() => process.stdout.write(`${JSON.stringify(speaker.status())}\n`), 200);
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  await speaker.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();
setTimeout(() => void stop(1), 120_000).unref();
