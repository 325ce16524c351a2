// The HTTP entry point for a Knative / CloudEvents deployment (a KafkaSource delivering to a
// Service): POST a CloudEvent (cloudevents.ts), the same handler as the Kafka runner folds and
// recomputes, and the answer tells the source what to do:
//   200  processed: the desired state is written (empty body: no reply event);
//   400  not a CloudEvent, no Kafka position, or not a valid envelope — logged with its position;
//        the source does not retry it (a poison record is skipped, never blocks the partition);
//   413  body too large; 415 unsupported event format; 405 not a POST;
//   503  Redis unreachable, or the compare-and-set did not settle: the source retries later;
//   500  anything else (retried too).
// GET /healthz answers 200 for probes. Concurrent deliveries are coalesced into one batch.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../events/log.ts';
import { isRedisUnavailable } from '../../events/redis-client.ts';
import { CasConflictError } from './backoff.ts';
import { CloudEventError, parseCloudEvents } from './cloudevents.ts';
import type { FunctionsHandler } from './handler.ts';

export interface HttpEntryOptions {
  readonly handler: FunctionsHandler;
  readonly log: Logger;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly maxBodyBytes?: number;
}

export interface HttpEntry {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new CloudEventError(413, `body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, message?: string): void {
  if (res.headersSent) return;
  if (status === 503) res.setHeader('retry-after', '1');
  if (message === undefined) {
    res.writeHead(status).end();
  } else {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
  }
}

export async function startHttpEntry(opts: HttpEntryOptions): Promise<HttpEntry> {
  const { handler, log } = opts;
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, 'ok');
    if (req.method !== 'POST') return answer(res, 405, 'POST a CloudEvent');
    let events;
    try {
      events = parseCloudEvents(req.headers, await readBody(req, limit));
    } catch (e) {
      if (!(e instanceof CloudEventError)) throw e;
      log.warn({ status: e.status, err: e.message, ceId: req.headers['ce-id'] ?? null }, 'rejected an HTTP event');
      return answer(res, e.status, e.message);
    }
    try {
      await handler.process(events);
      answer(res, 200);
    } catch (e) {
      // The handler has logged it.
      if (isRedisUnavailable(e) || e instanceof CasConflictError) return answer(res, 503, (e as Error).message);
      answer(res, 500, (e as Error).message);
    }
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((e: Error) => {
      log.error({ err: e }, 'HTTP request failed');
      answer(res, 500, e.message);
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'listening for CloudEvents');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
