// bgpcast's CRD schemas against bgpcast's own parsers: the API server must never accept an address
// or a community that the functions then refuse (the object would pass the schema and still be
// invalid), and must accept every one they accept that Cilium's patterns accept. Also: both served
// versions share one schema. Pure: the YAML files are read, nothing runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../events/ip.ts';
import { parseLargeCommunity, parseStandardCommunity } from '../../../events/communities.ts';

const CRDS = join(import.meta.dirname, '..', '..', '..', 'infra', 'kubernetes', 'bgpcast', 'crds');

interface Schema {
  pattern?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
}
interface Crd {
  spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
}

const crd = (file: string): Crd => parse(readFileSync(join(CRDS, file), 'utf8')) as Crd;

/** The schema at a dotted path of property names, `[]` stepping into array items. */
function at(schema: Schema, path: string): Schema {
  return path.split('.').reduce<Schema>((s, step) => {
    const next = step === '[]' ? s.items : s.properties?.[step];
    if (!next) throw new Error(`no ${step} in the schema at ${path}`);
    return next;
  }, schema);
}

function patternAt(file: string, path: string): RegExp {
  const root = crd(file).spec.versions[0]!.schema.openAPIV3Schema;
  const pattern = at(root, path).pattern;
  if (!pattern) throw new Error(`no pattern at ${path} in ${file}`);
  return new RegExp(pattern);
}

const peerAddress = patternAt('ciliumbgpclusterconfigs.yaml', 'spec.bgpInstances.[].peers.[].peerAddress');
const community = (kind: 'standard' | 'large') =>
  patternAt('ciliumbgpadvertisements.yaml', `spec.advertisements.[].attributes.communities.${kind}.[]`);

describe('the IP address pattern', () => {
  it('accepts every IPv4 and IPv6 address in its usual forms, as the functions do', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        expect(peerAddress.test(ip), ip).toBe(true);
        expect(canonicalIp(ip), ip).not.toBeNull();
      }),
    );
  });

  it.each(['fe80::1%eth0', ' 10.0.0.1 ', '::ffff:10.0.0.1', '::', '1::', '1:2:3:4:5:6:7:8'])('accepts %j, and so do the functions', (ip) => {
    expect(peerAddress.test(ip)).toBe(true);
    expect(canonicalIp(ip)).not.toBeNull();
  });

  it('never accepts what the functions refuse', () => {
    const junk = ['5.5.5', '256.0.0.1', '1.2.3.4.5', 'router1', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':', '', '::g'];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...junk), fc.string({ maxLength: 20 })), (text) => {
        if (peerAddress.test(text)) expect(canonicalIp(text), text).not.toBeNull();
      }),
    );
  });
});

describe('the community patterns', () => {
  const standard = community('standard');
  const large = community('large');
  const u16 = fc.integer({ min: 0, max: 65535 });
  const u32 = fc.integer({ min: 0, max: 4294967295 });

  it('accept every standard community "a:b" and 32-bit decimal, as the functions do', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(u16, u16).map(([a, b]) => `${a}:${b}`), u32.map(String)), (text) => {
        expect(standard.test(text), text).toBe(true);
        expect(parseStandardCommunity(text), text).not.toBeNull();
      }),
    );
  });

  it('accept every large community "a:b:c", as the functions do', () => {
    fc.assert(
      fc.property(fc.tuple(u32, u32, u32), ([a, b, c]) => {
        const text = `${a}:${b}:${c}`;
        expect(large.test(text), text).toBe(true);
        expect(parseLargeCommunity(text), text).not.toBeNull();
      }),
    );
  });

  it('refuse numbers out of range and other shapes', () => {
    for (const text of ['65536:0', '0:65536', '4294967296', '-1', '01:1', '1:2:3', 'no-export', '']) {
      expect(standard.test(text), text).toBe(false);
    }
    for (const text of ['4294967296:0:0', '1:2', '1:2:3:4', '0:0:-1', '']) {
      expect(large.test(text), text).toBe(false);
    }
  });
});

describe('served versions', () => {
  it.each([
    'ciliumbgpclusterconfigs.yaml',
    'ciliumbgppeerconfigs.yaml',
    'ciliumbgpadvertisements.yaml',
    'ciliumbgpnodeconfigoverrides.yaml',
    'ciliumbgpnodeconfigs.yaml',
  ])('%s: v2 (stored) and v2alpha1 have one schema', (file) => {
    const versions = crd(file).spec.versions;
    expect(versions.map((v) => v.name)).toEqual(['v2', 'v2alpha1']);
    expect(versions[1]!.schema).toEqual(versions[0]!.schema);
  });
});
