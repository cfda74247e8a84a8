// Runs: start, resume after a crash, evaluate and predict with a trained run, keeping records and predictions in the project store.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';
import type { KeypointSchema } from '../core/types.js';
import type { PredictionRecord, ProjectStore, RunRecord, RunSplitEntry } from '../store/types.js';
import type { BackendPreference } from './backend.js';
import { defaultModelFor, effectiveInputSize, resolveConfig, type TrainConfig } from './config.js';
import { cropResize, fromNormalised, parseSplit, predictionsToPixels, prepareData, selectKeypoints, type CropBox, type PreparedData, type TrainSource } from './data.js';
import { FACE_CROP_RULE, type FaceBoxLike } from './facecrop.js';
import { biasVarianceReading, evaluatePredictions, meanShape, perSampleError, type EvalMetrics } from './evaluate.js';
import { startTrainingJob, type TrainHandle } from './host.js';
import { loadModel } from './modelfile.js';
import { MODEL_INFO, withHeatmapOutput } from './models/index.js';
import { heatmapConfidence } from './infer/confidence.js';
import { predictRows, type EpochMetrics, type FinalMetrics, type TrainProgress } from './trainer.js';

/** The store slice that runs need: samples to read, and run and prediction records to write. */
export type RunStore = TrainSource & Pick<ProjectStore, 'saveRun' | 'getRun' | 'listRuns' | 'deleteRun' | 'savePredictions' | 'getPredictions' | 'saveRunSplit' | 'getRunSplit'>;

export type { RunConfig, EvaluationReport } from '../api/run-types.js';
import type { RunConfig, EvaluationReport } from '../api/run-types.js';

/** Where a project's run folders live: beside the project file. */
export function runsFolder(projectPath: string): string {
  return `${projectPath}.runs`;
}

export function newRunId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(2).toString('hex')}`;
}

export function runConfigOf(run: RunRecord): RunConfig {
  return run.config;
}

export interface RunHooks {
  onProgress?(p: TrainProgress, run: RunRecord): void;
  onEpoch?(e: EpochMetrics, run: RunRecord): void;
  onBackend?(name: string, reason: string): void;
  /** Data loading progress (done, total). */
  onLoad?(done: number, total: number): void;
}

export interface RunOptions {
  backend?: BackendPreference;
  inProcess?: boolean;
  signal?: AbortSignal;
}

/** A run being trained: control it, and await its end (the record as stored then). */
export interface RunSession {
  runId: string;
  handle: TrainHandle;
  done: Promise<RunRecord>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

async function prepareFor(store: RunStore, cfg: RunConfig, hooks: RunHooks, signal?: AbortSignal): Promise<PreparedData> {
  return prepareData(store, {
    inputSize: cfg.inputSize,
    keypointIndices: cfg.keypointIndices,
    split: parseSplit(cfg.split),
    seed: cfg.seed,
    cropMargin: cfg.cropMargin,
    progress: hooks.onLoad,
    signal,
  });
}

/** The run's side of each prepared sample, as the store keeps it. */
function splitEntries(data: PreparedData): RunSplitEntry[] {
  const out: RunSplitEntry[] = [];
  data.ids.forEach((sampleId, i) => {
    const split = data.splits[i];
    if (split !== 'unassigned') out.push({ sampleId, split });
  });
  return out;
}

/**
 * Makes `data` use the run's stored split: a sample keeps the side it had when the run started, and a sample the run
 * never saw (added or labelled since) is `unassigned`, so it is neither trained on nor counted in train/val/test
 * figures. A run without a stored split (trained before schema version 4) keeps the recomputed seeded split, which
 * is stored now so that later views agree with it.
 */
function useRunSplit(store: RunStore, runId: string, data: PreparedData): void {
  const stored = store.getRunSplit(runId);
  if (stored.length === 0) {
    store.saveRunSplit(runId, splitEntries(data));
    return;
  }
  const side = new Map(stored.map((e) => [e.sampleId, e.split]));
  data.splits = data.ids.map((id) => side.get(id) ?? 'unassigned');
}

/** Full-schema flat coordinates from the model's keypoint subset (NaN where the model predicts nothing). */
function toSchemaCoords(schemaK: number, keypointIndices: number[], coords: Float32Array, row: number): number[] {
  const out = new Array<number>(schemaK * 2).fill(NaN);
  const k = keypointIndices.length;
  keypointIndices.forEach((ki, j) => {
    out[2 * ki] = coords[row * 2 * k + 2 * j];
    out[2 * ki + 1] = coords[row * 2 * k + 2 * j + 1];
  });
  return out;
}

function savePredictionRows(store: RunStore, runId: string, ids: number[], coords: Float32Array, errors: (number | null)[], keypointIndices: number[]): void {
  const K = store.schema.keypoints.length;
  const preds: PredictionRecord[] = ids.map((sampleId, i) => ({ runId, sampleId, coords: toSchemaCoords(K, keypointIndices, coords, i), error: errors[i] }));
  store.savePredictions(preds);
}

/** Follows a session to its end, writing epochs, the final metrics, status and predictions into the store. */
function follow(store: RunStore, run: RunRecord, handle: TrainHandle, hooks: RunHooks, keypointIndices: number[]): Promise<RunRecord> {
  handle.backend.then(
    (info) => {
      run.backend = info.name;
      run.config.backendReason = info.reason;
      store.saveRun(run);
      hooks.onBackend?.(info.name, info.reason);
    },
    () => undefined,
  );
  return handle.result.then(
    (outcome) => {
      run.epochs = outcome.epochs;
      run.endedAt = new Date().toISOString();
      if (outcome.status === 'cancelled') {
        run.status = 'cancelled';
      } else {
        run.status = 'done';
        run.final = outcome.final;
        if (outcome.predictions) savePredictionRows(store, run.id, outcome.predictions.ids, outcome.predictions.coords, outcome.predictions.errors, keypointIndices);
      }
      store.saveRun(run);
      return run;
    },
    (err: unknown) => {
      const e = err instanceof KpsError ? err : new KpsError('internal', String((err as Error)?.message ?? err));
      // A failed run keeps its checkpoints; `failed` with the reason in `final.error`.
      run.status = 'failed';
      run.endedAt = new Date().toISOString();
      run.final = { error: e.message };
      store.saveRun(run);
      throw e;
    },
  );
}

function session(store: RunStore, run: RunRecord, handle: TrainHandle, hooks: RunHooks, keypointIndices: number[]): RunSession {
  const setStatus = (status: RunRecord['status']) => {
    if (run.status === 'running' || run.status === 'paused') {
      run.status = status;
      store.saveRun(run);
    }
  };
  return {
    runId: run.id,
    handle,
    done: follow(store, run, handle, hooks, keypointIndices),
    pause: () => {
      handle.pause();
      setStatus('paused');
    },
    resume: () => {
      handle.resume();
      setStatus('running');
    },
    cancel: () => handle.cancel(),
  };
}

function wireHooks(store: RunStore, run: RunRecord, hooks: RunHooks) {
  return {
    onProgress: (p: TrainProgress) => hooks.onProgress?.(p, run),
    onEpoch: (e: EpochMetrics) => {
      // Every epoch is in the store as soon as its checkpoint is on disk.
      const epochs = run.epochs;
      const at = epochs.findIndex((x) => x.epoch === e.epoch);
      if (at >= 0) epochs.splice(at);
      epochs.push(e);
      store.saveRun(run);
      hooks.onEpoch?.(e, run);
    },
  };
}

/** Validates the settings and records a new run (status running) without starting it: train.start answers with its id at once. */
export function createRun(store: RunStore, input: Partial<Record<keyof TrainConfig, unknown>>, opts: { id?: string; name?: string } = {}): RunRecord {
  // No model named: the project's default (kpnet for the Kaggle layout, face68 for photo layouts).
  const config = resolveConfig(input.model === undefined ? { ...input, model: defaultModelFor(store.schema.id) } : input, 'training config');
  const info = MODEL_INFO[config.model];
  const keypointIndices = selectKeypoints(store.schema, config.keypoints, info.fixedKeypoints);
  const cfg: RunConfig = { ...config, inputSize: effectiveInputSize(config), keypointIndices, schemaId: store.schema.id, faceCrop: FACE_CROP_RULE.id };
  const id = opts.id ?? newRunId();
  const run: RunRecord = {
    id,
    name: opts.name ?? `${cfg.model} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    model: cfg.model,
    config: cfg,
    backend: 'starting',
    dataVersion: store.dataVersion(),
    status: 'running',
    createdAt: new Date().toISOString(),
    endedAt: null,
    notes: '',
    epochs: [],
    final: null,
    checkpointDir: join(runsFolder(store.path), id),
  };
  store.saveRun(run);
  return run;
}

/** Starts a new run (or one made by createRun): loads the data, and trains in a worker thread. */
export async function startRun(store: RunStore, input: Partial<Record<keyof TrainConfig, unknown>>, opts: RunOptions & { id?: string; name?: string; record?: RunRecord; hooks?: RunHooks } = {}): Promise<RunSession> {
  const run = opts.record ?? createRun(store, input, opts);
  const cfg = runConfigOf(run);
  const keypointIndices = cfg.keypointIndices;
  const hooks = opts.hooks ?? {};
  let data: PreparedData;
  try {
    data = await prepareFor(store, cfg, hooks, opts.signal);
  } catch (err) {
    const e = err instanceof KpsError ? err : new KpsError('internal', String((err as Error)?.message ?? err));
    run.status = e.code === 'cancelled' ? 'cancelled' : 'failed';
    run.endedAt = new Date().toISOString();
    run.final = { error: e.message };
    store.saveRun(run);
    throw e;
  }
  // The split is part of the run: stored before training starts, so Compare and the runs table can show it.
  store.saveRunSplit(run.id, splitEntries(data));
  const handle = startTrainingJob({ config: cfg, data, schema: store.schema, runDir: run.checkpointDir as string, resume: false }, wireHooks(store, run, hooks), { backend: opts.backend, inProcess: opts.inProcess });
  return session(store, run, handle, hooks, keypointIndices);
}

/**
 * Continues a run that stopped without finishing (a crash, a restart, a kill, a cancel) from its last checkpoint.
 * The run keeps its stored split (samples added since are left out); the data version at resume is noted when the
 * labels changed meanwhile.
 */
export async function resumeRun(store: RunStore, runId: string, opts: RunOptions & { hooks?: RunHooks } = {}): Promise<RunSession> {
  const run = store.getRun(runId);
  if (run.status === 'done') throw new KpsError('conflict', `run ${runId} has already finished: start a new run instead`);
  if (!run.checkpointDir) throw new KpsError('not-found', `run ${runId} has no checkpoint folder to resume from`);
  const cfg = runConfigOf(run);
  const hooks = opts.hooks ?? {};
  const data = await prepareFor(store, cfg, hooks, opts.signal);
  useRunSplit(store, runId, data);
  if (store.dataVersion() !== run.dataVersion) {
    run.notes = `${run.notes}${run.notes ? '\n' : ''}resumed on data version ${store.dataVersion()} (trained from ${run.dataVersion})`;
  }
  // The last checkpoint's epochs are the truth: drop any epoch recorded after it (the crash lost it).
  run.status = 'running';
  run.endedAt = null;
  run.final = null;
  store.saveRun(run);
  const handle = startTrainingJob({ config: cfg, data, schema: store.schema, runDir: run.checkpointDir, resume: true }, wireHooks(store, run, hooks), { backend: opts.backend, inProcess: opts.inProcess });
  return session(store, run, handle, hooks, cfg.keypointIndices);
}

/** Runs left `running` or `paused` by a process that is gone: candidates for resumeRun. */
export function interruptedRuns(store: Pick<RunStore, 'listRuns'>, live: Set<string>): RunRecord[] {
  return store.listRuns().filter((r) => (r.status === 'running' || r.status === 'paused') && !live.has(r.id));
}

/** Loads a run's best model (or its last checkpoint when no best was written). */
export async function loadRunModel(run: RunRecord): Promise<tf.LayersModel> {
  // Inference on this thread needs a backend: keep one already active, else choose as training does (never tf's slow
  // pure-JS default by accident).
  await (await import('./backend.js')).ensureSomeBackend();
  if (!run.checkpointDir) throw new KpsError('not-found', `run ${run.id} has no checkpoints`);
  for (const sub of ['best', 'last']) {
    const dir = join(run.checkpointDir, sub);
    if (existsSync(join(dir, 'model.json'))) return (await loadModel(dir)).model;
  }
  throw new KpsError('not-found', `run ${run.id}: no saved model in ${run.checkpointDir} (did it finish an epoch?)`);
}

/** Folder of the run's exported model (TF.js layers format: model.json + weights.bin). */
export function runModelDir(run: RunRecord): string {
  if (!run.checkpointDir) throw new KpsError('not-found', `run ${run.id} has no checkpoints`);
  return join(run.checkpointDir, 'best');
}

/** Evaluates a run's best model on the project as it is now (on the run's stored split), and stores its predictions. */
export async function evaluateRun(store: RunStore, runId: string, opts: { signal?: AbortSignal; onLoad?: (d: number, t: number) => void } = {}): Promise<EvaluationReport> {
  const run = store.getRun(runId);
  const cfg = runConfigOf(run);
  const data = await prepareFor(store, cfg, { onLoad: opts.onLoad }, opts.signal);
  useRunSplit(store, runId, data);
  const model = await loadRunModel(run);
  try {
    const K = cfg.keypointIndices.length;
    const all = data.ids.map((_, i) => i);
    const predPx = predictionsToPixels(predictRows(model, data, all), all, data.boxes, K);
    const rows = (s: string) => all.filter((i) => data.splits[i] === s);
    const metrics = (r: number[]) => {
      const pred = new Float32Array(r.length * 2 * K);
      const truth = new Float32Array(r.length * 2 * K);
      r.forEach((row, i) => {
        pred.set(predPx.subarray(row * 2 * K, (row + 1) * 2 * K), i * 2 * K);
        truth.set(data.truthPx.subarray(row * 2 * K, (row + 1) * 2 * K), i * 2 * K);
      });
      return evaluatePredictions(pred, truth, r.map((x) => data.ids[x]), store.schema, cfg.keypointIndices);
    };
    const train = metrics(rows('train'));
    const val = metrics(rows('val'));
    const test = metrics(rows('test'));
    const mean = meanShape(data.targets, rows('train'), K);
    const baseOf = (r: number[]) => {
      if (r.length === 0) return null;
      const norm = new Float32Array(r.length * 2 * K);
      r.forEach((_, i) => norm.set(mean, i * 2 * K));
      const px = predictionsToPixels(norm, r, data.boxes, K);
      const truth = new Float32Array(r.length * 2 * K);
      r.forEach((row, i) => truth.set(data.truthPx.subarray(row * 2 * K, (row + 1) * 2 * K), i * 2 * K));
      return evaluatePredictions(px, truth, r.map((x) => data.ids[x]), store.schema, cfg.keypointIndices, 0).rmse_px;
    };
    const baseline = { val_rmse_px: baseOf(rows('val')), test_rmse_px: baseOf(rows('test')) };
    savePredictionRows(store, run.id, data.ids, predPx, all.map((i) => perSampleError(predPx, data.truthPx, i, K)), cfg.keypointIndices);
    return {
      run: run.id,
      model: run.model,
      backend: run.backend,
      train,
      val,
      test,
      baseline,
      gap_px: train.rmse_px !== null && val.rmse_px !== null ? val.rmse_px - train.rmse_px : null,
      reading: biasVarianceReading(train.rmse_px, val.rmse_px, baseline.val_rmse_px),
    };
  } finally {
    model.dispose();
  }
}

/** Grey image in, keypoints out: one photo or Kaggle face, cropped (box given, or the whole image) and mapped back. */
export interface ImagePrediction {
  /** Flat [x0, y0, ...] over the schema's keypoints in the original image's pixels (NaN = not predicted). */
  coords: number[];
  box: CropBox;
  /** Heatmap models only: per schema keypoint, the model's confidence in [0, 1] (train/infer/confidence.ts), NaN where not predicted. */
  confidence?: number[];
}

/**
 * Predicts keypoints for raw grey images with a run's model, each cropped by the face-crop rule (FACE_CROP_RULE.cropBox)
 * from its face box (`face`: the detector's, null when none was found), or by an explicit `box` when given.
 */
/** True when the run's model gives a confidence per keypoint (heatmap models read out by soft-argmax). */
export function givesConfidence(run: RunRecord): boolean {
  const name = runConfigOf(run).model;
  return MODEL_INFO[name]?.heatmaps === true;
}

export async function predictImages(run: RunRecord, schema: KeypointSchema, images: { pixels: Uint8Array; width: number; height: number; face?: FaceBoxLike | null; box?: CropBox | null }[], model?: tf.LayersModel): Promise<ImagePrediction[]> {
  const cfg = runConfigOf(run);
  const S = cfg.inputSize;
  const K = cfg.keypointIndices.length;
  const m = model ?? (await loadRunModel(run));
  // A heatmap model also reads out its heatmaps: the confidence of each keypoint comes from them.
  const heat = givesConfidence(run) ? withHeatmapOutput(m) : null;
  const beta = heat ? Number((m.getLayer('coords').getConfig() as { beta?: number }).beta ?? 1) : 1;
  try {
    const out: ImagePrediction[] = [];
    const chunk = 64;
    for (let i = 0; i < images.length; i += chunk) {
      const part = images.slice(i, i + chunk);
      const x = new Float32Array(part.length * S * S);
      const boxes = part.map((img, j) => {
        if (img.face === undefined && !img.box && FACE_CROP_RULE.needsFace(img.width, img.height, S)) {
          throw new KpsError('bad-input', `image ${i + j} (${img.width} x ${img.height}) is larger than the model input: give its face box (or null when none was found)`);
        }
        const box = img.box ?? FACE_CROP_RULE.cropBox(img.width, img.height, img.face ?? null, S, cfg.cropMargin);
        cropResize(img.pixels, img.width, img.height, box, S, x, j * S * S);
        return box;
      });
      const input = tf.tensor4d(x, [part.length, S, S, 1]);
      const outputs = tf.tidy(() => {
        const y = (heat ?? m).predict(input);
        return Array.isArray(y) ? y : [y];
      });
      input.dispose();
      const norm = outputs[0].dataSync() as Float32Array;
      let conf: Float32Array | null = null;
      if (heat && outputs[1]) {
        const [, h, w] = outputs[1].shape;
        conf = heatmapConfidence(outputs[1].dataSync() as Float32Array, part.length, h!, w!, K, beta);
      }
      for (const t of outputs) t.dispose();
      part.forEach((_, j) => {
        const coords = new Array<number>(schema.keypoints.length * 2).fill(NaN);
        const confidence = conf ? new Array<number>(schema.keypoints.length).fill(NaN) : null;
        cfg.keypointIndices.forEach((ki, t) => {
          coords[2 * ki] = fromNormalised(norm[j * 2 * K + 2 * t], boxes[j].x0, boxes[j].side);
          coords[2 * ki + 1] = fromNormalised(norm[j * 2 * K + 2 * t + 1], boxes[j].y0, boxes[j].side);
          if (confidence) confidence[ki] = conf![j * K + t];
        });
        out.push({ coords, box: boxes[j], ...(confidence ? { confidence } : {}) });
      });
    }
    return out;
  } finally {
    if (!model) m.dispose();
  }
}

/**
 * Predicts for model-ready crops (S x S grey in [0, 1], e.g. from the photo pipeline in train/infer) and returns
 * coordinates in model-input pixels over the schema's keypoints (NaN where the run predicts nothing).
 */
export function predictCrops(run: RunRecord, schemaK: number, model: tf.LayersModel, crops: Float32Array[]): number[][] {
  const cfg = runConfigOf(run);
  const S = cfg.inputSize;
  const K = cfg.keypointIndices.length;
  const out: number[][] = [];
  for (let i = 0; i < crops.length; i += 64) {
    const part = crops.slice(i, i + 64);
    const x = new Float32Array(part.length * S * S);
    part.forEach((c, j) => {
      if (c.length !== S * S) throw new KpsError('bad-input', `crop ${i + j} has ${c.length} pixels; the run's model takes ${S}x${S}`);
      x.set(c, j * S * S);
    });
    const y = tf.tidy(() => m(model, x, part.length, S));
    const norm = y.dataSync();
    y.dispose();
    part.forEach((_, j) => {
      const coords = new Array<number>(schemaK * 2).fill(NaN);
      cfg.keypointIndices.forEach((ki, t) => {
        coords[2 * ki] = ((norm[j * 2 * K + 2 * t] + 1) * S) / 2 - 0.5;
        coords[2 * ki + 1] = ((norm[j * 2 * K + 2 * t + 1] + 1) * S) / 2 - 0.5;
      });
      out.push(coords);
    });
  }
  return out;
}

function m(model: tf.LayersModel, x: Float32Array, n: number, S: number): tf.Tensor {
  return model.predict(tf.tensor4d(x, [n, S, S, 1])) as tf.Tensor;
}

/** Deletes a run: its record, its predictions (by the store) and its checkpoint folder. */
export async function deleteRun(store: RunStore, runId: string): Promise<void> {
  const run = store.getRun(runId);
  store.deleteRun(runId);
  if (run.checkpointDir) await rm(run.checkpointDir, { recursive: true, force: true });
}

export type { FinalMetrics };
