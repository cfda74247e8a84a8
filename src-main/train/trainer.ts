// Training a job: preparation (data, model, optimiser, augmenter, resume), the step and epoch body, and the final
// evaluation. The loop itself and its callbacks (control, time limit, divergence, early stop, checkpoints, progress)
// are in ./callbacks/.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import type { KeypointSchema } from '../core/types.js';
import { KpsError } from '../core/errors.js';
import { resolveWorkers, type TrainConfig } from './config.js';
import { currentBackend } from './backend.js';
import type { PreparedData } from './data.js';
import { jitteredCrop, predictionsToPixels } from './data.js';
import { FACE_CROP_RULE } from './facecrop.js';
import { buildModel, hasTrainedHead, MODEL_INFO, withHeatmapOutput } from './models/index.js';
import { startFace68Head } from './models/face68.js';
import { coordLoss, heatmapLoss } from './losses.js';
import {
  clipByGlobalNorm,
  initialScheduleState,
  learningRate,
  makeOptimizer,
  parseSchedule,
  scheduleEpochEnd,
  type Optimizer,
  type OptimizerState,
  type Schedule,
  type ScheduleState,
} from './optim.js';
import { evaluatePredictions, biasVarianceReading, meanShape, perSampleError, type EvalMetrics } from './evaluate.js';
import { loadModel, saveModel } from './modelfile.js';
import { Rng, subSeed } from './rng.js';
import type { ParallelStepper } from './parallel/index.js';
import {
  CheckpointCallback,
  ControlCallback,
  DivergenceCallback,
  EarlyStopCallback,
  ProgressCallback,
  runClock,
  runLoop,
  TimeLimitCallback,
  type LoopBody,
  type LoopResult,
  type RunClock,
  type TrainCallback,
} from './callbacks/index.js';

export type { EpochMetrics, TrainProgress, FinalMetrics } from '../api/run-types.js';
import type { EpochMetrics, TrainProgress, FinalMetrics } from '../api/run-types.js';

export interface TrainOutcome {
  status: 'done' | 'cancelled';
  epochs: EpochMetrics[];
  final: FinalMetrics | null;
  /** Predictions of the best model for every prepared sample, in original pixels. */
  predictions: { ids: number[]; coords: Float32Array; errors: (number | null)[] } | null;
}

export interface TrainHooks {
  progress?(p: TrainProgress): void;
  /** After the epoch's checkpoint is on disk. */
  epoch?(e: EpochMetrics): void;
  /** Polled between steps: 'cancel' stops, 'pause' waits until it changes. */
  control?(): 'run' | 'pause' | 'cancel';
  /** Resolves when control() may have changed (a message arrived); default: a short sleep. */
  waitForControl?(): Promise<void>;
}

export interface TrainJob {
  config: TrainConfig;
  data: PreparedData;
  schema: KeypointSchema;
  /** Folder for checkpoints: <runDir>/last and <runDir>/best. */
  runDir: string;
  /** Continue from <runDir>/last when it exists. */
  resume: boolean;
}

/** Trainer state kept beside the last checkpoint so a restart continues where it stopped. */
interface ResumeState {
  version: 1;
  epochsDone: number;
  history: EpochMetrics[];
  bestVal: number;
  bestEpoch: number | null;
  schedule: ScheduleState;
  early: { best: number; bestEpoch: number; bad: number };
  elapsedMs: number;
  optimizer: { kind: 'adam' | 'sgd'; step: number; slots: { name: string; shape: number[]; offset: number; length: number }[] };
}

export { TrainingDivergedError } from './callbacks/divergence.js';

/** The tf.Variable behind each trainable weight, for gradients and updates. */
function trainableVars(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

async function saveOptimizer(dir: string, opt: Optimizer): Promise<ResumeState['optimizer']> {
  const st = await opt.getState();
  let total = 0;
  for (const s of st.slots) total += s.data.length;
  const buf = new Float32Array(total);
  const slots: ResumeState['optimizer']['slots'] = [];
  let off = 0;
  for (const s of st.slots) {
    buf.set(s.data, off);
    slots.push({ name: s.name, shape: s.shape, offset: off, length: s.data.length });
    off += s.data.length;
  }
  await writeFile(join(dir, 'optimizer.bin'), new Uint8Array(buf.buffer));
  return { kind: st.kind, step: st.step, slots };
}

async function loadOptimizerState(dir: string, meta: ResumeState['optimizer']): Promise<OptimizerState> {
  const b = await readFile(join(dir, 'optimizer.bin'));
  const all = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { kind: meta.kind, step: meta.step, slots: meta.slots.map((s) => ({ name: s.name, shape: s.shape, data: all.slice(s.offset, s.offset + s.length) })) };
}

/** Predicts normalised coordinates for the given rows in inference mode, in chunks. */
export function predictRows(model: tf.LayersModel, data: PreparedData, rows: number[], chunk = 128): Float32Array {
  const S = data.inputSize;
  const K2 = data.keypointIndices.length * 2;
  const out = new Float32Array(rows.length * K2);
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const x = new Float32Array(part.length * S * S);
    part.forEach((r, j) => x.set(data.images.subarray(r * S * S, (r + 1) * S * S), j * S * S));
    const y = tf.tidy(() => model.predict(tf.tensor4d(x, [part.length, S, S, 1])) as tf.Tensor);
    out.set(y.dataSync() as Float32Array, i * K2);
    y.dispose();
  }
  return out;
}

function gatherTruth(data: PreparedData, rows: number[]): Float32Array {
  const K2 = data.keypointIndices.length * 2;
  const out = new Float32Array(rows.length * K2);
  rows.forEach((r, i) => out.set(data.truthPx.subarray(r * K2, (r + 1) * K2), i * K2));
  return out;
}

function evalRows(model: tf.LayersModel, data: PreparedData, rows: number[], schema: KeypointSchema): { metrics: EvalMetrics; predPx: Float32Array } {
  const K = data.keypointIndices.length;
  const predPx = predictionsToPixels(predictRows(model, data, rows), rows, data.boxes, K);
  return { metrics: evaluatePredictions(predPx, gatherTruth(data, rows), rows.map((r) => data.ids[r]), schema, data.keypointIndices), predPx };
}

/** Masked mean squared error in normalised units on the given rows: the validation loss. */
function normalisedMse(predNorm: Float32Array, data: PreparedData, rows: number[]): number | null {
  const K2 = data.keypointIndices.length * 2;
  let s = 0, c = 0;
  rows.forEach((r, i) => {
    for (let j = 0; j < K2; j++) {
      const t = data.targets[r * K2 + j];
      if (Number.isFinite(t)) {
        s += (predNorm[i * K2 + j] - t) ** 2;
        c += 1;
      }
    }
  });
  return c > 0 ? s / c : null;
}

/** Augments n images and their keypoints (input pixels) in place; keys(i) seeds sample i's draw. */
export type BatchAugment = (images: Float32Array, coordsPx: Float32Array, n: number, keys: (i: number) => number[]) => void;

/** Optional on-the-fly augmentation: loaded lazily so the trainer runs without it. */
export async function makeAugmenter(config: TrainConfig, schema: KeypointSchema, keypointIndices: number[]): Promise<BatchAugment | null> {
  const spec = config.augment.trim();
  if (spec === '' || spec === 'none') return null;
  const { Augmenter } = await import('../augment/index.js');
  const pos = new Map(keypointIndices.map((k, j) => [k, j]));
  // Flip pairs restricted to the keypoints being trained, renumbered to output order.
  const flipPairs = schema.flipPairs.filter(([a, b]) => pos.has(a) && pos.has(b)).map(([a, b]) => [pos.get(a) as number, pos.get(b) as number] as [number, number]);
  let params: unknown = spec;
  if (spec.startsWith('{')) {
    try {
      params = JSON.parse(spec);
    } catch (err) {
      throw new KpsError('bad-input', `augment: not a preset name nor valid JSON (${(err as Error).message})`);
    }
  }
  const aug = new Augmenter({ params: params as ConstructorParameters<typeof Augmenter>[0]['params'], keypointCount: keypointIndices.length, flipPairs, seed: subSeed(config.seed, 7) });
  const S = config.inputSize ?? 96;
  return (images, coords, n, keys) => {
    aug.applyBatch(images, coords, n, S, S, 1, keys);
  };
}

/** One batch through the augmenter as the training loop does it: targets are normalised, the augmenter works in input pixels. */
export function augmentNormalised(augment: BatchAugment, x: Float32Array, y: Float32Array, n: number, S: number, keys: (i: number) => number[]): void {
  // u = 2 (x + 0.5) / S - 1 and back.
  for (let j = 0; j < y.length; j++) y[j] = ((y[j] + 1) * S) / 2 - 0.5;
  augment(x, y, n, keys);
  for (let j = 0; j < y.length; j++) y[j] = (2 * (y[j] + 0.5)) / S - 1;
}

/** Runs (or resumes) one training job to the end, a time limit, early stopping, or cancellation. */
export async function runTraining(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const { config, data, schema, runDir } = job;
  const S = data.inputSize;
  const K = data.keypointIndices.length;
  const rowsOf = (s: string) => data.splits.map((v, i) => (v === s ? i : -1)).filter((i) => i >= 0);
  const rows = { train: rowsOf('train'), val: rowsOf('val'), test: rowsOf('test') };
  if (rows.train.length === 0) throw new KpsError('bad-input', 'no training samples after the split: label more samples or change --split');
  const schedule = parseSchedule(config.schedule);
  const lastDir = join(runDir, 'last');
  const bestDir = join(runDir, 'best');
  await mkdir(runDir, { recursive: true });

  // Model and optimiser: fresh from the seed, or from the last checkpoint.
  let model: tf.LayersModel;
  let st: ResumeState;
  const switchEpoch = config.optimizer === 'adam-sgd' ? (config.switchEpoch ?? Math.floor(config.epochs / 2)) : Infinity;
  const kindAt = (epoch: number): 'adam' | 'sgd' => (config.optimizer === 'sgd' || epoch >= switchEpoch ? 'sgd' : 'adam');
  const makeOpt = (kind: 'adam' | 'sgd') => makeOptimizer(kind, { weightDecay: config.weightDecay, momentum: config.momentum, decoupled: config.optimizer === 'adamw' });
  let optimizer: Optimizer;
  const resumeFile = join(lastDir, 'state.json');
  if (job.resume && existsSync(resumeFile)) {
    st = JSON.parse(await readFile(resumeFile, 'utf8')) as ResumeState;
    // JSON has no Infinity: "no best yet" comes back as null.
    st.bestVal = st.bestVal ?? Infinity;
    st.early.best = st.early.best ?? Infinity;
    model = (await loadModel(lastDir)).model;
    optimizer = makeOpt(st.optimizer.kind);
    optimizer.setState(trainableVars(model), await loadOptimizerState(lastDir, st.optimizer));
  } else {
    model = buildModel(config.model, { inputSize: S, numKeypoints: K, seed: config.seed, width: config.width });
    // A head that is already trained (face68 on 68 points) keeps its weights; others start at the mean training shape.
    // face68's head then starts from the net's own 68 points mapped onto the layout's labels on the training crops: on
    // another layout that is its start; on the net's own layout the map corrects its framing (the project's crop has
    // more margin than face-api's box) and its lean.
    if (!hasTrainedHead(config.model, K)) startAtMeanShape(model, meanShape(data.targets, rows.train, K));
    if (config.model === 'face68') startFace68Head(model, data.images, data.targets, rows.train, S, K);
    optimizer = makeOpt(kindAt(0));
    st = {
      version: 1,
      epochsDone: 0,
      history: [],
      bestVal: Infinity,
      bestEpoch: null,
      schedule: initialScheduleState(),
      early: { best: Infinity, bestEpoch: -1, bad: 0 },
      elapsedMs: 0,
      optimizer: { kind: kindAt(0), step: 0, slots: [] },
    };
  }
  const heatModel = config.loss === 'heatmap' && MODEL_INFO[config.model].heatmaps ? withHeatmapOutput(model) : null;
  const augment = await makeAugmenter(config, schema, data.keypointIndices);
  // Data-parallel across worker threads when asked for and the loss allows it (the heatmap loss runs on one thread).
  const workers = resolveWorkers(config.workers, currentBackend()?.name, os.availableParallelism());
  const parallel =
    workers > 1 && !heatModel && config.loss !== 'heatmap'
      ? await (await import('./parallel/index.js')).createParallelStepper({
          workers,
          modelName: config.model,
          modelOpts: { inputSize: S, numKeypoints: K, seed: config.seed, width: config.width },
          loss: config.loss,
          huberDelta: config.huberDelta,
        })
      : null;

  // The loop and its callbacks; their order is the order of the checks (docs/training.md).
  const clock = runClock(st.elapsedMs);
  const timeLimit = new TimeLimitCallback(config.minutes, clock);
  const body = trainingBody({ config, data, schema, trainRows: rows.train, valRows: rows.val, model, heatModel, augment, parallel, st, schedule, clock, timeLimit, optimizer, kindAt, makeOpt });
  const early = new EarlyStopCallback(config.patience, st.early);
  const checkpoint: CheckpointCallback<EpochMetrics> = new CheckpointCallback<EpochMetrics>(
    {
      saveBest: (end) => saveModel(model, bestDir, { epoch: end.epoch + 1, val_rmse_px: end.metrics.val_rmse_px, keypointIndices: data.keypointIndices, inputSize: S, model: config.model }),
      saveLast: () => {
        st.bestVal = checkpoint.bestScore;
        st.bestEpoch = checkpoint.bestEpoch;
        st.early = early.state();
        st.elapsedMs = clock.elapsedMs();
        return saveLast(model, body.optimizer(), st, lastDir);
      },
    },
    { bestScore: st.bestVal, bestEpoch: st.bestEpoch },
  );
  const callbacks: TrainCallback<EpochMetrics>[] = [
    new ControlCallback(hooks, clock),
    new DivergenceCallback(),
    early,
    checkpoint,
    new ProgressCallback<EpochMetrics>(hooks, clock, { epochs: config.epochs, batch: config.batch, trainSamples: rows.train.length }),
    timeLimit,
  ];
  let result: LoopResult;
  try {
    result = await runLoop(body, callbacks);
  } finally {
    await parallel?.close();
  }
  const trainSeconds = clock.elapsedMs() / 1000;
  body.optimizer().dispose();
  if (result.cancelled) {
    model.dispose();
    return { status: 'cancelled', epochs: st.history, final: null, predictions: null };
  }

  // Final evaluation with the best weights.
  let best = model;
  if (existsSync(join(bestDir, 'model.json'))) {
    best = (await loadModel(bestDir)).model;
    model.dispose();
  }
  const outcome = finalEvaluation(best, data, schema, rows, { stopReason: result.stopReason, history: st.history, bestEpoch: checkpoint.bestEpoch, trainSeconds });
  best.dispose();
  // heatModel (the heatmap loss's two-output view) is made of `model`'s own layers, disposed with it above: disposing
  // it too threw "Layer ... is already disposed" at the end of every heatmap-loss run.
  return outcome;
}

interface BodyParts {
  config: TrainConfig;
  data: PreparedData;
  schema: KeypointSchema;
  trainRows: number[];
  valRows: number[];
  model: tf.LayersModel;
  heatModel: tf.LayersModel | null;
  augment: BatchAugment | null;
  parallel: ParallelStepper | null;
  /** Keeps the schedule state, history and epochs done for the checkpoint. */
  st: ResumeState;
  schedule: Schedule;
  clock: RunClock;
  timeLimit: TimeLimitCallback;
  optimizer: Optimizer;
  kindAt(epoch: number): 'adam' | 'sgd';
  makeOpt(kind: 'adam' | 'sgd'): Optimizer;
}

/** What one epoch and one step do: seeded order, batch assembly (box jitter, augmentation), forward, backward, update, validation. */
function trainingBody(p: BodyParts): LoopBody<EpochMetrics> & { optimizer(): Optimizer } {
  const { config, data, schema, trainRows, valRows, model, heatModel, augment, parallel, st, schedule, clock, timeLimit } = p;
  const S = data.inputSize;
  const K = data.keypointIndices.length;
  const K2 = 2 * K;
  const steps = Math.ceil(trainRows.length / config.batch);
  const vars = trainableVars(model);
  const nonTrainable = model.weights.filter((w) => !w.trainable);
  const xBuf = new Float32Array(config.batch * S * S);
  const yBuf = new Float32Array(config.batch * K2);
  const mBuf = new Float32Array(config.batch * K2);
  let optimizer = p.optimizer;
  // The epoch's state.
  let baseLr = config.lr;
  let order: number[] = [];
  let epochStart = 0;
  let lossSum = 0, lossBatches = 0, seen = 0;
  const px = { sq: 0, count: 0 };
  let lr = baseLr;

  return {
    firstEpoch: st.epochsDone,
    epochs: config.epochs,
    steps,
    optimizer: () => optimizer,
    beginEpoch(epoch) {
      const kind = p.kindAt(epoch);
      if (kind !== optimizer.kind) {
        // The seeds' two-phase recipe: Adam to get close quickly, then SGD with momentum to settle.
        optimizer.dispose();
        optimizer = p.makeOpt(kind);
      }
      baseLr = kind === 'sgd' && config.optimizer === 'adam-sgd' ? (config.sgdLr ?? config.lr * 10) : config.lr;
      order = new Rng(subSeed(config.seed, 100, epoch)).shuffle([...trainRows]);
      epochStart = clock.now();
      lossSum = lossBatches = seen = px.sq = px.count = 0;
      lr = baseLr;
    },
    async step(epoch, step) {
      const rows = order.slice(step * config.batch, (step + 1) * config.batch);
      const B = rows.length;
      const x = xBuf.subarray(0, B * S * S);
      const y = yBuf.subarray(0, B * K2);
      const m = mBuf.subarray(0, B * K2);
      rows.forEach((r, i) => {
        y.set(data.targets.subarray(r * K2, (r + 1) * K2), i * K2);
        const ctxRow = config.boxJitter !== false && data.context ? data.context.rows[r] : -1;
        if (ctxRow >= 0 && data.context) {
          // Bounding-box jitter (photo crops only): the model learns to tolerate the detector's variance.
          const rng = new Rng(subSeed(config.seed, 300, epoch, data.ids[r]));
          const j = FACE_CROP_RULE.drawJitter(rng.next(), rng.next(), rng.next());
          jitteredCrop(data.context, ctxRow, S, j, x, i * S * S, y.subarray(i * K2, (i + 1) * K2));
        } else x.set(data.images.subarray(r * S * S, (r + 1) * S * S), i * S * S);
      });
      if (augment) augmentNormalised(augment, x, y, B, S, (i) => [epoch, data.ids[rows[i]]]);
      for (let j = 0; j < y.length; j++) {
        const ok = Number.isFinite(y[j]);
        m[j] = ok ? 1 : 0;
        if (!ok) y[j] = 0;
      }
      lr = learningRate(schedule, baseLr, epoch + step / steps, config.epochs, st.schedule, timeLimit.fraction());
      let lossVal: number;
      let gradList: tf.Tensor[];
      let predFlat: Float32Array | null = null;
      if (parallel) {
        // Data-parallel: the worker threads get the current weights and a shard each; we average and step here.
        const yNaN = Float32Array.from(y, (v, j) => (m[j] > 0 ? v : NaN));
        const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
        const r = await parallel.step(x.slice(), [B, S, S, 1], yNaN, [B, K2], weights);
        lossVal = r.loss;
        gradList = r.grads.map((g, i) => tf.tensor(g, vars[i].shape));
        nonTrainable.forEach((w, i) => {
          const t = tf.tensor(r.state[i], w.shape as number[]);
          w.write(t);
          t.dispose();
        });
      } else {
        const xs = tf.tensor4d(x, [B, S, S, 1]);
        const ys = tf.tensor2d(y, [B, K2]);
        const ms = tf.tensor2d(m, [B, K2]);
        let predT: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          if (heatModel) {
            const [coords, heat] = heatModel.apply(xs, { training: true }) as tf.Tensor[];
            predT = tf.keep(coords);
            const yNaN = tf.where(tf.cast(ms, 'bool'), ys, tf.fill(ys.shape, NaN));
            return tf.add(heatmapLoss(heat as tf.Tensor4D, yNaN as tf.Tensor2D), coordLoss('mse', coords, ys, { mask: ms }));
          }
          const pred = model.apply(xs, { training: true }) as tf.Tensor;
          predT = tf.keep(pred);
          return coordLoss(config.loss === 'heatmap' ? 'mse' : config.loss, pred, ys, { mask: ms, huberDelta: config.huberDelta });
        }, vars);
        lossVal = value.dataSync()[0];
        gradList = vars.map((v) => grads[v.name]);
        predFlat = (predT as unknown as tf.Tensor).dataSync() as Float32Array;
        tf.dispose([xs, ys, ms, value, predT as unknown as tf.Tensor]);
      }
      // A non-finite loss never reaches the weights: the divergence callback ends the run on it.
      if (Number.isFinite(lossVal)) {
        const clipped = config.clipNorm > 0 ? clipByGlobalNorm(gradList, config.clipNorm) : { grads: gradList, norm: NaN };
        optimizer.apply(vars, clipped.grads, lr);
        if (clipped.grads !== gradList) tf.dispose(clipped.grads);
        addTrainErrorPx(px, data, rows, predFlat, y, m, config.loss === 'mse' ? lossVal : null);
      }
      tf.dispose(gradList);
      lossSum += lossVal;
      lossBatches += 1;
      seen += B;
      return { epoch, step, steps, loss: lossVal, lr, seen };
    },
    async endEpoch(epoch, partial) {
      // Validation in inference mode.
      const valPred = valRows.length > 0 ? predictRows(model, data, valRows) : null;
      const valPx = valPred ? predictionsToPixels(valPred, valRows, data.boxes, K) : null;
      const valMetrics = valPx ? evaluatePredictions(valPx, gatherTruth(data, valRows), valRows.map((r) => data.ids[r]), schema, data.keypointIndices, 0) : null;
      const seconds = (clock.now() - epochStart) / 1000;
      const trainLoss = lossSum / lossBatches;
      const score = valMetrics?.rmse_px ?? trainLoss;
      const e: EpochMetrics = {
        epoch: epoch + 1,
        train_loss: trainLoss,
        train_rmse_px: px.count > 0 ? Math.sqrt(px.sq / px.count) : null,
        val_loss: valPred ? normalisedMse(valPred, data, valRows) : null,
        val_rmse_px: valMetrics?.rmse_px ?? null,
        lr,
        seconds,
        samples_per_s: seen / Math.max(1e-3, seconds),
        optimizer: optimizer.kind,
        ...(partial ? { partial: true } : {}),
      };
      st.schedule = scheduleEpochEnd(schedule, st.schedule, score);
      st.history.push(e);
      st.epochsDone = partial ? epoch : epoch + 1;
      return { epoch, partial, score, metrics: e };
    },
  };
}

/**
 * Adds one step's training error in original pixels to the epoch's sums. From the step's own forward pass when there is one (cheap: B x 2K
 * values); data-parallel steps return only the loss, which for MSE is the mean squared normalised error.
 */
function addTrainErrorPx(acc: { sq: number; count: number }, data: PreparedData, rows: number[], predFlat: Float32Array | null, y: Float32Array, m: Float32Array, mseLoss: number | null): void {
  const K2 = data.keypointIndices.length * 2;
  if (predFlat) {
    rows.forEach((r, i) => {
      const half = data.boxes[r * 3 + 2] / 2;
      for (let j = 0; j < K2; j++) {
        if (m[i * K2 + j] > 0) {
          acc.sq += ((predFlat[i * K2 + j] - y[i * K2 + j]) * half) ** 2;
          acc.count += 1;
        }
      }
    });
  } else if (mseLoss !== null) {
    let labelled = 0;
    let halfSum = 0;
    rows.forEach((r, i) => {
      for (let j = 0; j < K2; j++) {
        if (m[i * K2 + j] > 0) {
          labelled += 1;
          halfSum += data.boxes[r * 3 + 2] / 2;
        }
      }
    });
    if (labelled > 0) {
      const half = halfSum / labelled;
      acc.sq += mseLoss * half * half * labelled;
      acc.count += labelled;
    }
  }
}

/** Metrics of the best model on every split, the mean-shape baseline, and its predictions for every sample. */
function finalEvaluation(
  best: tf.LayersModel,
  data: PreparedData,
  schema: KeypointSchema,
  rows: { train: number[]; val: number[]; test: number[] },
  run: { stopReason: string; history: EpochMetrics[]; bestEpoch: number | null; trainSeconds: number },
): TrainOutcome {
  const K = data.keypointIndices.length;
  const K2 = 2 * K;
  const all = data.ids.map((_, i) => i);
  const predPx = predictionsToPixels(predictRows(best, data, all), all, data.boxes, K);
  const pick = (rs: number[]) => {
    const out = new Float32Array(rs.length * K2);
    rs.forEach((r, i) => out.set(predPx.subarray(r * K2, (r + 1) * K2), i * K2));
    return out;
  };
  const metricsOf = (rs: number[]) => evaluatePredictions(pick(rs), gatherTruth(data, rs), rs.map((r) => data.ids[r]), schema, data.keypointIndices);
  const trainM = metricsOf(rows.train);
  const valM = metricsOf(rows.val);
  const testM = metricsOf(rows.test);
  const mean = meanShape(data.targets, rows.train, K);
  const baselineOf = (rs: number[]) => {
    if (rs.length === 0) return null;
    const norm = new Float32Array(rs.length * K2);
    rs.forEach((_, i) => norm.set(mean, i * K2));
    return evaluatePredictions(predictionsToPixels(norm, rs, data.boxes, K), gatherTruth(data, rs), rs.map((r) => data.ids[r]), schema, data.keypointIndices, 0).rmse_px;
  };
  const baseline = { val_rmse_px: baselineOf(rows.val), test_rmse_px: baselineOf(rows.test) };
  const final: FinalMetrics = {
    stop_reason: run.stopReason,
    epochs_run: run.history.length,
    best_epoch: run.bestEpoch,
    best_val_rmse_px: valM.rmse_px,
    train_seconds: run.trainSeconds,
    train: trainM,
    val: valM,
    test: testM,
    baseline,
    gap_px: trainM.rmse_px !== null && valM.rmse_px !== null ? valM.rmse_px - trainM.rmse_px : null,
    reading: biasVarianceReading(trainM.rmse_px, valM.rmse_px, baseline.val_rmse_px),
    split: { train: rows.train.length, val: rows.val.length, test: rows.test.length },
  };
  const errors = all.map((i) => perSampleError(predPx, data.truthPx, i, K));
  return { status: 'done', epochs: run.history, final, predictions: { ids: data.ids, coords: predPx, errors } };
}

/**
 * Regression heads start at the mean training shape (output bias = mean, kernel scaled down), so the first
 * epochs refine a sensible guess instead of climbing out of random outputs: the model beats the mean-shape
 * baseline from the first epoch on small data.
 */
function startAtMeanShape(model: tf.LayersModel, mean: Float32Array): void {
  let head: tf.layers.Layer;
  try {
    head = model.getLayer('coords');
  } catch {
    return;
  }
  const w = head.getWeights();
  if (w.length !== 2 || w[1].shape[0] !== mean.length) return;
  // getWeights returns the live variables: only the new tensors are ours to dispose.
  const kernel = tf.mul(w[0], 0.1);
  const bias = tf.tensor1d(mean);
  head.setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
}

async function saveLast(model: tf.LayersModel, optimizer: Optimizer, st: ResumeState, lastDir: string): Promise<void> {
  // Weights, optimiser slots and state go to a fresh folder that replaces the old one in one rename,
  // so a crash mid-save leaves the previous checkpoint intact.
  const tmp = `${lastDir}.new`;
  await saveModel(model, tmp);
  st.optimizer = await saveOptimizer(tmp, optimizer);
  await writeFile(join(tmp, 'state.json'), JSON.stringify(st));
  const old = `${lastDir}.old`;
  const { rm } = await import('node:fs/promises');
  await rm(old, { recursive: true, force: true });
  if (existsSync(lastDir)) await rename(lastDir, old);
  await rename(tmp, lastDir);
  await rm(old, { recursive: true, force: true });
}
