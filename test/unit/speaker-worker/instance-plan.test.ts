// Planning instances against desired state, passwords from a mounted-Secret directory.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DesiredInstance, DesiredPeer } from '../../../events/desired-state.ts';
import { DEFAULT_NEXT_HOP } from '../../../events/desired-state.ts';
import { instanceFingerprint, passwordDigest, planInstances, speakerPeers } from '../../../speaker/worker/instance-plan.ts';
import { directoryPasswords } from '../../../speaker/worker/secrets.ts';

function peer(name: string, secret: { namespace: string; name: string } | null = null): DesiredPeer {
  return {
    name,
    peerAddress: '127.5.5.5',
    peerASN: 65000,
    localAddress: null,
    config: {
      peerPort: 179,
      holdTimeSeconds: 90,
      keepAliveTimeSeconds: 30,
      connectRetryTimeSeconds: 120,
      ebgpMultihop: 1,
      gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
      authSecretRef: secret,
      gtsm: false,
      maxPrefixes: null,
      nextHop: DEFAULT_NEXT_HOP,
    },
    families: [{ afi: 'ipv4', safi: 'unicast', routes: [] }],
  };
}

const inst = (name: string, localASN = 64000, peers: DesiredPeer[] = [peer('r1')]): DesiredInstance => ({
  name,
  localASN,
  routerID: '10.0.0.1',
  localPort: null,
  peers,
});

describe('planInstances', () => {
  it('removes, replaces (AS, router ID or port changed), updates and creates', () => {
    const running = new Map([
      ['gone', instanceFingerprint(inst('gone'))],
      ['same', instanceFingerprint(inst('same'))],
      ['asn', instanceFingerprint(inst('asn'))],
      ['port', instanceFingerprint(inst('port'))],
    ]);
    const plan = planInstances(running, [inst('same', 64000, [peer('r1'), peer('r2')]), inst('asn', 64001), { ...inst('port'), localPort: 1179 }, inst('new')]);
    expect(plan.remove).toEqual(['gone']);
    expect(plan.replace.map((i) => i.name)).toEqual(['asn', 'port']);
    expect(plan.update.map((i) => i.name)).toEqual(['same']);
    expect(plan.create.map((i) => i.name)).toEqual(['new']);
  });

  it('an empty desired state removes every instance', () => {
    expect(planInstances(new Map([['a', 'x']]), [])).toEqual({ remove: ['a'], replace: [], update: [], create: [] });
  });
});

describe('passwords from BGPCAST_SECRETS_DIR/<namespace>/<name>/password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgpcast-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'kube-system', 'bgp-auth'), { recursive: true });
  writeFileSync(join(dir, 'kube-system', 'bgp-auth', 'password'), 's3cret\n');
  const lookup = directoryPasswords(dir);

  it('reads the password, dropping one trailing newline', () => {
    expect(lookup({ namespace: 'kube-system', name: 'bgp-auth' })).toBe('s3cret');
  });

  it('a missing Secret, a missing directory or a name that leaves the directory means no password', () => {
    expect(lookup({ namespace: 'default', name: 'bgp-auth' })).toBeNull();
    expect(directoryPasswords(null)({ namespace: 'kube-system', name: 'bgp-auth' })).toBeNull();
    expect(lookup({ namespace: '..', name: 'etc' })).toBeNull();
    expect(lookup({ namespace: 'kube-system', name: '../kube-system/bgp-auth' })).toBeNull();
  });

  it('resolves each peer from its authSecretRef; the digest changes when a password does', () => {
    const i = inst('a', 64000, [peer('r1', { namespace: 'kube-system', name: 'bgp-auth' }), peer('r2')]);
    const peers = speakerPeers(i, lookup);
    expect(peers.map((p) => p.password)).toEqual(['s3cret', null]);
    const before = passwordDigest(peers);
    writeFileSync(join(dir, 'kube-system', 'bgp-auth', 'password'), 'other');
    const after = passwordDigest(speakerPeers(i, lookup));
    expect(after).not.toBe(before);
    expect(after).not.toContain('other');
  });
});
