// Service modules owned by other parts of the app (training), loaded on first need so `kps new` does not pay for TensorFlow.js.
// Each module registers its ops and job kinds at load (registerOp, registerJobKind). Add a module here with one line.
const EXTENSIONS: (() => Promise<unknown>)[] = [() => import('./train-ops.js'), () => import('./augment-ops.js'), () => import('./ui-ops.js')];

let loading: Promise<void> | null = null;

/** Load every extension once; later calls wait for the same load. */
export function loadExtensions(): Promise<void> {
  loading ??= Promise.all(EXTENSIONS.map((load) => load())).then(() => undefined);
  return loading;
}
