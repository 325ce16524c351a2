// CloudEvents over HTTP (spec 1.0, HTTP protocol binding) into the events the handler takes, for a
// Knative deployment behind a KafkaSource. Accepted:
// - binary mode: ce-* headers, the body is the Kafka record value (the envelope JSON);
// - structured mode: Content-Type application/cloudevents+json, `data` (or `data_base64`) is the
//   envelope;
// - batched mode: Content-Type application/cloudevents-batch+json, an array of structured events.
// The Kafka position is taken, in this order, from the extensions `partition` and `offset`
// (ce-partition / ce-offset), from the subject "partition:<p>#<offset>" that KafkaSource sets,
// or from its id "partition:<p>/offset:<offset>". The topic comes from the extension `topic` or
// KafkaSource's source ".../kafkasources/<name>#<topic>"; the record key from the extension
// `key`. An event without a position is rejected: folding relies on it for idempotence.
// Every problem is a CloudEventError with the HTTP status to answer (400, 413, 415).

import { decodeEnvelope, InvalidEnvelopeError, validateEnvelope } from '../../events/envelope.ts';
import type { ConsumedEvent } from '../../events/bus.ts';

export class CloudEventError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'CloudEventError';
    this.status = status;
  }
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;
type Attributes = Readonly<Record<string, unknown>>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const mediaType = (headers: Headers): string =>
  (header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** The Kafka position of an event, from its attributes; throws when there is none. */
export function kafkaPosition(attrs: Attributes): { partition: number; offset: string; topic: string; key: string | null } {
  const topic = text(attrs['topic']) ?? /#([^#]+)$/.exec(text(attrs['source']) ?? '')?.[1] ?? '';
  const key = text(attrs['key']) ?? text(attrs['partitionkey']) ?? null;
  const fromExtensions = [text(attrs['partition']), text(attrs['offset'])];
  const candidates: [string | undefined, string | undefined][] = [
    [fromExtensions[0], fromExtensions[1]],
    (/^partition:(\d+)#(\d+)$/.exec(text(attrs['subject']) ?? '') ?? []).slice(1, 3) as [string, string],
    (/^partition:(\d+)\/offset:(\d+)$/.exec(text(attrs['id']) ?? '') ?? []).slice(1, 3) as [string, string],
  ];
  for (const [p, o] of candidates) {
    if (p === undefined || o === undefined) continue;
    if (!/^\d+$/.test(p) || !/^(0|[1-9]\d*)$/.test(o)) {
      throw new CloudEventError(400, `invalid Kafka position partition "${p}" offset "${o}"`);
    }
    return { partition: Number(p), offset: o, topic, key };
  }
  throw new CloudEventError(
    400,
    'no Kafka position: expected the extensions partition and offset, a subject "partition:<p>#<offset>" or an id "partition:<p>/offset:<offset>"',
  );
}

function checkContext(attrs: Attributes): void {
  if (attrs['specversion'] !== '1.0') {
    throw new CloudEventError(400, `not a CloudEvent 1.0 (specversion ${JSON.stringify(attrs['specversion'] ?? null)})`);
  }
  for (const name of ['id', 'source', 'type']) {
    if (!text(attrs[name])) throw new CloudEventError(400, `CloudEvent without the required attribute "${name}"`);
  }
}

function toEvent(attrs: Attributes, decode: () => ConsumedEvent['envelope']): ConsumedEvent {
  checkContext(attrs);
  const { partition, offset, topic, key } = kafkaPosition(attrs);
  try {
    return { topic, partition, offset, key, envelope: decode() };
  } catch (e) {
    if (e instanceof InvalidEnvelopeError) {
      throw new CloudEventError(400, `partition ${partition} offset ${offset}: ${e.message}`);
    }
    throw e;
  }
}

function structured(value: unknown): ConsumedEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CloudEventError(400, 'a structured CloudEvent must be a JSON object');
  }
  const attrs = value as Attributes;
  return toEvent(attrs, () => {
    if (typeof attrs['data_base64'] === 'string') return decodeEnvelope(Buffer.from(attrs['data_base64'], 'base64'));
    const data = attrs['data'];
    if (data === undefined || data === null) return decodeEnvelope(null);
    return typeof data === 'string' ? decodeEnvelope(data) : validateEnvelope(data);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new CloudEventError(400, `body is not JSON (${(e as Error).message})`);
  }
}

/** Header values are percent-encoded where needed (HTTP binding §3.1.3.2). */
function percentDecoded(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new CloudEventError(400, `header ${name} is not validly percent-encoded`);
  }
}

/** The events carried by one HTTP request, in order. */
export function parseCloudEvents(headers: Headers, body: Buffer): ConsumedEvent[] {
  const type = mediaType(headers);
  if (type === 'application/cloudevents+json') return [structured(parseJson(body))];
  if (type === 'application/cloudevents-batch+json') {
    const all = parseJson(body);
    if (!Array.isArray(all)) throw new CloudEventError(400, 'a CloudEvents batch must be a JSON array');
    return all.map(structured);
  }
  if (type.startsWith('application/cloudevents')) throw new CloudEventError(415, `unsupported event format ${type}`);
  if (header(headers, 'ce-specversion') === undefined) {
    throw new CloudEventError(400, 'not a CloudEvent: no ce-specversion header and no application/cloudevents+json body');
  }
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-')) continue;
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) attrs[name.slice(3)] = percentDecoded(name, v);
  }
  return [toEvent(attrs, () => decodeEnvelope(body.length === 0 ? null : body))];
}
