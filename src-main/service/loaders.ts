// The loader of each domain's module (service/domains.ts says which ops a domain has). Typed per domain: a domain
// without its loader, or a module whose createHandlers() misses a handler of its domain, does not compile.
import type { DomainModule } from './context.js';
import type { Domain } from './domains.js';

/** Each domain's module; its `createHandlers()` makes the handlers (and job kinds) for one Service instance. */
export const DOMAIN_LOADERS: { [D in Domain]: () => Promise<{ createHandlers(): DomainModule<D> }> } = {
  project: () => import('./handlers/project.js'),
  jobs: () => import('./handlers/jobs.js'),
  labels: () => import('./handlers/labels.js'),
  train: () => import('./handlers/train.js'),
  augment: () => import('./handlers/augment.js'),
  photo: () => import('./handlers/photo.js'),
  qc: () => import('./handlers/qc.js'),
  assist: () => import('./handlers/assist.js'),
  pretrained: () => import('./handlers/pretrained.js'),
  thumbs: () => import('./handlers/thumbs.js'),
};
