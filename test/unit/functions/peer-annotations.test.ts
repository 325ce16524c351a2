// bgpcast.io/ annotations on CiliumBGPPeerConfig (functions/model/peer-annotations.ts;
// docs/cilium-semantics.md PEER-8 to PEER-10, NH-1, NH-2): each reaches the peer's desired
// state; a bad one is ignored with a bgpcast.io/InvalidObject condition while the rest of the
// object stays in effect; the README documents exactly these.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeConditions } from '../../../functions/cilium/conditions.ts';
import { PEER_ANNOTATIONS, peerExtensions } from '../../../functions/model/peer-annotations.ts';
import { worldFromObjects } from '../../../functions/model/world.ts';
import { ciliumNode, node, peerConfig, simpleCluster } from './builders.ts';
import { desiredState, onlyPeer } from './desired-helpers.ts';

const annotated = (annotations: Record<string, unknown>, spec: Record<string, unknown> = { timers: { holdTimeSeconds: 9 } }) => {
  const pc = peerConfig('peer-config', spec);
  return { ...pc, metadata: { ...(pc['metadata'] as object), annotations } };
};
const dualStack = node('n', {}, { ips: ['192.0.2.2', '2001:db8::2'] });
const world = (...objects: unknown[]) => worldFromObjects([simpleCluster('c'), dualStack, ...objects]);
const peerOf = (...objects: unknown[]) => onlyPeer(desiredState(world(...objects), 'n'));
const invalidConditions = (...objects: unknown[]) => computeConditions(world(...objects)).filter((c) => c.type === 'bgpcast.io/InvalidObject');

describe('each annotation reaches the desired state', () => {
  it('without annotations: no GTSM, no limit, next hops auto, with the node\'s addresses', () => {
    expect(peerOf(annotated({})).config).toMatchObject({
      gtsm: false,
      maxPrefixes: null,
      nextHop: { ipv4: 'auto', ipv6: 'auto', nodeIPv4: '192.0.2.2', nodeIPv6: '2001:db8::2' },
    });
  });

  it('bgpcast.io/gtsm, max-prefixes, next-hop-ipv4 and next-hop-ipv6', () => {
    const config = peerOf(
      annotated({ 'bgpcast.io/gtsm': 'true', 'bgpcast.io/max-prefixes': '1000', 'bgpcast.io/next-hop-ipv4': 'node', 'bgpcast.io/next-hop-ipv6': 'mapped' }),
    ).config;
    expect(config).toMatchObject({ gtsm: true, maxPrefixes: 1000, holdTimeSeconds: 9, nextHop: { ipv4: 'node', ipv6: 'mapped' } });
  });

  it('the node\'s addresses come from its CiliumNode first, as the router ID does', () => {
    const cn = ciliumNode('n', {}, { ips: ['198.51.100.2', 'fd00::2'] });
    expect(peerOf(annotated({}), cn).config.nextHop).toMatchObject({ nodeIPv4: '198.51.100.2', nodeIPv6: 'fd00::2' });
  });

  it('annotations of others are not read; values are trimmed', () => {
    expect(peerExtensions({ 'example.com/gtsm': 'true', 'bgpcast.io/gtsm': ' true ' })).toEqual({
      extensions: { gtsm: true, maxPrefixes: null, nextHopIPv4: null, nextHopIPv6: null },
      ignored: [],
    });
  });
});

describe('a bad annotation is ignored and reported; the rest of the object is in effect', () => {
  it.each([
    ['bgpcast.io/gtsm', 'yes', /expected one of true, false/],
    ['bgpcast.io/max-prefixes', '0', /whole number from 1 to 4294967295/],
    ['bgpcast.io/max-prefixes', '10k', /whole number/],
    ['bgpcast.io/max-prefixes', '4294967296', /whole number/],
    ['bgpcast.io/next-hop-ipv4', 'mapped', /expected one of auto, self, node/],
    ['bgpcast.io/next-hop-ipv6', '2001:db8::1', /expected one of auto, self, node, mapped/],
    ['bgpcast.io/max-prefix', '100', /not an annotation bgpcast reads/],
  ])('%s: "%s"', (key, value, why) => {
    const pc = annotated({ [key]: value, 'bgpcast.io/gtsm': key === 'bgpcast.io/gtsm' ? value : 'true' });
    const config = peerOf(pc).config;
    expect(config.holdTimeSeconds).toBe(9);
    expect(config.gtsm).toBe(key !== 'bgpcast.io/gtsm');
    expect(config.maxPrefixes).toBeNull();
    expect(config.nextHop).toMatchObject({ ipv4: 'auto', ipv6: 'auto' });
    const [condition, ...more] = invalidConditions(pc);
    expect(more).toEqual([]);
    expect(condition).toMatchObject({ kind: 'CiliumBGPPeerConfig', name: 'peer-config', status: 'True', reason: 'ValidationFailed' });
    expect(condition!.message).toContain(`metadata.annotations["${key}"]`);
    expect(condition!.message).toMatch(why);
    expect(condition!.message).toMatch(/ignored, the rest of the object is in effect$/);
  });

  it('a value that is not a string (unquoted YAML) is named', () => {
    const pc = annotated({ 'bgpcast.io/gtsm': true, 'bgpcast.io/max-prefixes': 100 });
    expect(peerOf(pc).config).toMatchObject({ gtsm: false, maxPrefixes: null });
    expect(invalidConditions(pc)[0]!.message).toMatch(/gtsm.*must be strings.*max-prefixes.*must be strings.*these annotations are ignored/);
  });

  it('annotations that are not a map are not read, and the object stays valid', () => {
    expect(peerOf(annotated('nonsense' as never)).config.gtsm).toBe(false);
    expect(invalidConditions(annotated('nonsense' as never))).toEqual([]);
  });

  it('when the latest version is invalid, its own condition is the one reported', () => {
    const good = annotated({ 'bgpcast.io/gtsm': 'maybe' });
    const bad = annotated({ 'bgpcast.io/gtsm': 'maybe' }, { timers: { holdTimeSeconds: 1 } });
    const conditions = invalidConditions(good, bad);
    expect(conditions).toHaveLength(1);
    expect(conditions[0]!.message).toMatch(/spec\.timers\.holdTimeSeconds.*the last valid version stays in effect/);
  });

  it('no condition when every annotation is good', () => {
    expect(invalidConditions(annotated({ 'bgpcast.io/gtsm': 'false', 'bgpcast.io/next-hop-ipv6': 'self' }))).toEqual([]);
  });
});

describe('the README annotations table', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  const rows = readme
    .split('\n')
    .map((line) => line.split(/(?<!\\)\|/).map((c) => c.trim()))
    .filter((cells) => /^`bgpcast\.io\/[a-z0-9-]+`$/.test(cells[1] ?? ''));

  it('lists every annotation once, in order, with its values, default and meaning', () => {
    expect(rows.map((r) => r.slice(1, 5))).toEqual(PEER_ANNOTATIONS.map((a) => [`\`${a.annotation}\``, a.values, a.default, a.meaning]));
  });
});
