// Secret (core v1), kept as existence and whether it has a "password" key: the schema reads
// metadata and the names of the keys (`dataKeys`, as the file source and the watcher publish a
// Secret; or the keys of data/stringData of a raw object), never a value, so a password can never
// reach a record, Redis or Kafka through this module.

import { z } from 'zod';
import { namespacedMetaSchema } from './meta.ts';

export interface SecretRef {
  readonly kind: 'Secret';
  readonly namespace: string;
  readonly name: string;
  /** It has the key "password", the TCP MD5 password a speaker reads (docs/cilium-semantics.md PEER-3). */
  readonly hasPassword: boolean;
}

const keysOf = z.record(z.string(), z.unknown()).nullish().transform((m) => Object.keys(m ?? {}));

export const secretSchema = z
  .object({ metadata: namespacedMetaSchema, dataKeys: z.array(z.string()).nullish(), data: keysOf, stringData: keysOf })
  .transform(({ metadata, dataKeys, data, stringData }): SecretRef => ({
    kind: 'Secret',
    namespace: metadata.namespace ?? 'default',
    name: metadata.name,
    hasPassword: [...(dataKeys ?? []), ...data, ...stringData].includes('password'),
  }));
