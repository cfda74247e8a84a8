// Service modules owned by other parts of the app (training, augmentation, QC, training UI), loaded on first need so `kps new` does not pay for TensorFlow.js.
// Each module registers its ops and job kinds at load (registerOp, registerJobKind). Add a module here with one line.
const EXTENSIONS: { name: string; load: () => Promise<unknown> }[] = [
  { name: 'train-ops', load: () => import('./train-ops.js') },
  { name: 'augment-preview', load: () => import('./handlers/augment.js') },
  { name: 'ui-ops', load: () => import('./ui-ops.js') },
  { name: 'qc-ops', load: () => import('./qc-ops.js') },
  { name: 'assist-ops', load: () => import('./assist-ops.js') },
  { name: 'thumb-ops', load: () => import('./thumb-ops.js') },
  { name: 'pretrained-ops', load: () => import('./pretrained-ops.js') },
];

let loading: Promise<void> | null = null;
/** Modules that failed to load, with why: one broken module must not take the others' ops down with it. */
export const extensionFailures = new Map<string, string>();

/** Load every extension once; later calls wait for the same load. Never rejects (see extensionFailures). */
export function loadExtensions(): Promise<void> {
  loading ??= Promise.allSettled(EXTENSIONS.map((e) => e.load())).then((results) => {
    results.forEach((r, i) => {
      if (r.status === 'rejected') extensionFailures.set(EXTENSIONS[i].name, r.reason instanceof Error ? r.reason.message : String(r.reason));
    });
  });
  return loading;
}
