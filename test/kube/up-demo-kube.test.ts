// `bgpcast up --demo --kube` as a user runs it: the real binary with the test run's Kafka and Redis,
// its own etcd + kube-apiserver and BIRD on 127.5.5.5:179. Both sessions come up; with the
// KUBECONFIG it prints, kubectl finds the CRDs, worker1's NodeConfig established with its route
// count and the ClusterConfig's conditions; unlabelling worker2 withdraws its routes at BIRD and
// removes its NodeConfig; a LoadBalancer IP patched into a Service's status reaches BIRD; the
// watcher reads Secrets from the namespace --bgp-secrets-namespace names. SIGTERM stops everything
// it started.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect, inject, it } from 'vitest';
import { birdCommand } from '../support/routers/bird-control.ts';
import { parseRoutes } from '../support/routers/bird-parse.ts';
import { listening } from '../support/process.ts';
import { startUp, stopUp, upEnv } from '../support/up-process.ts';
import { until } from './watch-support.ts';

it('up --demo --kube: sessions established, NodeConfigs and conditions through kubectl, label and status changes reach BIRD, then a clean stop', { timeout: 240_000 }, async () => {
  expect(await listening('127.5.5.5', 179), 'something already listens on 127.5.5.5:179 (a running demo?)').toBe(false);
  const env = upEnv(inject('kafkaBrokers'), inject('redisUrl'), 'demo-kube');

  const up = await startUp(['--demo', '--kube', '--bgp-secrets-namespace', 'bgp-secrets'], env, (out, err) => err.includes('ready; Ctrl-C') && out.includes('export KUBECONFIG='), 150_000);
  const { child, exited } = up;
  try {
    const stdout = up.stdout();
    const stderr = up.stderr();
    expect(stderr).toMatch(/Kubernetes API ready at https:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toContain('applied 10 objects from');
    expect(stderr).toContain('through the API server');
    const peers = stdout.slice(stdout.indexOf('$ bgpcast peers'), stdout.indexOf('$ bgpcast routes')).trim().split('\n');
    expect(peers[2]).toMatch(/^worker1\s+64000\s+65000\s+127\.5\.5\.5\s+established\s/);
    expect(peers[3]).toMatch(/^worker2\s+64000\s+65000\s+127\.5\.5\.5\s+established\s/);

    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stdout)![1]!;
    expect(stdout).toContain(`# kubectl: ${inject('kubectlPath')}`);
    const kubectl = (...args: string[]) => {
      const r = spawnSync(inject('kubectlPath'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const json = <T>(...args: string[]) => JSON.parse(kubectl(...args, '-o', 'json').stdout) as T;
    const bird = resolve(dirname(/BIRD running, pid \d+, log (\S+)/.exec(stderr)![1]!), 'bird.ctl');
    const birdRoutes = async (protocol: string) => parseRoutes((await birdCommand(bird, `show route protocol ${protocol} all`)).lines).map((r) => r.prefix);

    expect(kubectl('get', 'crd', '-o', 'name').stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['ciliumbgpadvertisements', 'ciliumbgpclusterconfigs', 'ciliumbgpnodeconfigoverrides', 'ciliumbgpnodeconfigs', 'ciliumbgppeerconfigs', 'ciliumloadbalancerippools', 'ciliumnodes', 'ciliumpodippools'].map(
        (p) => `customresourcedefinition.apiextensions.k8s.io/${p}.cilium.io`,
      ),
    );
    type NodeConfig = { status?: { bgpInstances?: { peers: { peeringState: string; establishedTime?: string; routeCount?: { afi: string; advertised: number }[] }[] }[] } };
    const worker1Routes = await birdRoutes('worker1');
    const peer = await until('worker1\'s NodeConfig established with BIRD\'s route count', () => {
      const p = json<NodeConfig>('get', 'ciliumbgpnodeconfig', 'worker1').status?.bgpInstances?.[0]?.peers[0];
      return p?.peeringState === 'established' && p.routeCount?.[0]?.advertised === worker1Routes.length ? p : undefined;
    });
    expect(peer.routeCount).toEqual([{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: worker1Routes.length }]);
    type Conditions = { status: { conditions: { type: string; status: string }[] } };
    expect(json<Conditions>('get', 'ciliumbgpclusterconfig', 'cilium-bgp').status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
      'cilium.io/ConflictingClusterConfig=False',
      'cilium.io/MissingPeerConfigs=False',
      'cilium.io/NoMatchingNode=False',
    ]);

    expect(await birdRoutes('worker2')).toContain('192.168.2.0/24');
    expect(kubectl('label', 'node', 'worker2', 'bgp-').status).toBe(0);
    await until('worker2\'s routes withdrawn at BIRD', async () => (await birdRoutes('worker2')).length === 0 || undefined);
    await until('worker2\'s NodeConfig gone', () => kubectl('get', 'ciliumbgpnodeconfig', 'worker2').stderr.includes('NotFound') || undefined);

    const patch = kubectl('patch', 'service', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"172.20.0.10"},{"ip":"172.20.0.11"}]}}}');
    expect(patch.status, patch.stderr).toBe(0);
    await until('172.20.0.11/32 at BIRD', async () => (await birdRoutes('worker1')).includes('172.20.0.11/32') || undefined);

    // Last, as the session then wants TCP MD5, which the demo BIRD does not have: a PeerConfig naming
    // a Secret that is missing, then that Secret created in the namespace --bgp-secrets-namespace
    // names (a watcher of kube-system alone would never publish it).
    type PeerConditions = { status?: { conditions?: { type: string; status: string; message: string }[] } };
    const missing = () => json<PeerConditions>('get', 'ciliumbgppeerconfig', 'cilium-peer').status?.conditions?.find((c) => c.type === 'cilium.io/MissingAuthSecret');
    expect(kubectl('patch', 'ciliumbgppeerconfig', 'cilium-peer', '--type=merge', '-p', '{"spec":{"authSecretRef":"bgp-auth"}}').status).toBe(0);
    const absent = await until('MissingAuthSecret True', () => (missing()?.status === 'True' ? missing() : undefined));
    expect(absent!.message).toContain('bgp-secrets');
    expect(kubectl('create', 'namespace', 'bgp-secrets').status).toBe(0);
    expect(kubectl('create', 'secret', 'generic', 'bgp-auth', '-n', 'bgp-secrets', '--from-literal=password=s3cret').status).toBe(0);
    await until('MissingAuthSecret False once the Secret exists in bgp-secrets', () => missing()?.status === 'False' || undefined);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(up.stderr()).toContain('stopped');
    expect(existsSync(kubeconfig)).toBe(false);
    expect(await listening('127.5.5.5', 179)).toBe(false);
    const server = /Kubernetes API ready at https:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)!;
    expect(await listening('127.0.0.1', Number(server[1]))).toBe(false);
  } finally {
    await stopUp(up);
  }
});
