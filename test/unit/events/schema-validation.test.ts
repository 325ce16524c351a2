// The file validation's schema checks, as pure functions: what each check reports and where; that
// every CEL rule of the CRDs is one the evaluator reads; and the lines `apply -f` names (a YAML
// error's own line, an invalid field's line, one line for binary data).

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as celParse } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { parseManifest, parseManifestBytes } from '../../../events/file-source.ts';
import { CRD_DIRS, kindSchema, loadCrdSchemas, validateObject } from '../../../events/schema/validate.ts';
import { pathText } from '../../../events/schema/structural.ts';
import type { StructuralSchema } from '../../../events/schema/structural.ts';

const repo = resolve(import.meta.dirname, '../../..');

function celRules(s: StructuralSchema | undefined, out: string[] = []): string[] {
  if (!s) return out;
  for (const r of s['x-kubernetes-validations'] ?? []) out.push(r.rule);
  for (const sub of Object.values(s.properties ?? {})) celRules(sub, out);
  if (typeof s.additionalProperties === 'object') celRules(s.additionalProperties, out);
  celRules(s.items, out);
  return out;
}

const issues = (o: Record<string, unknown>) =>
  validateObject(o, kindSchema(o['apiVersion'] as string, o['kind'] as string)!).map((i) => `${pathText(i.path)}: ${i.message}`);

describe('the CRD schemas', () => {
  it('every CEL rule of every CRD is read by the evaluator (the rules are not re-written as code)', () => {
    const files = CRD_DIRS.flatMap((d) => readdirSync(join(repo, d)).map((f) => join(repo, d, f)));
    const inFiles = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/- rule: (.+)$/gm)].map((m) => m[1]!.trim()));
    const loaded = [...loadCrdSchemas().values()].flatMap((s) => celRules(s));
    expect(inFiles.length).toBeGreaterThanOrEqual(5);
    expect(new Set(loaded)).toEqual(new Set(inFiles));
    for (const rule of new Set(loaded)) expect(() => celParse(rule), rule).not.toThrow();
  });

  it('every version served is loaded, v2 and v2alpha1 alike', () => {
    const keys = [...loadCrdSchemas().keys()];
    for (const kind of ['CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement', 'CiliumBGPNodeConfigOverride']) {
      expect(keys).toContain(`cilium.io/v2/${kind}`);
      expect(keys).toContain(`cilium.io/v2alpha1/${kind}`);
    }
    expect(keys).toContain('cilium.io/v2/CiliumNode');
  });
});

describe('an invalid object lists every bad field', () => {
  it('types, ranges, enums, required fields and unknown fields, each at its path', () => {
    const o = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'p', labels: { 'a/b/c': 'x', ok: 'with space' } },
      spec: {
        transport: { peerPort: 70000 },
        ebgpMultihop: '5',
        families: [{ afi: 'ipv5' }],
        gracefulRestart: { restartTimeSeconds: 5 },
        bogus: 1,
      },
    };
    expect(issues(o)).toEqual([
      'metadata.labels.a/b/c: the key has more than one "/"',
      'metadata.labels.ok: "with space" is not a label value (at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)',
      'spec.transport.peerPort: must be at most 65535, not 70000',
      'spec.ebgpMultihop: must be an integer, not the string "5"',
      'spec.families[0].safi: required',
      'spec.families[0].afi: must be one of "ipv4", "ipv6", "l2vpn", "ls", "opaque", not "ipv5"',
      'spec.gracefulRestart.enabled: required',
      'spec.bogus: unknown field',
    ]);
  });

  it('CEL rules run after defaulting: a hold time of 9 with the keepalive left out is refused (30 > 9)', () => {
    const peer = (timers: Record<string, number>) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p' }, spec: { timers } });
    expect(issues(peer({ holdTimeSeconds: 9 }))).toEqual(['spec.timers.keepAliveTimeSeconds: keepAliveTimeSeconds can not be larger than holdTimeSeconds']);
    expect(issues(peer({ holdTimeSeconds: 9, keepAliveTimeSeconds: 3 }))).toEqual([]);
  });

  it('a repeated list-map key, and the CEL rule of a Service advertisement', () => {
    const cluster = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name: 'c' }, spec: { bgpInstances: [{ name: 'a' }, { name: 'a' }] } };
    expect(issues(cluster)).toEqual(['spec.bgpInstances[1]: duplicate entry with name="a"']);
    const advert = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name: 'a' }, spec: { advertisements: [{ advertisementType: 'Service' }] } };
    expect(issues(advert)).toEqual(["spec.advertisements[0].service: service field is required for the 'Service' advertisementType"]);
  });

  it('null is a type error, except on a field with a default (defaulted) and on a label (removed by apply)', () => {
    const peer = { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p', labels: { gone: null } }, spec: { ebgpMultihop: null, authSecretRef: null } };
    expect(issues(peer)).toEqual(['spec.authSecretRef: must be a string, not null']);
  });

  it('unknown fields anywhere below x-kubernetes-preserve-unknown-fields are kept (CiliumNode.spec)', () => {
    const node = { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'n' }, spec: { addresses: [{ ip: '10.0.0.1', extra: 1 }], more: {} } };
    expect(issues(node)).toEqual([]);
  });

  it('core kinds: the fields bgpcast reads', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web.x', namespace: 'default' }, spec: { type: 'Balanced', ports: [{ port: 0 }], externalTrafficPolicy: 'Local' } };
    expect(issues(svc)).toEqual([
      'metadata.name: "web.x" is not a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)',
      'spec.type: must be one of "ClusterIP", "NodePort", "LoadBalancer", "ExternalName", not "Balanced"',
      'spec.ports[0].port: must be at least 1, not 0',
    ]);
  });
});

describe('the lines apply -f names', () => {
  it("a YAML error at its own line, not the document's", () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n   bad: indent\n';
    const r = parseManifest(text, 'f.yaml');
    expect(r.errors.map((e) => e.line)).toEqual([8]);
  });

  it('each invalid field at its own line', () => {
    const text = [
      'apiVersion: cilium.io/v2',
      'kind: CiliumBGPPeerConfig',
      'metadata:',
      '  name: p',
      'spec:',
      '  transport:',
      '    peerPort: 99999',
      '  families:',
      '    - afi: foo',
      '      safi: unicast',
      '',
    ].join('\n');
    const r = parseManifest(text, 'f.yaml');
    expect(r.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '7: CiliumBGPPeerConfig/p: spec.transport.peerPort: must be at most 65535, not 99999',
      '9: CiliumBGPPeerConfig/p: spec.families[0].afi: must be one of "ipv4", "ipv6", "l2vpn", "ls", "opaque", not "foo"',
    ]);
  });

  it('binary data is one line, whatever its size', () => {
    const bytes = new Uint8Array(3_000_000).map((_, i) => (i * 7919) % 256);
    expect(parseManifestBytes(bytes, 'b.yaml').errors).toEqual([{ file: 'b.yaml', line: 1, message: 'not YAML or JSON (binary data)' }]);
  });

  it('text that is not YAML shows a few errors, then a count', () => {
    const text = Array.from({ length: 40 }, (_, i) => `: x${i}: [`).join('\n');
    const r = parseManifest(text, 't.yaml');
    expect(r.errors.length).toBeLessThanOrEqual(6);
    expect(r.errors.at(-1)!.message).toMatch(/^and \d+ more YAML errors$/);
  });
});

describe('what passes the schema but breaks bgpcast rules is not refused here', () => {
  it('a selector In without values, a CiliumNode address that is not an address: read, for the functions to flag', () => {
    const text = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name: 'a' }, spec: { advertisements: [{ advertisementType: 'PodCIDR', selector: { matchExpressions: [{ key: 'k', operator: 'In' }] } }] } },
        { apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name: 'n' }, spec: { addresses: [{ type: 'InternalIP', ip: '10.0.0.999' }] } },
      ],
    });
    const r = parseManifest(text, 'l.json');
    expect(r.errors).toEqual([]);
    expect(r.objects).toHaveLength(2);
  });
});
