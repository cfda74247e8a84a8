// The service side of `kps bench-train`: the model names its help lists (no TensorFlow.js) and the timing run, which
// loads TensorFlow.js only when called. The CLI reaches training through here (layer rule: cli imports service, not train).
import { KpsError } from '../core/errors.js';
import type { BenchTrainOptions, BenchTrainResult } from '../train/parallel/step-timing.js';

export { DEFAULT_MODEL, MODEL_NAMES } from '../train/models/names.js';
export type { BenchTrainResult } from '../train/parallel/step-timing.js';

export interface BenchTrainRequest extends Omit<BenchTrainOptions, 'backend'> {
  /** auto, tensorflow-gpu, tensorflow, wasm or cpu; anything else is refused before TensorFlow.js starts a backend. */
  backend?: string;
}

/** Times training and inference samples/s of a zoo model on random data (train/parallel/step-timing.ts). */
export async function runBenchTrain(req: BenchTrainRequest): Promise<BenchTrainResult> {
  // TensorFlow.js loads with these: only when the bench runs.
  const [{ isBackendPreference }, { benchTrain }] = await Promise.all([import('../train/backend.js'), import('../train/parallel/step-timing.js')]);
  const { backend, ...rest } = req;
  if (backend !== undefined && !isBackendPreference(backend)) {
    throw new KpsError('bad-input', `--backend must be auto, tensorflow-gpu, tensorflow, wasm or cpu, got "${backend}"`);
  }
  return benchTrain({ ...rest, ...(backend === undefined ? {} : { backend }) });
}
