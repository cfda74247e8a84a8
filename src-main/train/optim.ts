// Optimisers (Adam, AdamW, SGD with momentum), learning-rate schedules, gradient clipping and early stopping.
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';

import { OPTIMIZER_NAMES, type OptimizerName } from '../api/run-types.js';
export { OPTIMIZER_NAMES, type OptimizerName };

export function isOptimizerName(s: string): s is OptimizerName {
  return (OPTIMIZER_NAMES as readonly string[]).includes(s);
}

/** Optimiser state as plain arrays, so a checkpoint can hold it and a resumed run continues exactly. */
export interface OptimizerState {
  kind: 'adam' | 'sgd';
  step: number;
  slots: { name: string; shape: number[]; data: Float32Array }[];
}

export interface Optimizer {
  readonly kind: 'adam' | 'sgd';
  /** One update of every variable from its gradient at learning rate `lr`. */
  apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void;
  getState(): Promise<OptimizerState>;
  setState(vars: tf.Variable[], state: OptimizerState): void;
  dispose(): void;
}

/**
 * Our own optimisers rather than tf.train's: the learning rate changes every step under a schedule,
 * AdamW needs decoupled weight decay, and a checkpoint must capture the slots exactly.
 */
abstract class SlotOptimizer implements Optimizer {
  abstract readonly kind: 'adam' | 'sgd';
  protected step = 0;
  /**
   * Slots by the variable's position in the list given to apply(), not by its name: a model loaded from a
   * checkpoint gets fresh variable names, and its slots must still line up.
   */
  protected slots = new Map<number, tf.Variable[]>();
  protected abstract slotCount: number;

  protected slotsFor(v: tf.Variable, index: number): tf.Variable[] {
    let s = this.slots.get(index);
    if (!s) {
      s = [];
      for (let i = 0; i < this.slotCount; i++) s.push(tf.variable(tf.zerosLike(v), false));
      this.slots.set(index, s);
    }
    return s;
  }

  abstract apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void;

  async getState(): Promise<OptimizerState> {
    const slots: OptimizerState['slots'] = [];
    for (const [index, vs] of [...this.slots].sort((a, b) => a[0] - b[0])) {
      for (let i = 0; i < vs.length; i++) slots.push({ name: `${index}#${i}`, shape: vs[i].shape, data: (await vs[i].data()) as Float32Array });
    }
    return { kind: this.kind, step: this.step, slots };
  }

  setState(vars: tf.Variable[], state: OptimizerState): void {
    if (state.kind !== this.kind) throw new KpsError('conflict', `checkpoint holds ${state.kind} optimiser state, the run now uses ${this.kind}`);
    this.dispose();
    this.step = state.step;
    const byName = new Map(state.slots.map((s) => [s.name, s]));
    vars.forEach((v, index) => {
      const s: tf.Variable[] = [];
      for (let i = 0; i < this.slotCount; i++) {
        const saved = byName.get(`${index}#${i}`);
        if (saved && saved.shape.join('x') !== v.shape.join('x')) throw new KpsError('conflict', `checkpoint optimiser slot ${index} has shape ${saved.shape.join('x')}, the model's weight has ${v.shape.join('x')}`);
        s.push(tf.variable(saved ? tf.tensor(saved.data, saved.shape) : tf.zerosLike(v), false));
      }
      this.slots.set(index, s);
    });
  }

  dispose(): void {
    for (const vs of this.slots.values()) for (const v of vs) v.dispose();
    this.slots.clear();
  }
}

export class Adam extends SlotOptimizer {
  readonly kind = 'adam' as const;
  protected slotCount = 2;
  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
    /** Decoupled weight decay (AdamW); applied to kernels only, not biases or batch-norm parameters. */
    private readonly weightDecay = 0,
  ) {
    super();
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const g = grads[i];
        const [m, s] = this.slotsFor(v, i);
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const s1 = tf.add(tf.mul(s, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m1);
        s.assign(s1);
        let update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(s1, c2)), this.eps));
        if (this.weightDecay > 0 && v.rank > 1) update = tf.add(update, tf.mul(v, this.weightDecay));
        v.assign(tf.sub(v, tf.mul(update, lr)));
      });
    });
  }
}

export class SgdMomentum extends SlotOptimizer {
  readonly kind = 'sgd' as const;
  protected slotCount = 1;
  constructor(
    private readonly momentum = 0.9,
    private readonly weightDecay = 0,
  ) {
    super();
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    tf.tidy(() => {
      vars.forEach((v, i) => {
        let g = grads[i];
        if (this.weightDecay > 0 && v.rank > 1) g = tf.add(g, tf.mul(v, this.weightDecay));
        const [vel] = this.slotsFor(v, i);
        const vel1 = tf.add(tf.mul(vel, this.momentum), g);
        vel.assign(vel1);
        v.assign(tf.sub(v, tf.mul(vel1, lr)));
      });
    });
  }
}

/** Scales gradients so that their global L2 norm is at most maxNorm; returns the new gradients and the norm before clipping. */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const normT = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const scale = maxNorm / norm;
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules

export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'cosine'; minFactor: number }
  | { kind: 'plateau'; patience: number; factor: number; minFactor: number };

export interface Schedule {
  base: ScheduleSpec;
  /** Linear warm-up from lr/warmupEpochs... to lr over this many epochs (0 = none). */
  warmupEpochs: number;
}

/**
 * Parses `constant`, `step[:every[:gamma]]`, `cosine[:minFactor]`, `plateau[:patience[:factor]]`,
 * optionally prefixed by `warmup[:epochs]+`, e.g. `warmup:2+cosine`.
 */
export function parseSchedule(text: string): Schedule {
  let rest = text.trim();
  let warmupEpochs = 0;
  const m = /^warmup(?::(\d+(?:\.\d+)?))?\+(.*)$/.exec(rest);
  if (m) {
    warmupEpochs = m[1] === undefined ? 1 : Number(m[1]);
    rest = m[2];
  } else if (/^warmup(:\d+(\.\d+)?)?$/.test(rest)) {
    warmupEpochs = rest.includes(':') ? Number(rest.split(':')[1]) : 1;
    rest = 'constant';
  }
  const [name, ...args] = rest.split(':');
  const num = (i: number, dflt: number): number => {
    if (args[i] === undefined || args[i] === '') return dflt;
    const v = Number(args[i]);
    if (!Number.isFinite(v) || v <= 0) throw new KpsError('bad-input', `schedule "${text}": argument ${i + 1} must be a positive number, got "${args[i]}"`);
    return v;
  };
  let base: ScheduleSpec;
  switch (name) {
    case 'constant':
    case '':
      base = { kind: 'constant' };
      break;
    case 'step':
      base = { kind: 'step', every: num(0, 10), gamma: num(1, 0.5) };
      break;
    case 'cosine':
      base = { kind: 'cosine', minFactor: args[0] === undefined ? 0.01 : num(0, 0.01) };
      break;
    case 'plateau':
      base = { kind: 'plateau', patience: num(0, 5), factor: num(1, 0.5), minFactor: 1e-3 };
      break;
    default:
      throw new KpsError('bad-input', `unknown schedule "${text}": use constant, step[:every[:gamma]], cosine[:min], plateau[:patience[:factor]], optionally warmup[:epochs]+<schedule>`);
  }
  return { base, warmupEpochs };
}

/** State a schedule carries between epochs (reduce-on-plateau); kept in checkpoints. */
export interface ScheduleState {
  factor: number;
  best: number;
  badEpochs: number;
}

export function initialScheduleState(): ScheduleState {
  return { factor: 1, best: Infinity, badEpochs: 0 };
}

/**
 * Learning rate at a fractional epoch position `t` (epoch index + fraction of the epoch done).
 * `timeFraction` (elapsed / wall-clock budget, when there is one) lets cosine finish its decay by the deadline
 * when that comes before the last epoch.
 */
export function learningRate(s: Schedule, baseLr: number, t: number, totalEpochs: number, state: ScheduleState, timeFraction = 0): number {
  let f = 1;
  const b = s.base;
  if (b.kind === 'step') f = Math.pow(b.gamma, Math.floor(t / b.every));
  else if (b.kind === 'cosine') {
    const span = Math.max(1e-9, totalEpochs - s.warmupEpochs);
    const p = Math.min(1, Math.max(0, (t - s.warmupEpochs) / span, timeFraction));
    f = b.minFactor + 0.5 * (1 - b.minFactor) * (1 + Math.cos(Math.PI * p));
  } else if (b.kind === 'plateau') f = state.factor;
  if (s.warmupEpochs > 0 && t < s.warmupEpochs) f *= Math.max(0.01, (t + 1e-9) / s.warmupEpochs);
  return baseLr * f;
}

/** Reduce-on-plateau bookkeeping after an epoch's validation score (lower is better). */
export function scheduleEpochEnd(s: Schedule, state: ScheduleState, valScore: number): ScheduleState {
  if (s.base.kind !== 'plateau') return state;
  if (valScore < state.best * (1 - 1e-4)) return { ...state, best: valScore, badEpochs: 0 };
  const bad = state.badEpochs + 1;
  if (bad > s.base.patience) return { best: state.best, badEpochs: 0, factor: Math.max(s.base.minFactor, state.factor * s.base.factor) };
  return { ...state, badEpochs: bad };
}

/** Early stopping: stop when validation has not improved by minDelta for `patience` epochs. */
export class EarlyStopping {
  best = Infinity;
  bestEpoch = -1;
  bad = 0;
  constructor(
    readonly patience: number,
    readonly minDelta = 0,
  ) {}
  /** Returns true when training should stop. */
  update(epoch: number, score: number): boolean {
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.bestEpoch = epoch;
      this.bad = 0;
      return false;
    }
    this.bad += 1;
    return this.patience > 0 && this.bad >= this.patience;
  }
}

export function makeOptimizer(kind: 'adam' | 'sgd', opts: { weightDecay: number; momentum: number; decoupled: boolean }): Optimizer {
  if (kind === 'adam') return new Adam(0.9, 0.999, 1e-7, opts.decoupled ? opts.weightDecay : 0);
  return new SgdMomentum(opts.momentum, opts.weightDecay);
}
