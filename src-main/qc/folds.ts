// Cross-validated predictions for label QC: K models, each trained on the other folds, predict their held-out fold.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { KpsError } from '../core/errors.js';
import { resolveConfig } from '../train/config.js';
import { parseSplit, prepareData, type PreparedData, type TrainSource } from '../train/data.js';
import { startTrainingJob, type TrainHandle } from '../train/host.js';
import type { BackendPreference } from '../train/backend.js';
import { Rng } from '../train/rng.js';
import type { ModelName } from '../train/models/index.js';

export interface CrossValOptions {
  /** Number of folds (models); default 4. */
  folds?: number;
  /** Model of the training engine; default kpnet (the efficient default). */
  model?: ModelName;
  epochs?: number;
  /** Model input side; default 64: QC needs the gross errors, not the last tenth of a pixel, and it is ~2x faster than 96. */
  inputSize?: number;
  width?: number;
  batch?: number;
  lr?: number;
  /** Augmentation of the training engine (train/config.ts); default none. */
  augment?: string;
  seed?: number;
  /** Folds trained at the same time, each in its own worker thread; default: the number of cores, at most the folds. */
  concurrency?: number;
  backend?: BackendPreference;
  /** Train on this thread (tests on the cpu backend). */
  inProcess?: boolean;
  signal?: AbortSignal;
  onProgress?(message: string, done: number, total: number): void;
}

export interface CrossValResult {
  /** Sample id -> flat [x0, y0, ...] prediction in image pixels, made by the model that did not see the sample. */
  predictions: Map<number, Float64Array>;
  /** Sample id -> 1-based fold. */
  foldOf: Map<number, number>;
  folds: number;
  /** RMSE in pixels of the held-out predictions over all labelled values (includes the label errors). */
  heldOutRmsePx: number | null;
  backend: string;
  seconds: number;
  settings: { model: string; epochs: number; inputSize: number; folds: number; augment: string };
}

function copyData(d: PreparedData, splits: PreparedData['splits']): PreparedData {
  // The worker takes ownership of every buffer it is sent (train/host.ts transfers them): each fold gets its own deep
  // copy, so a buffer added to the job later (as the photos' context squares were) cannot be taken from the next fold.
  return structuredClone({ ...d, splits });
}

/**
 * Trains `folds` models with the training engine and returns, for every sample with pixels and a label, the
 * prediction of the one model that did not train on it. Folds are seeded; each model uses a short fixed budget.
 */
export async function crossValidatedPredictions(source: TrainSource, o: CrossValOptions = {}): Promise<CrossValResult> {
  const t0 = Date.now();
  const folds = o.folds ?? 4;
  if (!Number.isInteger(folds) || folds < 2) throw new KpsError('bad-input', `qc: folds must be an integer of at least 2, got ${folds}`);
  const seed = o.seed ?? 1;
  const inputSize = o.inputSize ?? 64;
  const config = resolveConfig(
    {
      model: o.model ?? 'kpnet',
      epochs: o.epochs ?? 12,
      batch: o.batch ?? 64,
      lr: o.lr ?? 1e-3,
      schedule: 'warmup:1+cosine',
      split: 'random:0:0',
      seed,
      inputSize,
      width: o.width ?? 1,
      augment: o.augment ?? 'none',
    },
    'qc cross-validation settings',
  );
  const K = source.schema.keypoints.length;
  const keypointIndices = [...Array(K).keys()];
  o.onProgress?.('loading samples', 0, 0);
  const data = await prepareData(source, {
    inputSize,
    keypointIndices,
    split: parseSplit('random:0:0'),
    seed,
    cropMargin: config.cropMargin,
    signal: o.signal,
    progress: (d, t) => o.onProgress?.(`loading samples ${d}/${t}`, 0, 0),
  });
  const n = data.ids.length;
  if (n < folds * 2) throw new KpsError('bad-input', `qc: cross-validation needs at least ${folds * 2} samples with pixels and labels, the project has ${n}`);
  const order = new Rng(seed * 31 + 7).shuffle([...Array(n).keys()]);
  const foldOfRow = new Int32Array(n);
  order.forEach((row, i) => (foldOfRow[row] = i % folds));

  const runRoot = await mkdtemp(join(tmpdir(), 'kps-qc-'));
  const predictions = new Map<number, Float64Array>();
  const foldOf = new Map<number, number>();
  let backend = 'unknown';
  const perFoldSteps = config.epochs * Math.ceil((n - n / folds) / config.batch);
  const stepsDone = new Array<number>(folds).fill(0);
  const live = new Set<TrainHandle>();
  const onAbort = () => live.forEach((h) => h.cancel());
  o.signal?.addEventListener('abort', onAbort);
  const report = (msg: string) => o.onProgress?.(msg, stepsDone.reduce((a, b) => a + b, 0), perFoldSteps * folds);

  const runFold = async (f: number): Promise<void> => {
    if (o.signal?.aborted) throw new KpsError('cancelled', 'qc cancelled');
    const splits = data.splits.map((_, row) => (foldOfRow[row] === f ? 'test' : 'train')) as PreparedData['splits'];
    const handle = startTrainingJob(
      { config, data: copyData(data, splits), schema: source.schema, runDir: join(runRoot, `fold-${f + 1}`), resume: false },
      {
        onProgress: (p) => {
          stepsDone[f] = (p.epoch - 1) * p.steps + p.step;
          report(`fold ${f + 1}/${folds}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toPrecision(3)}, ${p.samples_per_s.toFixed(0)} samples/s`);
        },
      },
      { backend: o.backend, inProcess: o.inProcess },
    );
    live.add(handle);
    try {
      handle.backend.then((b) => (backend = b.reason), () => undefined);
      const outcome = await handle.result;
      if (outcome.status === 'cancelled' || !outcome.predictions) throw new KpsError('cancelled', 'qc cancelled');
      const { ids, coords } = outcome.predictions;
      const idToRow = new Map(data.ids.map((id, row) => [id, row]));
      ids.forEach((id, i) => {
        const row = idToRow.get(id);
        if (row === undefined || foldOfRow[row] !== f) return;
        predictions.set(id, Float64Array.from(coords.subarray(i * 2 * K, (i + 1) * 2 * K)));
        foldOf.set(id, f + 1);
      });
      stepsDone[f] = perFoldSteps;
      report(`fold ${f + 1}/${folds} done`);
    } finally {
      live.delete(handle);
    }
  };

  try {
    // A small pool: each fold trains in its own worker thread with its own WebAssembly instance.
    const concurrency = Math.max(1, Math.min(folds, o.concurrency ?? (o.inProcess ? 1 : availableParallelism())));
    let next = 0;
    const workers = Array.from({ length: concurrency }, async () => {
      while (next < folds) {
        const f = next++;
        await runFold(f);
      }
    });
    await Promise.all(workers);
  } catch (err) {
    onAbort();
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await rm(runRoot, { recursive: true, force: true });
  }
  let sq = 0, cnt = 0;
  data.ids.forEach((id, row) => {
    const p = predictions.get(id);
    if (!p) return;
    for (let j = 0; j < 2 * K; j++) {
      const t = data.truthPx[row * 2 * K + j];
      if (Number.isFinite(t)) {
        sq += (p[j] - t) ** 2;
        cnt += 1;
      }
    }
  });
  return {
    predictions,
    foldOf,
    folds,
    heldOutRmsePx: cnt > 0 ? Math.sqrt(sq / cnt) : null,
    backend,
    seconds: (Date.now() - t0) / 1000,
    settings: { model: config.model, epochs: config.epochs, inputSize, folds, augment: config.augment },
  };
}
