// The local secrets folder: where the password of a Secret applied from a file is kept on this
// machine, so `bgpcast up`'s speakers can set TCP MD5 — never in Kafka or Redis, which carry only
// the Secret's name and key names. The layout is the one the speaker reads, a Secret mounted as a
// volume: <dir>/<namespace>/<name>/password, the folders 0700 and the file 0600. `apply` writes it
// before it publishes (so the password is there when the desired state reaches a speaker) and puts
// back what was there when the publish fails; `delete` removes the Secret's folder.

import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourcedObject } from '../events/file-source.ts';
import { SECRET_PASSWORD_KEY } from '../speaker/worker/secrets.ts';

export interface KeptSecrets {
  /** "namespace/name" of each Secret whose password was written or removed. */
  readonly names: readonly string[];
  /** Puts back what the folder held before. */
  undo(): void;
}

/** The password a Secret manifest holds: stringData.password, else data.password decoded. */
export function secretPassword(manifest: Record<string, unknown>): string | null {
  const stringData = manifest['stringData'] as Record<string, unknown> | undefined;
  if (typeof stringData?.[SECRET_PASSWORD_KEY] === 'string') return stringData[SECRET_PASSWORD_KEY];
  const data = manifest['data'] as Record<string, unknown> | undefined;
  const encoded = data?.[SECRET_PASSWORD_KEY];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : null;
}

export function keepSecrets(objects: readonly SourcedObject[], action: 'apply' | 'delete', dir: string): KeptSecrets {
  const secrets = objects.filter((o) => o.manifest.kind === 'Secret' && o.manifest.apiVersion === 'v1');
  const undo: (() => void)[] = [];
  const names: string[] = [];
  for (const { manifest } of secrets) {
    const ns = manifest.metadata.namespace ?? 'default';
    const folder = join(dir, ns, manifest.metadata.name);
    const file = join(folder, SECRET_PASSWORD_KEY);
    const before = readOrNull(file);
    const password = action === 'apply' ? secretPassword(manifest) : null;
    if (password === before) continue;
    undo.push(() => (before === null ? rmSync(folder, { recursive: true, force: true }) : writePassword(file, before)));
    if (password === null) rmSync(folder, { recursive: true, force: true });
    else writePassword(file, password);
    names.push(`${ns}/${manifest.metadata.name}`);
  }
  return { names, undo: () => undo.reverse().forEach((u) => u()) };
}

function writePassword(file: string, password: string): void {
  const folder = join(file, '..');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  writeFileSync(file, password, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
