// A tiny TCP probe to run inside a network namespace with spawnInNetns()/runNodeInNetns() (the
// pattern of netns.ts): "ping" over TCP, since ICMP ping is not installed everywhere.
//   node netns-probe.ts listen HOST PORT      echo server; prints "listening" when ready; exits
//                                             when stdin closes (its parent went away) or after 60 s
//   node netns-probe.ts connect HOST PORT N   up to N attempts 200 ms apart; sends "ping", prints
//                                             {"ok":true,"reply":"ping","localAddress":...}; exit 0/1
import { createConnection, createServer } from 'node:net';

const [mode, host, portText, countText] = process.argv.slice(2);
const port = Number(portText);

function listen(): void {
  const server = createServer((sock) => sock.pipe(sock));
  server.listen(port, host, () => process.stdout.write('listening\n'));
  const quit = () => server.close(() => process.exit(0));
  process.stdin.on('end', quit).on('close', quit).resume();
  setTimeout(quit, 60_000).unref();
}

function attempt(): Promise<{ reply: string; localAddress: string }> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: host!, port });
    const timer = setTimeout(() => sock.destroy(new Error('timeout')), 1000);
    let reply = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write('ping'));
    sock.on('data', (d: string) => {
      reply += d;
      if (reply.length >= 4) {
        clearTimeout(timer);
        const localAddress = sock.localAddress ?? '';
        sock.end();
        resolve({ reply, localAddress });
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function connect(): Promise<void> {
  const attempts = Math.max(1, Math.min(50, Number(countText ?? 5)));
  let lastError = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      const r = await attempt();
      process.stdout.write(JSON.stringify({ ok: true, attempts: i, ...r }) + '\n');
      process.exit(0);
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  process.stdout.write(JSON.stringify({ ok: false, attempts, error: lastError }) + '\n');
  process.exit(1);
}

if (mode === 'listen') listen();
else if (mode === 'connect') void connect();
else {
  process.stderr.write('usage: netns-probe.ts listen HOST PORT | connect HOST PORT N\n');
  process.exit(2);
}
