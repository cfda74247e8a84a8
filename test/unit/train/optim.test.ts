// Optimisers against their update formulas, clipping, schedules, early stopping and config validation.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Adam, SgdMomentum, clipByGlobalNorm, EarlyStopping, initialScheduleState, learningRate, parseSchedule, scheduleEpochEnd } from '../../../src-main/train/optim.js';
import { MAX_AUTO_WORKERS, resolveConfig, resolveWorkers } from '../../../src-main/train/config.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimisers', () => {
  it('Adam: the first step moves each weight by lr (bias-corrected m / sqrt(v) = sign of g)', () => {
    const v = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Adam();
    opt.apply([v], [tf.tensor1d([0.5, -3])], 0.1);
    const [a, b] = v.dataSync();
    expect(a).toBeCloseTo(0.9, 5);
    expect(b).toBeCloseTo(-1.9, 5);
    opt.dispose();
  });
  it('AdamW adds decoupled decay lr * wd * w on kernels (rank > 1) only', () => {
    const k = tf.variable(tf.tensor2d([[2]]));
    const bias = tf.variable(tf.tensor1d([2]));
    const opt = new Adam(0.9, 0.999, 1e-7, 0.5);
    opt.apply([k, bias], [tf.tensor2d([[0]]), tf.tensor1d([0])], 0.1);
    expect(k.dataSync()[0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 5);
    expect(bias.dataSync()[0]).toBeCloseTo(2, 6);
  });
  it('SGD with momentum: v = mu v + g, w -= lr v, over two steps', () => {
    const w = tf.variable(tf.tensor1d([1]));
    const opt = new SgdMomentum(0.9);
    opt.apply([w], [tf.tensor1d([1])], 0.1); // v = 1, w = 0.9
    opt.apply([w], [tf.tensor1d([1])], 0.1); // v = 1.9, w = 0.71
    expect(w.dataSync()[0]).toBeCloseTo(0.71, 5);
  });
  it('optimiser state round-trips: a restored optimiser takes exactly the same next step', async () => {
    const w = tf.variable(tf.tensor1d([1, 2, 3]), true, 'w_state_test');
    const a = new Adam();
    a.apply([w], [tf.tensor1d([0.1, -0.2, 0.3])], 0.01);
    const b = new Adam();
    b.setState([w], await a.getState());
    const snapshot = w.clone();
    const g = tf.tensor1d([1, -1, 0.5]);
    b.apply([w], [g], 0.01);
    const viaRestored = Array.from(w.dataSync());
    w.assign(snapshot);
    a.apply([w], [g], 0.01);
    expect(viaRestored).toEqual(Array.from(w.dataSync()));
    expect(viaRestored).not.toEqual(Array.from(snapshot.dataSync()));
  });
});

describe('gradient clipping', () => {
  it('scales to the maximum global norm: [3], [4] (norm 5) with max 1 gives [0.6], [0.8]', () => {
    const { grads, norm } = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(grads[0].dataSync()[0]).toBeCloseTo(0.6, 6);
    expect(grads[1].dataSync()[0]).toBeCloseTo(0.8, 6);
  });
  it('leaves gradients under the limit untouched', () => {
    const g = [tf.tensor1d([0.3]), tf.tensor1d([0.4])];
    expect(clipByGlobalNorm(g, 1).grads).toBe(g);
  });
});

describe('schedules', () => {
  const st = initialScheduleState();
  it('cosine goes from lr to lr * min over the epochs', () => {
    const s = parseSchedule('cosine');
    expect(learningRate(s, 1, 0, 10, st)).toBeCloseTo(1, 6);
    expect(learningRate(s, 1, 5, 10, st)).toBeCloseTo(0.505, 6);
    expect(learningRate(s, 1, 10, 10, st)).toBeCloseTo(0.01, 6);
  });
  it('step halves every N epochs', () => {
    const s = parseSchedule('step:3:0.5');
    expect(learningRate(s, 1, 2.9, 10, st)).toBe(1);
    expect(learningRate(s, 1, 3, 10, st)).toBe(0.5);
    expect(learningRate(s, 1, 6.5, 10, st)).toBe(0.25);
  });
  it('warm-up ramps linearly over its epochs, then hands over', () => {
    const s = parseSchedule('warmup:2+constant');
    expect(learningRate(s, 1, 0.5, 10, st)).toBeCloseTo(0.25, 6);
    expect(learningRate(s, 1, 1, 10, st)).toBeCloseTo(0.5, 6);
    expect(learningRate(s, 1, 2, 10, st)).toBe(1);
  });
  it('reduce-on-plateau cuts the rate after `patience` epochs without improvement', () => {
    const s = parseSchedule('plateau:2:0.5');
    let state = initialScheduleState();
    for (const v of [5, 4, 4, 4]) state = scheduleEpochEnd(s, state, v);
    expect(learningRate(s, 1, 4, 10, state)).toBe(1);
    state = scheduleEpochEnd(s, state, 4);
    expect(learningRate(s, 1, 5, 10, state)).toBe(0.5);
    state = scheduleEpochEnd(s, state, 3);
    expect(state.best).toBe(3);
  });
  it('rejects unknown schedules with a message listing the choices', () => {
    expect(() => parseSchedule('exponential')).toThrow(/unknown schedule "exponential".*cosine/);
    expect(() => parseSchedule('step:-1')).toThrow(/positive number/);
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without improvement and remembers the best', () => {
    const e = new EarlyStopping(2);
    expect(e.update(0, 3)).toBe(false);
    expect(e.update(1, 2)).toBe(false);
    expect(e.update(2, 2.5)).toBe(false);
    expect(e.update(3, 2.1)).toBe(true);
    expect(e.bestEpoch).toBe(1);
  });
});

describe('training config', () => {
  it('fills defaults and keeps given values', () => {
    const c = resolveConfig({ model: 'vgg', epochs: '5', lr: 0.01 });
    expect(c.model).toBe('vgg');
    expect(c.epochs).toBe(5);
    expect(c.lr).toBe(0.01);
    expect(c.batch).toBe(64);
  });
  it('names the source and the setting in errors', () => {
    expect(() => resolveConfig({ epochs: 0 }, 'cfg.json')).toThrow(/cfg\.json: epochs must be a positive integer/);
    expect(() => resolveConfig({ model: 'alexnet' })).toThrow(/unknown model "alexnet"/);
    expect(() => resolveConfig({ bogus: 1 } as never)).toThrow(/unknown setting "bogus"/);
    expect(() => resolveConfig({ loss: 'heatmap', model: 'vgg' })).toThrow(/heatmap loss needs a heatmap model/);
    expect(() => resolveConfig({ split: 'half' })).toThrow(/split must be/);
  });
});

describe('worker threads', () => {
  it('default to auto: one per core on WebAssembly (capped), none on the native backends; a setting wins', () => {
    expect(resolveConfig({}).workers).toBe(0);
    expect(resolveConfig({ workers: '3' }).workers).toBe(3);
    expect(() => resolveConfig({ workers: -1 })).toThrow(/workers must be a non-negative integer/);
    expect(resolveWorkers(0, 'wasm', 2)).toBe(2);
    expect(resolveWorkers(0, 'wasm', 1)).toBe(1);
    expect(resolveWorkers(0, 'wasm', 64)).toBe(MAX_AUTO_WORKERS);
    expect(resolveWorkers(0, 'tensorflow', 8)).toBe(1);
    expect(resolveWorkers(0, 'tensorflow-gpu', 8)).toBe(1);
    expect(resolveWorkers(0, undefined, 8)).toBe(1);
    expect(resolveWorkers(3, 'tensorflow', 8)).toBe(3);
    expect(resolveWorkers(1, 'wasm', 8)).toBe(1);
  });
});

describe('cosine under a wall-clock budget', () => {
  it('decays by the deadline when that comes before the last epoch', () => {
    const s = parseSchedule('cosine');
    const st = initialScheduleState();
    expect(learningRate(s, 1, 1, 100, st, 0.5)).toBeCloseTo(0.505, 6);
    expect(learningRate(s, 1, 1, 100, st, 1)).toBeCloseTo(0.01, 6);
    // Epoch progress still counts when it is ahead of the clock.
    expect(learningRate(s, 1, 50, 100, st, 0.1)).toBeCloseTo(0.505, 6);
  });
});
