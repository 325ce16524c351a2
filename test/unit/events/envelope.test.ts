import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  encodeEnvelope,
  envelopeKey,
  EventType,
  InvalidEnvelopeError,
  objectEnvelope,
} from '../../../events/envelope.ts';
import { objectKey } from '../../../events/object-key.ts';
import { sanitizeObject } from '../../../events/sanitize.ts';

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '42' },
  spec: { type: 'LoadBalancer' },
};

describe('the event envelope', () => {
  it('round-trips through its JSON record value', () => {
    const e = objectEnvelope(EventType.Added, service, 'file:seed.yaml', new Date('2026-11-27T03:12:00Z'));
    const back = decodeEnvelope(encodeEnvelope(e));
    expect(back).toEqual(e);
    expect(back).toMatchObject({
      schema: 'bgpcast.event/v2',
      type: 'added',
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'default',
      name: 'web',
      resourceVersion: '42',
      source: 'file:seed.yaml',
      observedAt: '2026-11-27T03:12:00.000Z',
    });
  });

  it('is keyed by object identity, the same for every version of a kind', () => {
    const v2 = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p' } };
    const v2alpha1 = { ...v2, apiVersion: 'cilium.io/v2alpha1' };
    const k1 = envelopeKey(objectEnvelope('added', v2, 's'));
    expect(k1).toBe('CiliumBGPPeerConfig.cilium.io/p');
    expect(envelopeKey(objectEnvelope('deleted', v2alpha1, 's'))).toBe(k1);
    expect(objectKey({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'ns', name: 'e' })).toBe(
      'EndpointSlice.discovery.k8s.io/ns/e',
    );
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an empty record', null, /empty record/],
    ['an unknown type', JSON.stringify({ ...objectEnvelope('added', service, 's'), type: 'patched' }), /type/],
    ['no object', JSON.stringify({ ...objectEnvelope('added', service, 's'), object: undefined }), /object/],
    [
      'an object that is not the one named',
      JSON.stringify({ ...objectEnvelope('added', service, 's'), name: 'other' }),
      /differ from the envelope/,
    ],
    ['a bad time', JSON.stringify({ ...objectEnvelope('added', service, 's'), observedAt: 'yesterday' }), /observedAt/],
  ])('rejects %s with a clear error', (_what, value, message) => {
    expect(() => decodeEnvelope(value)).toThrow(InvalidEnvelopeError);
    expect(() => decodeEnvelope(value)).toThrow(message);
  });

  it('carries the object uid (null when the object has none), and still reads v1 records without it', () => {
    const withUid = { ...service, metadata: { ...service.metadata, uid: 'c0ffee' } };
    expect(objectEnvelope('modified', withUid, 'kube:x').uid).toBe('c0ffee');
    expect(objectEnvelope('added', service, 'file:x').uid).toBeNull();
    const { uid: _uid, ...v1 } = { ...objectEnvelope('added', service, 's'), schema: 'bgpcast.event/v1' };
    expect(decodeEnvelope(JSON.stringify(v1))).toMatchObject({ schema: 'bgpcast.event/v1', name: 'web' });
    expect(() => decodeEnvelope(JSON.stringify({ ...v1, schema: 'bgpcast.event/v3' }))).toThrow(/schema/);
  });

  it('accepts the resync marker', () => {
    const marker = {
      schema: 'bgpcast.event/v1',
      id: 'm1',
      type: 'synced',
      apiVersion: 'v1',
      kind: 'Service',
      syncId: 'sync-1',
      source: 'kubernetes',
      observedAt: '2026-11-27T03:12:00Z',
    };
    expect(decodeEnvelope(JSON.stringify(marker)).type).toBe('synced');
    expect(envelopeKey(decodeEnvelope(JSON.stringify(marker)))).toBe('Service.sync/kubernetes');
  });
});

describe('what may reach the events topic', () => {
  it('never carries a Secret value, only the names of its keys', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'bgp-auth',
        namespace: 'kube-system',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}' },
      },
      type: 'Opaque',
      data: { password: 'c2VjcmV0' },
      stringData: { extra: 'plain' },
    };
    const clean = sanitizeObject(secret);
    const text = JSON.stringify(clean);
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('plain');
    expect(clean).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bgp-auth', namespace: 'kube-system' },
      type: 'Opaque',
      dataKeys: ['extra', 'password'],
    });
  });

  it('is idempotent: a Secret sanitized again (the functions do, when they fold it) keeps the names of its keys', () => {
    const once = sanitizeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 'kube-system' }, stringData: { password: 'x' } } as never);
    expect(once).toMatchObject({ dataKeys: ['password'] });
    expect(sanitizeObject(once)).toEqual(once);
  });

  it('drops managedFields from every object', () => {
    const o = { ...service, metadata: { ...service.metadata, managedFields: [{ manager: 'kubectl' }] } };
    expect(sanitizeObject(o).metadata).toEqual(service.metadata);
  });
});
