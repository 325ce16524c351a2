// A unix socket in front of the test's Redis, for processes in network namespaces the test created:
// they cannot reach the host's loopback, but they share its filesystem. Each connection to the
// socket is piped to a new TCP connection to Redis; close() ends both sides of every one.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisBridge {
  /** The socket path, usable as an ioredis URL. */
  readonly path: string;
  close(): Promise<void>;
}

export async function bridgeRedis(redisUrl: string): Promise<RedisBridge> {
  const { hostname, port } = new URL(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-bridge-'));
  const path = join(dir, 'redis.sock');
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return {
    path,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
