// Secret (core v1), kept as existence only. The schema reads metadata and nothing else, so a
// password can never reach a record, Redis or Kafka through this module.

import { z } from 'zod';
import { namespacedMetaSchema } from './meta.ts';

export interface SecretRef {
  readonly kind: 'Secret';
  readonly namespace: string;
  readonly name: string;
}

export const secretSchema = z
  .object({ metadata: namespacedMetaSchema })
  .transform(({ metadata }): SecretRef => ({
    kind: 'Secret',
    namespace: metadata.namespace ?? 'default',
    name: metadata.name,
  }));
