// What one field manager owns of an object, from managedFields as a real kube-apiserver wrote them
// (captured from one: a NodeConfig applied by bgpcast-status-writer, spec and status, next to
// fields of another manager), and the digest writes are compared by.
import { describe, expect, it } from 'vitest';
import { appliedFieldSet, fieldsDigest, ownedByApply, prune, withoutIdentity } from '../../../events/kube/managed-fields.ts';

const M = 'bgpcast-status-writer';
const uid = 'eb883e8d-e3b0-4750-9093-1089d542b6ea';
const cond = (type: string, status = 'False') => ({ lastTransitionTime: '2024-01-01T00:00:00Z', message: '', observedGeneration: 1, reason: 'R', status, type });

const nodeConfig = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPNodeConfig',
  metadata: {
    name: 'n1',
    uid: 'c9072a73',
    labels: { team: 'net' },
    ownerReferences: [{ apiVersion: 'cilium.io/v2', controller: true, kind: 'CiliumBGPClusterConfig', name: 'c', uid }],
    managedFields: [
      {
        manager: M,
        operation: 'Apply',
        fieldsV1: {
          'f:metadata': { 'f:ownerReferences': { [`k:{"uid":"${uid}"}`]: {} } },
          'f:spec': {
            'f:bgpInstances': {
              'k:{"name":"i"}': { '.': {}, 'f:localASN': {}, 'f:name': {}, 'f:peers': { 'k:{"name":"p"}': { '.': {}, 'f:name': {}, 'f:peerASN': {}, 'f:peerAddress': {}, 'f:peerConfigRef': { 'f:name': {} } } } },
            },
          },
        },
      },
      {
        manager: M,
        operation: 'Apply',
        subresource: 'status',
        fieldsV1: {
          'f:status': {
            'f:bgpInstances': { 'k:{"name":"i"}': { '.': {}, 'f:localASN': {}, 'f:name': {}, 'f:peers': { 'k:{"name":"p"}': { '.': {}, 'f:name': {}, 'f:peerAddress': {}, 'f:peeringState': {}, 'f:routeCount': {}, 'f:timers': { 'f:appliedHoldTimeSeconds': {} } } } } },
            'f:conditions': { 'k:{"type":"cilium.io/BGPReconcileError"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:observedGeneration': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } },
          },
        },
      },
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
      { manager: 'someone-else', operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"example.com/Other"}': { '.': {}, 'f:type': {}, 'f:status': {} } } } } },
    ],
  },
  spec: { bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peerAddress: '1.1.1.1', peerASN: 65000, peerConfigRef: { name: 'x' } }] }] },
  status: {
    bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peerAddress: '1.1.1.1', peeringState: 'established', routeCount: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 3 }], timers: { appliedHoldTimeSeconds: 90, appliedKeepaliveSeconds: 30 } }] }],
    conditions: [cond('example.com/Other', 'True'), cond('cilium.io/BGPReconcileError')],
  },
};

describe('ownedByApply', () => {
  it('the main resource: the owner reference and the spec fields this manager applied, not the labels kubectl set', () => {
    expect(ownedByApply(nodeConfig, M, '')).toEqual({
      metadata: { ownerReferences: nodeConfig.metadata.ownerReferences },
      spec: nodeConfig.spec,
    });
  });

  it('the status subresource: its own condition only, and only the timer it applied', () => {
    expect(ownedByApply(nodeConfig, M, 'status')).toEqual({
      status: {
        bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peerAddress: '1.1.1.1', peeringState: 'established', routeCount: nodeConfig.status.bgpInstances[0]!.peers[0]!.routeCount, timers: { appliedHoldTimeSeconds: 90 } }] }],
        conditions: [cond('cilium.io/BGPReconcileError')],
      },
    });
  });

  it('a manager that applied nothing, or fields that are gone, own nothing', () => {
    expect(ownedByApply(nodeConfig, 'nobody', 'status')).toEqual({});
    const { status: _s, ...withoutStatus } = nodeConfig;
    expect(ownedByApply(withoutStatus, M, 'status')).toEqual({});
  });

  it('several Apply entries of one manager (two apiVersions) are one set', () => {
    const set = appliedFieldSet(
      [
        { manager: M, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:a': {} } } },
        { manager: M, operation: 'Apply', fieldsV1: { 'f:spec': { 'f:b': {} } } },
        { manager: M, operation: 'Update', fieldsV1: { 'f:spec': { 'f:c': {} } } },
      ],
      M,
      '',
    );
    expect(set).toEqual({ 'f:spec': { 'f:a': {}, 'f:b': {} } });
  });
});

describe('fieldsDigest', () => {
  it('ignores key order, list order and empty objects and lists', () => {
    const a = { status: { conditions: [cond('x'), cond('y')], bgpInstances: [] }, extra: {} };
    const b = { status: { conditions: [cond('y'), cond('x')] } };
    expect(fieldsDigest(a)).toBe(fieldsDigest(b));
    expect(prune({ a: {}, b: [], c: { d: {} } })).toBeUndefined();
  });

  it('tells a changed value apart', () => {
    expect(fieldsDigest({ status: { conditions: [cond('x')] } })).not.toBe(fieldsDigest({ status: { conditions: [cond('x', 'True')] } }));
  });

  it('an apply body compares without its identity fields', () => {
    expect(withoutIdentity({ apiVersion: 'v', kind: 'K', metadata: { name: 'n' }, spec: { a: 1 } })).toEqual({ spec: { a: 1 } });
    expect(withoutIdentity({ apiVersion: 'v', kind: 'K', metadata: { name: 'n', ownerReferences: [] }, spec: {} })).toEqual({ metadata: { ownerReferences: [] }, spec: {} });
  });
});
