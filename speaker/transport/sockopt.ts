// The socket options Node has no API for, from our own Node-API addon (native/sockopt.c):
// TCP MD5 signatures (RFC 2385), the outgoing TTL / hop limit (eBGP: 1, multihop: N, iBGP and
// GTSM: 255) and the minimum incoming TTL of GTSM (RFC 5082).
//
// Why an addon of ours rather than one from npm: the only npm package for arbitrary setsockopt
// (`sockopt`) has ~1,300 downloads a month, no release in years, and builds with node-gyp, which
// downloads Node's headers from a host our machines cannot reach. What we need is nine system
// calls: ~200 lines of C against Node-API (ABI-stable across Node versions), built by one gcc
// command (native/build.sh) against headers already on the machine. No maintenance tail, nothing
// fetched at build time, and every call is visible here.
//
// The addon only creates and configures sockets; connecting and accepting stay with Node (the fd
// is wrapped by net.Socket / net.Server and libuv does the non-blocking connect), so nothing in
// C waits on the network and no thread pool slot is ever held.
//
// Without the built addon, transports still work with Node's own sockets (loadSockopt() returns
// null): MD5 is then refused with an error, and TTL settings are skipped with a warning.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** IP version of a socket: 4 (AF_INET) or 6 (AF_INET6). */
export type IpFamily = 4 | 6;

export interface Sockopt {
  socket(family: IpFamily): number;
  bind(fd: number, address: string, port: number): void;
  listen(fd: number, backlog: number): void;
  /** RFC 2385 key for `peer` on this socket; '' removes it. At most 80 octets. */
  setMd5(fd: number, peer: string, key: string): void;
  setTtl(fd: number, family: IpFamily, ttl: number): void;
  setMinTtl(fd: number, family: IpFamily, minTtl: number): void;
  getTtl(fd: number, family: IpFamily): number;
  getMinTtl(fd: number, family: IpFamily): number;
  close(fd: number): void;
}

const here = dirname(fileURLToPath(import.meta.url));
export const nativeAddonPath = join(here, 'native', 'build', 'sockopt.node');
const buildScript = join(here, 'native', 'build.sh');

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** An Error from the addon, with `code` ('EACCES', ...) added as Node's own errors have it. */
export class SockoptError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;

  constructor(message: string, errno: number, syscall: string) {
    super(message);
    this.name = 'SockoptError';
    this.errno = errno;
    this.code = errnoNames.get(errno) ?? `ERRNO${errno}`;
    this.syscall = syscall;
  }
}

function wrap(raw: Sockopt): Sockopt {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(raw) as [string, (...a: unknown[]) => unknown][]) {
    out[name] = (...args: unknown[]) => {
      try {
        return fn(...args);
      } catch (e) {
        const err = e as { message?: string; errno?: unknown; syscall?: unknown };
        if (typeof err.errno === 'number') throw new SockoptError(String(err.message), err.errno, String(err.syscall));
        throw e;
      }
    };
  }
  return out as unknown as Sockopt;
}

let loaded: Sockopt | null | undefined;

/** The addon, or null when it has not been built (see native/build.sh). Loaded once. */
export function loadSockopt(): Sockopt | null {
  if (loaded !== undefined) return loaded;
  if (!existsSync(nativeAddonPath)) return (loaded = null);
  const require = createRequire(import.meta.url);
  loaded = wrap(require(nativeAddonPath) as Sockopt);
  return loaded;
}

/** The addon, building it first when needed (gcc and Node-API headers required). */
export function ensureSockopt(): Sockopt {
  if (loaded) return loaded;
  execFileSync('bash', [buildScript], { stdio: ['ignore', 'ignore', 'inherit'] });
  loaded = undefined;
  const m = loadSockopt();
  if (!m) throw new Error(`native addon not found at ${nativeAddonPath} after build`);
  return m;
}
