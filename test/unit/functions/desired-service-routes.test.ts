// Service addresses (docs/cilium-semantics.md SVC-1 to SVC-9), the eTP/iTP=Local fix of SVC-4
// included.
import { describe, expect, it } from 'vitest';
import { worldFromObjects } from '../../../functions/model/world.ts';
import type { Settings } from '../../../functions/settings.ts';
import { advertisement, advertisingPeerConfig, endpointSlice, node, service, serviceEntry, simpleCluster } from './builders.ts';
import { desiredState, prefixesOf, route } from './desired-helpers.ts';

const nodes = [node('w1', {}, { ips: ['172.16.1.1'] }), node('w2', {}, { ips: ['172.16.2.1'] })];
const base = [...nodes, simpleCluster('c'), advertisingPeerConfig('peer-config')];
const allAddresses = ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'];

function vips(objects: unknown[], nodeName = 'w1', settings: Partial<Settings> = {}, afi: 'ipv4' | 'ipv6' = 'ipv4') {
  return prefixesOf(desiredState(worldFromObjects([...base, ...objects], settings), nodeName), afi);
}

const lb = (spec: object = {}, opts: object = {}) =>
  service('web', { type: 'LoadBalancer', clusterIPs: ['10.96.0.10'], externalIPs: ['172.20.0.20'], ...spec }, { lbIPs: ['172.20.0.10'], ...opts });
const everyAddress = advertisement('svc', [serviceEntry(allAddresses)]);

describe('address types (SVC-3)', () => {
  it.each([
    [['LoadBalancerIP'], ['172.20.0.10/32']],
    [['ClusterIP'], ['10.96.0.10/32']],
    [['ExternalIP'], ['172.20.0.20/32']],
    [allAddresses, ['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']],
  ])('%j advertises %j', (addresses, expected) => {
    expect(vips([lb(), advertisement('svc', [serviceEntry(addresses)])])).toEqual(expected);
  });

  it('LoadBalancerIP only for Services of type LoadBalancer', () => {
    expect(vips([lb({ type: 'ClusterIP' }), advertisement('svc', [serviceEntry(['LoadBalancerIP'])])])).toEqual([]);
  });

  it('a headless Service has no ClusterIP to advertise; an ExternalName Service nothing at all', () => {
    const headless = service('h', { clusterIP: 'None' });
    const external = service('x', { type: 'ExternalName', externalIPs: ['172.20.0.99'] });
    expect(vips([headless, external, everyAddress])).toEqual([]);
  });

  it('dual-stack: each VIP goes to its own family, IPv6 in RFC 5952 form', () => {
    const svc = service('s', { clusterIPs: ['10.96.0.10', 'FD00:0:0:0::10'] });
    const entry = advertisement('svc', [serviceEntry(['ClusterIP'])]);
    expect(vips([svc, entry])).toEqual(['10.96.0.10/32']);
    expect(vips([svc, entry], 'w1', {}, 'ipv6')).toEqual(['fd00::10/128']);
  });
});

describe('Service selector (SVC-1, SVC-2)', () => {
  const svc = service('web', { clusterIPs: ['10.96.0.10'] }, { namespace: 'shop', labels: { app: 'web' } });
  it.each([
    ['Service labels', { matchLabels: { app: 'web' } }, ['10.96.0.10/32']],
    ['Service labels, no match', { matchLabels: { app: 'db' } }, []],
    ['synthetic io.kubernetes.service.name', { matchLabels: { 'io.kubernetes.service.name': 'web' } }, ['10.96.0.10/32']],
    ['synthetic io.kubernetes.service.namespace', { matchLabels: { 'io.kubernetes.service.namespace': 'shop' } }, ['10.96.0.10/32']],
    ['synthetic namespace, other namespace', { matchLabels: { 'io.kubernetes.service.namespace': 'default' } }, []],
  ])('%s', (_name, selector, expected) => {
    expect(vips([svc, advertisement('svc', [serviceEntry(['ClusterIP'], { selector })])])).toEqual(expected);
  });

  it('a Service entry without selector advertises no Service (cilium#33076)', () => {
    const entry = { advertisementType: 'Service', service: { addresses: ['ClusterIP'] } };
    expect(vips([svc, advertisement('svc', [entry])])).toEqual([]);
  });
});

describe('LoadBalancerClass (SVC-3)', () => {
  it.each([
    [null, ['172.20.0.10/32']],
    ['io.cilium/bgp-control-plane', ['172.20.0.10/32']],
    ['io.cilium/l2-announcer', []],
  ])('class %j', (loadBalancerClass, expected) => {
    const svc = lb(loadBalancerClass ? { loadBalancerClass } : {});
    expect(vips([svc, advertisement('svc', [serviceEntry(['LoadBalancerIP'])])])).toEqual(expected);
  });

  it('a foreign class skips only the LoadBalancer addresses, not ClusterIP or ExternalIP', () => {
    expect(vips([lb({ loadBalancerClass: 'other' }), everyAddress])).toEqual(['10.96.0.10/32', '172.20.0.20/32']);
  });
});

describe('traffic policy Local (SVC-4, cilium#44803)', () => {
  const onW2 = endpointSlice('web-1', 'web', [{ nodeName: 'w2' }]);

  it('eTP=Local: only nodes with a ready local endpoint advertise the VIP (cilium#44803)', () => {
    const objects = [lb({ externalTrafficPolicy: 'Local' }), onW2, everyAddress];
    // ClusterIP ignores eTP; LoadBalancerIP and ExternalIP follow it.
    expect(vips(objects, 'w1')).toEqual(['10.96.0.10/32']);
    expect(vips(objects, 'w2')).toEqual(['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']);
  });

  it('iTP=Local: only nodes with a ready local endpoint advertise the ClusterIP', () => {
    const objects = [lb({ internalTrafficPolicy: 'Local' }), onW2, everyAddress];
    expect(vips(objects, 'w1')).toEqual(['172.20.0.10/32', '172.20.0.20/32']);
    expect(vips(objects, 'w2')).toEqual(['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']);
  });

  it('an endpoint that is not ready does not count as local', () => {
    const notReady = endpointSlice('web-1', 'web', [{ nodeName: 'w1', ready: false }, { nodeName: 'w2' }]);
    expect(vips([lb({ externalTrafficPolicy: 'Local' }), notReady, advertisement('svc', [serviceEntry(['LoadBalancerIP'])])], 'w1')).toEqual([]);
  });

  it('an endpoint with no ready condition counts as ready', () => {
    const unknown = endpointSlice('web-1', 'web', [{ nodeName: 'w1', ready: null }]);
    expect(vips([lb({ externalTrafficPolicy: 'Local' }), unknown, advertisement('svc', [serviceEntry(['LoadBalancerIP'])])], 'w1')).toEqual([
      '172.20.0.10/32',
    ]);
  });

  it('endpoints of a Service of the same name in another namespace do not count', () => {
    const elsewhere = endpointSlice('web-1', 'web', [{ nodeName: 'w1' }], 'other');
    expect(vips([lb({ externalTrafficPolicy: 'Local' }), elsewhere, advertisement('svc', [serviceEntry(['LoadBalancerIP'])])], 'w1')).toEqual([]);
  });

  it('endpoints spread over several slices all count', () => {
    const a = endpointSlice('web-a', 'web', [{ nodeName: 'w2' }]);
    const b = endpointSlice('web-b', 'web', [{ nodeName: 'w1' }]);
    expect(vips([lb({ externalTrafficPolicy: 'Local' }), a, b, advertisement('svc', [serviceEntry(['LoadBalancerIP'])])], 'w1')).toEqual([
      '172.20.0.10/32',
    ]);
  });

  it('eTP=Local with no endpoints at all: no node advertises the VIP', () => {
    const objects = [lb({ externalTrafficPolicy: 'Local' }), advertisement('svc', [serviceEntry(['LoadBalancerIP'])])];
    expect(vips(objects, 'w1')).toEqual([]);
    expect(vips(objects, 'w2')).toEqual([]);
  });
});

describe('Services without endpoints (SVC-5, SVC-6)', () => {
  const zeroReady = endpointSlice('web-1', 'web', [{ nodeName: 'w1', ready: false }]);
  it.each([
    ['default (true), no EndpointSlice: advertised', {}, [], ['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']],
    ['default (true), no ready endpoint: advertised', {}, [zeroReady], ['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']],
    ['false, no EndpointSlice: withdrawn', { enableNoServiceEndpointsRoutable: false }, [], []],
    ['false, no ready endpoint: withdrawn', { enableNoServiceEndpointsRoutable: false }, [zeroReady], []],
    [
      'false, a ready endpoint on another node: advertised (Cluster policy)',
      { enableNoServiceEndpointsRoutable: false },
      [endpointSlice('web-1', 'web', [{ nodeName: 'w2' }])],
      ['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32'],
    ],
  ])('%s', (_name, settings, slices, expected) => {
    expect(vips([lb(), ...slices, everyAddress], 'w1', settings)).toEqual(expected);
  });
});

describe('aggregation lengths (SVC-7, SVC-8)', () => {
  const agg = (extra: object = {}) =>
    advertisement('svc', [{ ...serviceEntry(allAddresses), service: { addresses: allAddresses, aggregationLengthIPv4: 24, aggregationLengthIPv6: 64, ...extra } }]);

  it('masks each VIP to the aggregation length of its family', () => {
    const svc = lb({ clusterIPs: ['10.96.0.10', 'fd00::10'] });
    expect(vips([svc, agg()])).toEqual(['10.96.0.0/24', '172.20.0.0/24']);
    expect(vips([svc, agg()], 'w1', {}, 'ipv6')).toEqual(['fd00::/64']);
  });

  it('is ignored under eTP=Local (LoadBalancerIP, ExternalIP) and iTP=Local (ClusterIP)', () => {
    const local = [lb({ externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' }), endpointSlice('e', 'web', [{ nodeName: 'w1' }]), agg()];
    expect(vips(local, 'w1')).toEqual(['10.96.0.10/32', '172.20.0.10/32', '172.20.0.20/32']);
    const etpOnly = [lb({ externalTrafficPolicy: 'Local' }), endpointSlice('e', 'web', [{ nodeName: 'w1' }]), agg()];
    expect(vips(etpOnly, 'w1')).toEqual(['10.96.0.0/24', '172.20.0.10/32', '172.20.0.20/32']);
  });
});

describe('Service route attributes', () => {
  it('the same VIP from two entries: union of communities, highest LOCAL_PREF', () => {
    const a = advertisement('a', [serviceEntry(['ClusterIP'], { attributes: { communities: { standard: ['1:1'] }, localPreference: 10 } })]);
    const b = advertisement('b', [serviceEntry(['ClusterIP'], { attributes: { communities: { large: ['7:7:7'] }, localPreference: 30 } })]);
    const state = desiredState(worldFromObjects([...base, lb(), a, b]), 'w1');
    expect(route(state, '10.96.0.10/32')).toEqual({
      prefix: '10.96.0.10/32',
      communities: ['1:1'],
      largeCommunities: ['7:7:7'],
      localPreference: 30,
      origin: 'igp',
    });
  });

  it('legacy origin: LoadBalancerIP routes carry ORIGIN=INCOMPLETE, the others IGP (SVC-9)', () => {
    const state = desiredState(worldFromObjects([...base, lb(), everyAddress], { legacyOriginAttribute: true }), 'w1');
    expect(route(state, '172.20.0.10/32')?.origin).toBe('incomplete');
    expect(route(state, '10.96.0.10/32')?.origin).toBe('igp');
    const normal = desiredState(worldFromObjects([...base, lb(), everyAddress]), 'w1');
    expect(route(normal, '172.20.0.10/32')?.origin).toBe('igp');
  });
});
