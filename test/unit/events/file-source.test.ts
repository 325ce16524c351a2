import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidFileError, parseManifest, readManifests } from '../../../events/file-source.ts';
import { objectKey } from '../../../events/object-key.ts';
import { identityOf } from '../../../events/envelope.ts';

const seed = resolve(import.meta.dirname, '../../../infra/examples/seed');

describe('reading manifests (apply -f / delete -f)', () => {
  it('reads every object of the seed example, in file order, with its line', async () => {
    const { objects, warnings } = await readManifests([seed]);
    expect(warnings).toEqual([]);
    expect(objects.map((o) => objectKey(identityOf(o.object)))).toEqual([
      'CiliumBGPClusterConfig.cilium.io/cilium-bgp',
      'CiliumBGPPeerConfig.cilium.io/cilium-peer',
      'CiliumBGPAdvertisement.cilium.io/bgp-advertisements',
      'Node/worker1',
      'Node/worker2',
      'Node/control-plane',
      'Service/default/web',
      'Service/default/api',
    ]);
    expect(objects[0]!.file).toBe(join(seed, 'bgp.yaml'));
    expect(objects[0]!.line).toBe(2);
    expect(objects[1]!.line).toBe(20);
  });

  it('defaults the namespace of namespaced kinds and drops it from cluster-scoped kinds', () => {
    const r = parseManifest(
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n1, namespace: x}\n',
      'f.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => o.object.metadata.namespace)).toEqual(['default', undefined]);
  });

  it('reads a Secret as a reference only: its values never leave the file', () => {
    const text = 'apiVersion: v1\nkind: Secret\nmetadata: {name: bgp-auth, namespace: kube-system}\ndata: {password: c2VjcmV0}\n';
    const r = parseManifest(text, 's.yaml');
    expect(r.objects).toHaveLength(1);
    expect(JSON.stringify(r.objects[0]!.object)).not.toContain('c2VjcmV0');
    expect(r.objects[0]!.object).toMatchObject({ kind: 'Secret', dataKeys: ['password'] });
  });

  it('warns about and skips a kind bgpcast does not consume', () => {
    const r = parseManifest('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n', 'f.yaml');
    expect(r.objects).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.message).toMatch(/Deployment.*skipped/);
  });

  it('names the file and line of invalid YAML', () => {
    const text = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: [oops\n';
    const r = parseManifest(text, 'bad.yaml');
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]!.file).toBe('bad.yaml');
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['a list instead of an object', '- a\n- b\n', /not a Kubernetes object/],
    ['no apiVersion', 'kind: Node\nmetadata: {name: n}\n', /apiVersion is required/],
    ['no kind', 'apiVersion: v1\nmetadata: {name: n}\n', /kind is required/],
    ['no name', 'apiVersion: v1\nkind: Node\nmetadata: {}\n', /metadata.name is required/],
    ['an invalid name', 'apiVersion: v1\nkind: Node\nmetadata: {name: Bad_Name}\n', /not a valid name/],
    ['a spec that is not a mapping', 'apiVersion: cilium.io/v2\nkind: CiliumBGPPeerConfig\nmetadata: {name: p}\nspec: 3\n', /spec must be a mapping/],
  ])('rejects %s', (_what, text, message) => {
    const r = parseManifest(text, 'f.yaml');
    expect(r.objects).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(message);
  });

  it('expands a v1 List into its items', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Node, metadata: {name: a}}\n- {apiVersion: v1, kind: Node, metadata: {name: b}}\n';
    expect(parseManifest(text, 'l.yaml').objects.map((o) => o.object.metadata.name)).toEqual(['a', 'b']);
  });

  it('fails the whole read when one file of a directory is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bgpcast-fs-'));
    await writeFile(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Node\nmetadata: {name: good}\n');
    await writeFile(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: Node\nmetadata: {name: "bad name"}\n');
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    const err = await readManifests([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidFileError);
    expect((err as InvalidFileError).problems).toEqual([
      expect.objectContaining({ file: join(dir, 'b.yaml'), line: 1 }),
    ]);
  });
});
