// A client for BIRD's control socket: what `birdc -s SOCK CMD` does, without spawning birdc for
// every poll. The protocol (BIRD 2, sysdep/unix/main.c and client/): on connect BIRD greets with
// "0001 BIRD x.y ready."; each command is one line; each reply line is "CCCC-text" (more to come),
// "CCCC text" (last line) or " text" (continuation of the previous code). Codes 0xxx are
// statuses, 1xxx/2xxx data, 8xxx run-time errors, 9xxx parse errors.
import { createConnection } from 'node:net';

export class BirdCommandError extends Error {
  readonly code: number;
  readonly command: string;
  constructor(command: string, code: number, text: string) {
    super(`birdc '${command}': ${code} ${text}`);
    this.name = 'BirdCommandError';
    this.command = command;
    this.code = code;
  }
}

export interface BirdReply {
  /** Code of the final line (0 = OK, 3 = Reconfigured, 13 = Daemon is up and running, ...). */
  code: number;
  /** Every line as birdc prints it (codes stripped), the final line included when it has text. */
  lines: string[];
}

interface Parsed {
  done: boolean;
  code: number;
}

/** Consumes complete lines from `buf` into `out`; reports whether the final line was seen. */
function takeLines(buf: string, out: string[]): { rest: string; parsed: Parsed } {
  let rest = buf;
  for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
    const line = rest.slice(0, nl);
    rest = rest.slice(nl + 1);
    const m = /^(\d{4})([ -])(.*)$/.exec(line);
    if (m) {
      const text = m[3]!;
      if (m[2] === ' ') {
        if (text !== '') out.push(text);
        return { rest, parsed: { done: true, code: Number(m[1]) } };
      }
      out.push(text);
    } else {
      out.push(line.startsWith(' ') ? line.slice(1) : line);
    }
  }
  return { rest, parsed: { done: false, code: -1 } };
}

/**
 * Runs one command on a fresh connection (cheap on a unix socket, and safe across BIRD restarts).
 * Throws BirdCommandError for 8xxx/9xxx replies and a plain Error when the socket is not there
 * or the reply does not come within `timeoutMs`.
 */
export function birdCommand(socketPath: string, command: string, timeoutMs = 10_000): Promise<BirdReply> {
  if (command.includes('\n')) throw new Error('one command per call');
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    sock.setEncoding('utf8');
    let buf = '';
    let greeted = false;
    const lines: string[] = [];
    const timer = setTimeout(() => finish(new Error(`birdc '${command}': no reply within ${timeoutMs} ms`)), timeoutMs);
    function finish(err: Error | null, reply?: BirdReply): void {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    }
    sock.on('error', (err) => finish(new Error(`birdc '${command}' on ${socketPath}: ${err.message}`)));
    sock.on('close', () => finish(new Error(`birdc '${command}': connection closed before the reply ended`)));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (!greeted) {
        const greeting: string[] = [];
        const r = takeLines(buf, greeting);
        buf = r.rest;
        if (!r.parsed.done) return;
        greeted = true;
        sock.write(`${command}\n`);
      }
      const r = takeLines(buf, lines);
      buf = r.rest;
      if (!r.parsed.done) return;
      const { code } = r.parsed;
      if (code >= 8000) finish(new BirdCommandError(command, code, lines.join('\n')));
      else finish(null, { code, lines });
    });
  });
}
