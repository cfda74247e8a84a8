// Data-parallel stepper: 1 vs 2 workers (and vs in-process gradients) give the same loss, gradients and weights after a step, element by element.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src-main/train/backend.js';
import { coordLoss } from '../../../src-main/train/losses.js';
import { buildModel, type ModelOptions } from '../../../src-main/train/models/index.js';
import { createParallelStepper, parallelTrainStep, shardSizes, type ParallelStepper } from '../../../src-main/train/parallel/index.js';

import { allclose, type CloseResult } from '../../helpers/allclose.js';
import { F32 } from '../../helpers/tolerance.js';

function expectClose(r: CloseResult): void {
  expect(r.ok, r.message).toBe(true);
}

function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * scale;
  }
  return out;
}

const opts: ModelOptions = { inputSize: 32, numKeypoints: 3, seed: 7 };
const batch = 7; // odd: shards of 4 and 3
const xShape = [batch, 32, 32, 1];
const yShape = [batch, 6];
const x = seeded(batch * 32 * 32, 1);
const y = seeded(batch * 6, 2);
// Missing keypoints, unevenly spread: the first shard has more of them.
for (const i of [0, 1, 2, 3, 7, 8, 30]) y[i] = NaN;

let one: ParallelStepper;
let two: ParallelStepper;

beforeAll(async () => {
  await initBackend('wasm');
  one = await createParallelStepper({ workers: 1, modelName: 'kpnet', modelOpts: opts, loss: 'mse' });
  two = await createParallelStepper({ workers: 2, modelName: 'kpnet', modelOpts: opts, loss: 'mse' });
}, 120_000);

afterAll(async () => {
  await one?.close();
  await two?.close();
});

describe('shardSizes', () => {
  it('splits a batch into near-equal contiguous shards and drops empty ones', () => {
    expect(shardSizes(7, 2)).toEqual([4, 3]);
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(1, 3)).toEqual([1]);
  });
});

describe('parallel stepper', () => {
  it('workers run on WebAssembly', () => {
    expect(two.workers).toBe(2);
    expect(two.backend).toBe('wasm');
  });

  it('2 workers give the same loss and gradients as 1 worker and as in-process tf.variableGrads', async () => {
    const model = buildModel('kpnet', opts);
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const r1 = await one.step(x, xShape, y, yShape, weights);
    const r2 = await two.step(x, xShape, y, yShape, weights);

    const xt = tf.tensor(x, xShape);
    const yt = tf.tensor(y, yShape);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => coordLoss('mse', model.apply(xt, { training: true }) as tf.Tensor, yt), vars);
    const local = vars.map((v) => grads[v.name].dataSync() as Float32Array);
    const localLoss = value.dataSync()[0];

    expect(r1.labelled).toBe(batch * 6 - 7);
    expect(r2.labelled).toBe(r1.labelled);
    expectClose(allclose([r2.loss], [r1.loss], F32));
    expectClose(allclose([r1.loss], [localLoss], F32));
    expectClose(allclose(r2.grads, r1.grads, F32));
    expectClose(allclose(r1.grads, local, F32));
    // The gradients are not trivially zero.
    expect(r1.grads.reduce((m, g) => g.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0)).toBeGreaterThan(1e-3);
    tf.dispose([xt, yt, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('an Adam step with 1 worker and with 2 workers leaves the same weights', async () => {
    const LR = 1e-2;
    const STEPS = 2;
    const run = async (stepper: ParallelStepper): Promise<Float32Array[]> => {
      const model = buildModel('kpnet', opts);
      const opt = tf.train.adam(LR);
      const xt = tf.tensor(x, xShape);
      const yt = tf.tensor(y, yShape);
      for (let s = 0; s < STEPS; s++) await parallelTrainStep(stepper, model, opt, xt, yt);
      const w = model.weights.map((v) => v.read().dataSync() as Float32Array);
      tf.dispose([xt, yt]);
      opt.dispose();
      model.dispose();
      return w;
    };
    const before = buildModel('kpnet', opts);
    const w0 = before.weights.map((v) => v.read().dataSync() as Float32Array);
    before.dispose();
    const w1 = await run(one);
    const w2 = await run(two);
    // Adam moves each weight by about lr per step whatever its gradient, and divides by sqrt(v) + 1e-7, so a
    // rounding difference in a near-zero gradient shows in the weight scaled by lr: the bound is 1% of the most the
    // steps can move a weight.
    expectClose(allclose(w2, w1, { rtol: F32.rtol, atol: 0.01 * LR * STEPS }));
    // The step moved the weights (Adam at 1e-2 moves each by about 1e-2 per step).
    expect(allclose(w1, w0, F32).maxAbs).toBeGreaterThan(1e-3);
  });

  it('a batch with no labels gives loss 0 and zero gradients, never NaN', async () => {
    const model = buildModel('kpnet', opts);
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const r = await two.step(x, xShape, new Float32Array(batch * 6).fill(NaN), yShape, weights);
    expect(r.loss).toBe(0);
    expect(r.grads.every((g) => g.every((v) => v === 0))).toBe(true);
    model.dispose();
  });

  it('rejects weights of the wrong size with a clear error', async () => {
    await expect(two.step(x, xShape, y, yShape, [new Float32Array(3)])).rejects.toThrow(/weight arrays/);
  });
});
