// CloudEvents over HTTP into consumed events: the three content modes, the Kafka position
// conventions of KafkaSource, and a clear 4xx for everything else.
import { describe, expect, it } from 'vitest';
import { objectEnvelope } from '../../../events/envelope.ts';
import { CloudEventError, kafkaPosition, parseCloudEvents } from '../../../functions/runner/cloudevents.ts';
import { node } from '../functions/builders.ts';

const envelope = objectEnvelope('added', node('w1') as never, 'file:/x.yaml');
const body = Buffer.from(JSON.stringify(envelope));
// What a KafkaSource sends (eventing-kafka-broker): id, source with the topic, subject with the position, key.
const kafkaSource = {
  'ce-specversion': '1.0',
  'ce-id': 'partition:3/offset:42',
  'ce-source': '/apis/v1/namespaces/bgp/kafkasources/events#bgpcast.events',
  'ce-type': 'dev.knative.kafka.event',
  'ce-subject': 'partition:3#42',
  'ce-key': 'Node/w1',
  'content-type': 'application/json',
};

function rejects(headers: Record<string, string>, payload: Buffer | string, status: number, message: RegExp): void {
  try {
    parseCloudEvents(headers, Buffer.from(payload));
    expect.unreachable('accepted');
  } catch (e) {
    expect(e).toBeInstanceOf(CloudEventError);
    expect((e as CloudEventError).status).toBe(status);
    expect((e as Error).message).toMatch(message);
  }
}

describe('parseCloudEvents', () => {
  it('binary mode from a KafkaSource: position from the subject, topic from the source, key from the extension', () => {
    const [e] = parseCloudEvents(kafkaSource, body);
    expect(e).toEqual({ topic: 'bgpcast.events', partition: 3, offset: '42', key: 'Node/w1', envelope });
  });

  it('structured mode: data is the envelope (object, JSON text or base64)', () => {
    const attrs = { specversion: '1.0', id: 'a', source: 's', type: 't', partition: 1, offset: '7' };
    const headers = { 'content-type': 'application/cloudevents+json; charset=utf-8' };
    for (const data of [{ data: envelope }, { data: JSON.stringify(envelope) }, { data_base64: body.toString('base64') }]) {
      const [e] = parseCloudEvents(headers, Buffer.from(JSON.stringify({ ...attrs, ...data })));
      expect(e).toMatchObject({ partition: 1, offset: '7', envelope });
    }
  });

  it('batched mode: every event, in order', () => {
    const one = (offset: number) => ({ specversion: '1.0', id: `partition:0/offset:${offset}`, source: 's', type: 't', data: envelope });
    const events = parseCloudEvents(
      { 'content-type': 'application/cloudevents-batch+json' },
      Buffer.from(JSON.stringify([one(5), one(6)])),
    );
    expect(events.map((e) => e.offset)).toEqual(['5', '6']);
  });

  it('position precedence: extensions, then subject, then id', () => {
    expect(kafkaPosition({ partition: '1', offset: '2', subject: 'partition:3#4', id: 'partition:5/offset:6' })).toMatchObject({
      partition: 1,
      offset: '2',
    });
    expect(kafkaPosition({ subject: 'partition:3#4', id: 'partition:5/offset:6' })).toMatchObject({ partition: 3, offset: '4' });
    expect(kafkaPosition({ id: 'partition:5/offset:6' })).toMatchObject({ partition: 5, offset: '6' });
    expect(kafkaPosition({ id: 'partition:5/offset:18446744073709551615' }).offset).toBe('18446744073709551615');
  });

  it('rejects a request that is not a CloudEvent', () => {
    rejects({ 'content-type': 'application/json' }, body, 400, /no ce-specversion/);
    rejects({ ...kafkaSource, 'ce-specversion': '0.3' }, body, 400, /not a CloudEvent 1\.0/);
    rejects({ 'ce-specversion': '1.0', 'ce-source': 's', 'ce-type': 't', 'ce-subject': 'partition:0#1' }, body, 400, /"id"/);
    rejects({ 'content-type': 'application/cloudevents+json' }, '{nope', 400, /not JSON/);
    rejects({ 'content-type': 'application/cloudevents+avro' }, 'x', 415, /unsupported event format/);
  });

  it('rejects an event without a Kafka position, or with a malformed one', () => {
    const { 'ce-subject': _s, ...noSubject } = kafkaSource;
    rejects({ ...noSubject, 'ce-id': 'abc' }, body, 400, /no Kafka position/);
    rejects({ ...kafkaSource, 'ce-partition': 'x', 'ce-offset': '1' }, body, 400, /invalid Kafka position/);
    rejects({ ...kafkaSource, 'ce-partition': '1', 'ce-offset': '007' }, body, 400, /invalid Kafka position/);
  });

  it('rejects an invalid envelope, naming its position', () => {
    rejects(kafkaSource, '{"hello":"world"}', 400, /partition 3 offset 42: invalid event envelope/);
    rejects(kafkaSource, 'not json', 400, /partition 3 offset 42: invalid event envelope: not JSON/);
    rejects(kafkaSource, '', 400, /empty record/);
  });
});
