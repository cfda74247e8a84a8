// Which module handles each operation, and how to load it: the service loads only the module of the op it is asked
// for (so `kps import` never loads TensorFlow.js). The compiler checks the table: an op declared in api/ops.ts without
// a domain here, or a domain without a loader, is a type error; test/unit/service/domains.test.ts checks that each
// loader registers every op of its domain.
import type { OpName } from '../api/ops.js';

export type Domain = 'core' | 'train' | 'augment' | 'photo' | 'qc' | 'assist' | 'pretrained' | 'thumbs';

export const OP_DOMAIN = {
  // service.ts itself: projects, import and export, jobs, samples, labels, tags, splits, history.
  'app.info': 'core',
  'schema.list': 'core',
  'project.create': 'core',
  'project.open': 'core',
  'project.info': 'core',
  'project.close': 'core',
  'import.start': 'core',
  'export.start': 'core',
  'job.get': 'core',
  'job.list': 'core',
  'job.cancel': 'core',
  'job.pause': 'core',
  'job.resume': 'core',
  'job.wait': 'core',
  'stats.get': 'core',
  'samples.list': 'core',
  'samples.ids': 'core',
  'sample.get': 'core',
  'sample.history': 'core',
  'labels.set': 'core',
  'labels.confirm': 'core',
  'samples.tag': 'core',
  'samples.setSplit': 'core',
  'samples.delete': 'core',
  'history.undo': 'core',
  'history.redo': 'core',
  // train-ops.ts: training runs, their records and predictions, face detection for the crop rule.
  'train.start': 'train',
  'train.pause': 'train',
  'train.resume': 'train',
  'train.cancel': 'train',
  'runs.list': 'train',
  'runs.get': 'train',
  'runs.update': 'train',
  'runs.delete': 'train',
  'runs.evaluate': 'train',
  'predictions.get': 'train',
  'runs.split': 'train',
  'faces.detect': 'train',
  // handlers/augment.ts
  'augment.preview': 'augment',
  // ui-ops.ts: the training UI's model views and own photos.
  'train.options': 'photo',
  'runs.filters': 'photo',
  'runs.heatmap': 'photo',
  'photo.predict': 'photo',
  'photo.predictBatch': 'photo',
  'photo.add': 'photo',
  'photo.upload': 'photo',
  // qc-ops.ts
  'qc.run': 'qc',
  'qc.list': 'qc',
  'qc.dismiss': 'qc',
  'qc.restore': 'qc',
  'changes.summary': 'qc',
  // assist-ops.ts
  'assist.predict': 'assist',
  'assist.fillBatch': 'assist',
  // pretrained-ops.ts
  'pretrained.info': 'pretrained',
  'pretrained.fitMapping': 'pretrained',
  'pretrained.deleteMapping': 'pretrained',
  // thumb-ops.ts
  'thumbs.batch': 'thumbs',
} as const satisfies Record<OpName, Domain>;

/** The ops of one domain, as a type: `OpsOf<'qc'>` is 'qc.run' | 'qc.list' | ... */
export type OpsOf<D extends Domain> = { [K in OpName]: (typeof OP_DOMAIN)[K] extends D ? K : never }[OpName];

/** Each module registers its ops and job kinds when it loads (registerOp, registerJobKind). */
export const DOMAIN_LOADERS: Record<Exclude<Domain, 'core'>, () => Promise<unknown>> = {
  train: () => import('./train-ops.js'),
  augment: () => import('./handlers/augment.js'),
  photo: () => import('./ui-ops.js'),
  qc: () => import('./qc-ops.js'),
  assist: () => import('./assist-ops.js'),
  pretrained: () => import('./pretrained-ops.js'),
  thumbs: () => import('./thumb-ops.js'),
};

export function domainOf(op: OpName): Domain {
  return OP_DOMAIN[op];
}
