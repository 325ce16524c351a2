// A topic's identity: the identity record the project writes first to partition 0, told apart from
// events by its header, and the comparison that decides whether stored positions hold.
import { describe, expect, it } from 'vitest';
import { describeTopic, identityOf, IDENTITY_SCHEMA, isIdentityRecord, sameTopic } from '../../../events/kafka/topic-identity.ts';

describe('identity records', () => {
  it('are known by their header, whatever the value', () => {
    expect(isIdentityRecord({ 'bgpcast-record': Buffer.from('topic-identity') })).toBe(true);
    expect(isIdentityRecord({ 'bgpcast-record': 'topic-identity' })).toBe(true);
    expect(isIdentityRecord({ 'bgpcast-record': ['topic-identity'] })).toBe(true);
    expect(isIdentityRecord({ other: 'topic-identity' })).toBe(false);
    expect(isIdentityRecord(undefined)).toBe(false);
  });

  it('carry their id in a versioned value; anything else carries none', () => {
    expect(identityOf(Buffer.from(JSON.stringify({ schema: IDENTITY_SCHEMA, id: 'abc', topic: 't' })))).toBe('abc');
    expect(identityOf(Buffer.from(JSON.stringify({ schema: 'other/v1', id: 'abc' })))).toBeNull();
    expect(identityOf(Buffer.from('not json'))).toBeNull();
    expect(identityOf(null)).toBeNull();
  });
});

describe('sameTopic', () => {
  const t = { topic: 'bgpcast.events', id: 'abc', cluster: 'c1' };
  it('is the same name, identity record and cluster', () => {
    expect(sameTopic(t, { ...t })).toBe(true);
    expect(sameTopic(t, { ...t, id: 'def' })).toBe(false);
    expect(sameTopic(t, { ...t, id: null })).toBe(false);
    expect(sameTopic(t, { ...t, cluster: 'c2' })).toBe(false);
    expect(sameTopic({ ...t, id: null }, { ...t, id: null })).toBe(true);
    expect(describeTopic({ ...t, id: null })).toBe('topic bgpcast.events (no identity record) on Kafka cluster c1');
  });
});
