// `--verbose`: whether the libraries' own logs (kafkajs, ioredis) reach stderr. Without it a CLI
// command says what went wrong in one line of its own; with it, the libraries' JSON lines show
// how it got there. The logs of bgpcast's own services are not affected.

import { createLogger } from '../events/log.ts';
import type { Logger } from '../events/log.ts';

let verbose = false;

export function setVerbose(on: boolean): void {
  verbose = on;
}

/** The logger a library gets: silent unless --verbose. */
export function libraryLogger(name: string): Logger {
  return verbose ? createLogger(name) : createLogger(name, 'silent');
}
