// Loading the service modules owned by other parts of the app (training, augmentation, QC, photos, ...): one domain
// when its op is first called, or all of them in the background (preload). The table is service/domains.ts.
import { DOMAIN_LOADERS, type Domain } from './domains.js';

type LoadedDomain = Exclude<Domain, 'core'>;
const loading = new Map<LoadedDomain, Promise<void>>();
/** Modules that failed to load, with why: one broken module must not take the others' ops down with it. */
export const extensionFailures = new Map<string, string>();

/** Load one domain's module once; later calls wait for the same load. Never rejects (see extensionFailures). */
export function loadDomain(domain: LoadedDomain): Promise<void> {
  let p = loading.get(domain);
  if (!p) {
    p = DOMAIN_LOADERS[domain]().then(
      () => undefined,
      (err: unknown) => {
        extensionFailures.set(domain, err instanceof Error ? err.message : String(err));
      },
    );
    loading.set(domain, p);
  }
  return p;
}

/** Load every domain's module (the app preloads them so the first train call does not wait). Never rejects. */
export function loadExtensions(): Promise<void> {
  return Promise.all((Object.keys(DOMAIN_LOADERS) as LoadedDomain[]).map((d) => loadDomain(d))).then(() => undefined);
}
