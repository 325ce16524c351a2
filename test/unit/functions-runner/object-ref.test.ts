import { describe, expect, it } from 'vitest';
import { objectKey } from '../../../events/object-key.ts';
import { qualifiedKind, refFromKey } from '../../../functions/store/object-ref.ts';

describe('object keys back to references', () => {
  it.each([
    [{ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' }, { kind: 'Service', namespace: 'default', name: 'web' }],
    [{ apiVersion: 'v1', kind: 'Node', namespace: null, name: 'worker1' }, { kind: 'Node', namespace: null, name: 'worker1' }],
    [
      { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPClusterConfig', namespace: null, name: 'cilium-bgp' },
      { kind: 'CiliumBGPClusterConfig', namespace: null, name: 'cilium-bgp' },
    ],
    [
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'ns', name: 'web-abc12' },
      { kind: 'EndpointSlice', namespace: 'ns', name: 'web-abc12' },
    ],
  ])('%o', (id, ref) => {
    expect(refFromKey(objectKey(id))).toEqual(ref);
  });

  it('rejects what is not an object key', () => {
    expect(refFromKey('Node')).toBeNull();
    expect(refFromKey('a/b/c/d')).toBeNull();
    expect(refFromKey('Node//x')).toBeNull();
  });

  it('qualifiedKind is the key prefix of a kind', () => {
    expect(qualifiedKind('cilium.io/v2', 'CiliumNode')).toBe('CiliumNode.cilium.io');
    expect(qualifiedKind('v1', 'Service')).toBe('Service');
    expect(objectKey({ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', namespace: null, name: 'x' })).toBe(
      `${qualifiedKind('cilium.io/v2', 'CiliumNode')}/x`,
    );
  });
});
