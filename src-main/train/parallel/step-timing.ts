// Times training and inference samples/s of a zoo model on one fixed random 96x96 batch: the user-facing `kps bench-train` command (so it stays in src-main; the dev-only A/B scripts live in bench/), also used by bench/train-speed.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../../core/errors.js';
import { initBackend, type BackendPreference } from '../backend.js';
import { DEFAULT_CONFIG, resolveWorkers } from '../config.js';
import { coordLoss } from '../losses.js';
import { buildModel, DEFAULT_MODEL, isModelName, MODEL_INFO, MODEL_NAMES } from '../models/index.js';
import { createParallelStepper, parallelTrainStep } from './index.js';

export interface BenchTrainOptions {
  model?: string;
  batch?: number;
  /** Timed training steps (after one warm-up step). */
  steps?: number;
  /** Worker threads for training; 1 trains on the calling thread. Default: what `kps train` uses (config.resolveWorkers). */
  workers?: number;
  /** Timed inference batches (after one warm-up). */
  inferBatches?: number;
  inputSize?: number;
  backend?: BackendPreference;
  /** Called after each timed step, e.g. for a progress line. */
  onStep?: (done: number, total: number, ms: number) => void;
}

export interface BenchTrainResult {
  model: string;
  backend: string;
  backend_reason: string;
  batch: number;
  workers: number;
  steps: number;
  input: number;
  params: number;
  train_samples_per_s: number;
  infer_samples_per_s: number;
  /** Median wall time of one training step (forward, backward, optimizer), ms. */
  train_step_ms_median: number;
  /** Median wall time of one inference batch, ms. */
  infer_batch_ms_median: number;
  /**
   * CPU time of the whole process (all threads, workers included) per training step and per inference batch, ms.
   * Unlike wall time it barely moves when other processes share the cores, so it shows what a quiet machine would do.
   */
  train_cpu_ms_per_step: number;
  infer_cpu_ms_per_batch: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new KpsError('bad-input', `${name} must be a positive integer, got ${v}`);
  return v;
}

export async function benchTrain(o: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const name = o.model ?? DEFAULT_MODEL;
  if (!isModelName(name)) throw new KpsError('bad-input', `unknown model "${name}": choose one of ${MODEL_NAMES.join(', ')}`);
  const batch = positiveInt('--batch', o.batch ?? 64);
  const steps = positiveInt('--steps', o.steps ?? 5);
  if (o.workers !== undefined) positiveInt('--workers', o.workers);
  const inferBatches = positiveInt('inference batches', o.inferBatches ?? 5);
  const size = o.inputSize ?? 96;
  const k = MODEL_INFO[name].fixedKeypoints ?? 15;
  const be = await initBackend(o.backend);
  // The same default as training, so the model-step figure describes the configuration `kps train` runs.
  const workers = o.workers ?? resolveWorkers(DEFAULT_CONFIG.workers, be.name, os.availableParallelism());
  const modelOpts = { inputSize: size, numKeypoints: k, seed: 1 };
  const model = buildModel(name, modelOpts);
  const params = model.countParams();
  const x = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch, 2 * k], 0, 1, 'float32', 2);
  const optimizer = tf.train.adam(1e-3);
  const stepMs: number[] = [];
  let trainSeconds = 0;
  let trainCpu0 = 0;
  let trainCpu1 = 0;

  const stepper = workers > 1 ? await createParallelStepper({ workers, modelName: name, modelOpts, loss: 'mse', backend: be.name }) : null;
  try {
    const step = async (): Promise<void> => {
      if (stepper) {
        await parallelTrainStep(stepper, model, optimizer, x, y);
      } else {
        const loss = optimizer.minimize(() => coordLoss('mse', model.apply(x, { training: true }) as tf.Tensor, y), true);
        loss?.dataSync();
        loss?.dispose();
      }
    };
    await step(); // warm-up: optimizer slots, XNNPACK operators, worker JIT
    trainCpu0 = cpuMs();
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await step();
      const ms = performance.now() - t0;
      stepMs.push(ms);
      trainSeconds += ms / 1000;
      o.onStep?.(i + 1, steps, ms);
    }
    trainCpu1 = cpuMs();
  } finally {
    await stepper?.close();
  }

  const inferMs: number[] = [];
  const infer = (): void => {
    const p = model.predict(x, { batchSize: batch }) as tf.Tensor;
    p.dataSync();
    p.dispose();
  };
  infer();
  const inferCpu0 = cpuMs();
  for (let i = 0; i < inferBatches; i++) {
    const t0 = performance.now();
    infer();
    inferMs.push(performance.now() - t0);
  }
  const inferCpu = cpuMs() - inferCpu0;
  const inferSeconds = inferMs.reduce((a, b) => a + b, 0) / 1000;
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return {
    model: name,
    backend: be.name,
    backend_reason: be.reason,
    batch,
    workers,
    steps,
    input: size,
    params,
    train_samples_per_s: (batch * steps) / trainSeconds,
    infer_samples_per_s: (batch * inferBatches) / inferSeconds,
    train_step_ms_median: median(stepMs),
    infer_batch_ms_median: median(inferMs),
    train_cpu_ms_per_step: (trainCpu1 - trainCpu0) / steps,
    infer_cpu_ms_per_batch: inferCpu / inferBatches,
  };
}
