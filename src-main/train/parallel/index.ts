// Data-parallel training across worker threads: each worker holds the model, computes gradients on a shard; main averages and steps.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, type BackendPreference } from '../backend.js';
import type { ModelOptions } from '../models/index.js';
import { spawnTrainWorker } from '../worker-files.js';
import type { CoordLossName, FromWorker, ToWorker, WorkerReady, WorkerStepDone } from './protocol.js';

export type { CoordLossName } from './protocol.js';

export interface ParallelStepperOptions {
  /** Worker threads (each with its own WebAssembly instance). Default: the number of CPU cores. */
  workers?: number;
  modelName: string;
  modelOpts: ModelOptions;
  loss?: CoordLossName;
  huberDelta?: number;
  /** Backend for the workers; default: the one the main thread chose, else 'auto'. */
  backend?: BackendPreference;
}

export interface ParallelStepResult {
  /** The batch's masked mean loss (exactly what one worker would report on the whole batch). */
  loss: number;
  /** Gradients per trainable weight (model.trainableWeights order), averaged over shards weighted by labelled values. */
  grads: Float32Array[];
  /** Non-trainable weights after the step (batch-norm moving statistics), averaged over shards by shard size. */
  state: Float32Array[];
  /** Labelled (non-NaN) target values in the batch. */
  labelled: number;
  /** Slowest worker's compute time, ms. */
  workerMs: number;
}

export interface ParallelStepper {
  readonly workers: number;
  readonly backend: string;
  readonly backendReason: string;
  /** Shapes of all model weights (model.weights order) and which are trainable. */
  readonly weightShapes: number[][];
  readonly trainable: boolean[];
  /**
   * Loss and gradients of one batch split across the workers.
   * x: [batch, h, w, c] values, y: [batch, outputs] targets (NaN = missing), weights: all model weights (model.weights order).
   */
  step(x: Float32Array, xShape: number[], y: Float32Array, yShape: number[], weights: Float32Array[]): Promise<ParallelStepResult>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: WorkerStepDone) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  private pending = new Map<number, Pending>();
  private readyWaiter: Pending | null = null;
  private readyMsg: WorkerReady | null = null;
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`training worker exited with code ${code}`));
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'ready') {
      this.readyMsg = msg;
      this.readyWaiter?.resolve(msg as unknown as WorkerStepDone);
    } else if (msg.type === 'done') {
      this.pending.get(msg.id)?.resolve(msg);
      this.pending.delete(msg.id);
    } else {
      const err = new Error(`training worker: ${msg.message}`);
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        this.pending.get(msg.id)?.reject(err);
        this.pending.delete(msg.id);
      } else {
        this.fail(err);
      }
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    this.readyWaiter?.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  ready(): Promise<WorkerReady> {
    if (this.readyMsg) return Promise.resolve(this.readyMsg);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve: () => resolve(this.readyMsg as WorkerReady), reject };
    });
  }

  run(id: number, msg: ToWorker, transfer: ArrayBuffer[]): Promise<WorkerStepDone> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(msg, transfer);
    });
  }
}

/** Splits n items into k contiguous shards of nearly equal size (empty shards dropped). */
export function shardSizes(n: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    if (size > 0) out.push(size);
  }
  return out;
}

export async function createParallelStepper(opts: ParallelStepperOptions): Promise<ParallelStepper> {
  const count = Math.max(1, Math.floor(opts.workers ?? os.availableParallelism()));
  const backend: BackendPreference = opts.backend ?? (currentBackend()?.name ?? 'auto');
  const handles: WorkerHandle[] = [];
  let shared: SharedArrayBuffer | null = null;
  let flat: Float32Array | null = null;
  let weightShapes: number[][] = [];
  let trainable: boolean[] = [];
  let sizes: number[] = [];

  const spawn = (): WorkerHandle => new WorkerHandle(spawnTrainWorker('parallel'));
  const init = (h: WorkerHandle, buf: SharedArrayBuffer): void =>
    h.post({ type: 'init', modelName: opts.modelName, modelOpts: opts.modelOpts, loss: opts.loss ?? 'mse', ...(opts.huberDelta === undefined ? {} : { huberDelta: opts.huberDelta }), backend, weights: buf });

  // Weight shapes come from building the model once here; every worker must report the same.
  const { buildModel } = await import('../models/index.js');
  const probe = buildModel(opts.modelName, opts.modelOpts);
  weightShapes = probe.weights.map((w) => w.shape as number[]);
  trainable = probe.weights.map((w) => w.trainable);
  probe.dispose();
  sizes = weightShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  shared = new SharedArrayBuffer(total * 4);
  flat = new Float32Array(shared);

  try {
    for (let i = 0; i < count; i++) {
      const h = spawn();
      handles.push(h);
      init(h, shared);
    }
    const readies = await Promise.all(handles.map((h) => h.ready()));
    for (const r of readies) {
      if (JSON.stringify(r.shapes) !== JSON.stringify(weightShapes)) throw new Error('a training worker built a model with different weight shapes');
    }
    const first = readies[0];
    let nextId = 1;
    const sharedFlat = flat;

    const stepper: ParallelStepper = {
      workers: count,
      backend: first.backend,
      backendReason: first.reason,
      weightShapes,
      trainable,
      async step(x, xShape, y, yShape, weights) {
        if (weights.length !== sizes.length) throw new Error(`expected ${sizes.length} weight arrays, got ${weights.length}`);
        let off = 0;
        weights.forEach((w, i) => {
          if (w.length !== sizes[i]) throw new Error(`weight ${i} has ${w.length} values, expected ${sizes[i]}`);
          sharedFlat.set(w, off);
          off += sizes[i];
        });
        const batch = xShape[0];
        const xPer = x.length / batch;
        const yPer = y.length / batch;
        const shards = shardSizes(batch, count);
        let start = 0;
        const runs = shards.map((n, i) => {
          const xs = x.slice(start * xPer, (start + n) * xPer);
          const ys = y.slice(start * yPer, (start + n) * yPer);
          start += n;
          const id = nextId++;
          return handles[i].run(id, { type: 'step', id, x: xs, xShape: [n, ...xShape.slice(1)], y: ys, yShape: [n, ...yShape.slice(1)] }, [xs.buffer, ys.buffer]);
        });
        const done = await Promise.all(runs);
        return combine(done, shards);
      },
      async close() {
        await Promise.all(handles.map((h) => h.worker.terminate()));
      },
    };
    return stepper;
  } catch (err) {
    await Promise.all(handles.map((h) => h.worker.terminate()));
    throw err;
  }
}

/**
 * Combines shard results into the whole batch's. The masked mean loss of the batch is
 * sum(loss_i * labelled_i) / sum(labelled_i), so gradients are weighted by labelled values (equal to weighting by
 * shard size when nothing is missing); batch-norm statistics are weighted by shard size.
 */
export function combine(done: WorkerStepDone[], shards: number[]): ParallelStepResult {
  const labelled = done.reduce((a, d) => a + d.labelled, 0);
  const total = shards.reduce((a, b) => a + b, 0);
  const gw = done.map((d) => (labelled > 0 ? d.labelled / labelled : 0));
  const sw = shards.map((n) => n / total);
  const grads = done[0].grads.map((g0, gi) => {
    const out = new Float32Array(g0.length);
    done.forEach((d, di) => {
      const w = gw[di];
      if (w === 0) return;
      const g = d.grads[gi];
      for (let i = 0; i < out.length; i++) out[i] += w * g[i];
    });
    return out;
  });
  const state = done[0].state.map((s0, si) => {
    const out = new Float32Array(s0.length);
    done.forEach((d, di) => {
      const s = d.state[si];
      for (let i = 0; i < out.length; i++) out[i] += sw[di] * s[i];
    });
    return out;
  });
  const loss = labelled > 0 ? done.reduce((a, d, i) => a + gw[i] * d.loss, 0) : 0;
  return { loss, grads, state, labelled, workerMs: Math.max(...done.map((d) => d.ms)) };
}

/**
 * One optimizer step of `model` on (x, y) with gradients from the stepper: sends the model's current weights,
 * applies the averaged gradients with `optimizer`, and copies back batch-norm statistics. Returns the batch loss.
 */
export async function parallelTrainStep(stepper: ParallelStepper, model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const r = await stepper.step(x.dataSync() as Float32Array, x.shape, y.dataSync() as Float32Array, y.shape, weights);
  const trainableVars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const named = trainableVars.map((v, i) => ({ name: v.name, tensor: tf.tensor(r.grads[i], v.shape, 'float32') }));
  optimizer.applyGradients(named);
  tf.dispose(named.map((n) => n.tensor));
  const fixed = model.weights.filter((w) => !w.trainable);
  fixed.forEach((w, i) => {
    const t = tf.tensor(r.state[i], w.shape as number[], 'float32');
    w.write(t);
    t.dispose();
  });
  return r.loss;
}
