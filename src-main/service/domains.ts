// Which domain each operation belongs to: its name's prefix ('qc.list' -> qc), through PREFIX_DOMAIN. Each domain's
// module is service/handlers/<domain>.ts (the loaders are in loaders.ts), loaded by the service on the first call of
// one of its ops (so `kps import` never loads TensorFlow.js; the app and `kps serve` preload all). The compiler
// checks the whole chain: an op whose prefix has no domain, a domain without a loader, or a module whose
// `createHandlers()` lacks a handler of its domain is a type error.
import type { OpName } from '../api/ops.js';

/** Op-name prefix -> domain. A new op in an existing namespace needs nothing here. */
export const PREFIX_DOMAIN = {
  app: 'project',
  schema: 'project',
  project: 'project',
  import: 'project',
  export: 'project',
  job: 'jobs',
  stats: 'labels',
  samples: 'labels',
  sample: 'labels',
  labels: 'labels',
  history: 'labels',
  train: 'train',
  runs: 'train',
  predictions: 'train',
  faces: 'train',
  augment: 'augment',
  photo: 'photo',
  qc: 'qc',
  changes: 'qc',
  assist: 'assist',
  pretrained: 'pretrained',
  thumbs: 'thumbs',
} as const;

export type Domain = (typeof PREFIX_DOMAIN)[keyof typeof PREFIX_DOMAIN];
type Prefix<K extends string> = K extends `${infer P}.${string}` ? P : never;

// Every op's prefix has a domain (else this line does not compile and names the prefix).
type Unmapped = Exclude<Prefix<OpName>, keyof typeof PREFIX_DOMAIN>;
const _everyPrefixMapped: [Unmapped] extends [never] ? true : Unmapped = true;
void _everyPrefixMapped;

/** The domain of an op, as a type. */
export type DomainOf<K extends OpName> = (typeof PREFIX_DOMAIN)[Prefix<K> & keyof typeof PREFIX_DOMAIN];
/** The ops of one domain, as a type: `OpsOf<'qc'>` is 'qc.run' | 'qc.list' | ... | 'changes.summary'. */
export type OpsOf<D extends Domain> = { [K in OpName]: DomainOf<K> extends D ? K : never }[OpName];

export function domainOf(op: OpName): Domain {
  return PREFIX_DOMAIN[op.slice(0, op.indexOf('.')) as keyof typeof PREFIX_DOMAIN];
}
