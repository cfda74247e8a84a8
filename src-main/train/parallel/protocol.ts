// Messages between the data-parallel stepper (main thread) and its training workers.
import type { BackendPreference } from '../backend.js';
import type { ModelOptions } from '../models/index.js';

export type CoordLossName = 'mse' | 'l1' | 'huber';

export interface WorkerInit {
  type: 'init';
  modelName: string;
  modelOpts: ModelOptions;
  loss: CoordLossName;
  huberDelta?: number;
  backend: BackendPreference;
  /** All model weights (model.weights order), flat; the main thread rewrites it before each step. */
  weights: SharedArrayBuffer;
}

export interface WorkerStep {
  type: 'step';
  id: number;
  x: Float32Array;
  xShape: number[];
  y: Float32Array;
  yShape: number[];
}

export type ToWorker = WorkerInit | WorkerStep | { type: 'close' };

export interface WorkerReady {
  type: 'ready';
  backend: string;
  reason: string;
  /** Shapes of model.weights, to check that main and worker built the same model. */
  shapes: number[][];
  trainable: boolean[];
}

export interface WorkerStepDone {
  type: 'done';
  id: number;
  /** The shard's masked mean loss. */
  loss: number;
  /** Labelled (non-NaN) target values in the shard: the masked mean's denominator. */
  labelled: number;
  /** Gradients of the shard's loss for each trainable weight, in model.trainableWeights order. */
  grads: Float32Array[];
  /** Non-trainable weights after the step (batch-norm moving statistics), in model.weights order. */
  state: Float32Array[];
  ms: number;
}

export type FromWorker = WorkerReady | WorkerStepDone | { type: 'error'; id?: number; message: string };
