// TCP MD5 passwords for peers whose config names an authSecretRef. Secrets never travel through
// Kafka or Redis (only their name does), so the speaker reads them where it runs,
// laid out like a Kubernetes Secret mounted as a volume:
//
//   $BGPCAST_SECRETS_DIR/<namespace>/<name>/password
//
// (one directory per Secret, one file per key; `kubectl create secret generic` + a projected
// volume produces exactly this). The file's content is the password; one trailing newline is
// dropped, as `echo secret > password` adds one. A missing Secret or key means an empty password,
// as in Cilium (docs/cilium-semantics.md PEER-3): the session then runs without TCP MD5 and a router that requires
// one refuses it, which the peer's last error shows.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_PASSWORD_KEY = 'password';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

export type PasswordLookup = (ref: SecretRef) => string | null;

export function secretsDirFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  return env['BGPCAST_SECRETS_DIR'] || null;
}

/** Reads passwords from `dir` (see the header); null dir: every lookup finds nothing. */
export function directoryPasswords(dir: string | null): PasswordLookup {
  return (ref) => {
    if (dir === null) return null;
    // Names are DNS labels in Kubernetes; refuse anything that could leave the directory.
    if (!safeName(ref.namespace) || !safeName(ref.name)) return null;
    try {
      const text = readFileSync(join(dir, ref.namespace, ref.name, SECRET_PASSWORD_KEY), 'utf8');
      const password = text.endsWith('\n') ? text.slice(0, -1) : text;
      return password === '' ? null : password;
    } catch {
      return null;
    }
  };
}

function safeName(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) && s !== '.' && s !== '..';
}
