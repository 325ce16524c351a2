// `bgpcast apply -f` / `delete -f --kubeconfig`: through the API server by server-side apply,
// refusals reported per object with the field the API server names, exit 3 for invalid objects
// and 4 for an API server nobody answers at.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { adminApi, paths, unique } from './watch-support.ts';

const api = adminApi();
const kubeconfig = inject('kubeconfigPath');

function manifest(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-apply-'));
  const file = join(dir, 'objects.yaml');
  writeFileSync(file, text);
  return file;
}

describe('apply -f / delete -f through the API server', () => {
  it('applies by server-side apply under field manager bgpcast, statuses too, and leaves fields of other managers alone; delete removes them', async () => {
    const n = unique('w');
    const file = manifest(`apiVersion: v1
kind: Node
metadata:
  name: ${n}
  labels: {bgp: "true"}
status:
  addresses: [{type: InternalIP, address: 172.16.50.1}]
---
apiVersion: cilium.io/v2
kind: CiliumBGPPeerConfig
metadata:
  name: ${n}
spec:
  timers: {holdTimeSeconds: 9, keepAliveTimeSeconds: 3}
`);
    const r = await runCli(['apply', '-f', file, '--kubeconfig', kubeconfig]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(`Node/${n} applied`);
    const node = await api.get<{ metadata: { managedFields: { manager: string }[] }; status: { addresses: unknown[] } }>(`${paths.nodes}/${n}`);
    expect(node.status.addresses).toEqual([{ type: 'InternalIP', address: '172.16.50.1' }]);
    expect(node.metadata.managedFields.map((f) => f.manager)).toContain('bgpcast');
    // Someone else's label survives our next apply.
    await api.request('PATCH', `${paths.nodes}/${n}`, { body: { metadata: { labels: { theirs: 'x' } } }, contentType: 'application/merge-patch+json' });
    expect((await runCli(['apply', '-f', file, '--kubeconfig', kubeconfig])).code).toBe(0);
    expect(await api.get(`${paths.nodes}/${n}`)).toMatchObject({ metadata: { labels: { bgp: 'true', theirs: 'x' } } });

    const d = await runCli(['delete', '-f', file, '--kubeconfig', kubeconfig]);
    expect(d, d.stderr).toMatchObject({ code: 0 });
    await expect(api.get(`${paths.nodes}/${n}`)).rejects.toMatchObject({ code: 404 });
    await expect(api.get(`${paths.cilium('ciliumbgppeerconfigs')}/${n}`)).rejects.toMatchObject({ code: 404 });
  });

  it('an object the API server refuses: FILE:LINE: kind/name: the message naming the field, exit 3, and nothing applied', async () => {
    // A ClusterIP Service without ports passes bgpcast's minimal Service schema (it reads no port);
    // the API server, which checks all of a Service, refuses it.
    const n = unique('bad');
    const file = manifest(`apiVersion: v1
kind: Node
metadata: {name: ${n}}
---
apiVersion: v1
kind: Service
metadata: {name: ${n}, namespace: default}
spec:
  type: ClusterIP
`);
    const r = await runCli(['apply', '-f', file, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${file}:5: Service/default/${n}: .*spec\\.ports`));
    await expect(api.get(`${paths.nodes}/${n}`)).rejects.toMatchObject({ code: 404 });
  });

  it('an object the CRD schema refuses is refused by the file validation first, at its field\'s line', async () => {
    const n = unique('bad');
    const file = manifest(`apiVersion: cilium.io/v2
kind: CiliumBGPClusterConfig
metadata: {name: ${n}}
spec:
  bgpInstances: [{name: i, localASN: "abc"}]
`);
    const r = await runCli(['apply', '-f', file, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${file}:5: CiliumBGPClusterConfig/${n}: spec.bgpInstances[0].localASN: must be an integer, not the string "abc"`);
  });

  it('an API server nobody answers at: exit 4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgpcast-kc-'));
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    const r = await runCli(['apply', '-f', manifest('apiVersion: v1\nkind: Node\nmetadata: {name: n}\n'), '--kubeconfig', kc]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not reachable/);
  });
});
