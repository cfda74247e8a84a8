// Masked losses: hand-computed values, an all-missing batch, finite gradients; the soft-argmax read-out.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { coordLoss, heatmapLoss } from '../../../src-main/train/losses.js';
import { SoftArgmax } from '../../../src-main/train/models/softargmax.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const pred = () => tf.tensor2d([[1, 2], [3, 4]]);
const target = () => tf.tensor2d([[0, NaN], [NaN, 2]]);

describe('masked coordinate losses', () => {
  it('MSE averages squared errors over labelled values only: (1^2 + 2^2) / 2', () => {
    expect(coordLoss('mse', pred(), target()).dataSync()[0]).toBeCloseTo(2.5, 6);
  });
  it('L1 averages absolute errors over labelled values: (1 + 2) / 2', () => {
    expect(coordLoss('l1', pred(), target()).dataSync()[0]).toBeCloseTo(1.5, 6);
  });
  it('Huber (delta 1) is quadratic below delta and linear above: (0.5 + 1.5) / 2', () => {
    expect(coordLoss('huber', pred(), target(), { huberDelta: 1 }).dataSync()[0]).toBeCloseTo(1.0, 6);
  });
  it('accepts a precomputed mask instead of NaN', () => {
    const mask = tf.tensor2d([[1, 0], [0, 1]]);
    const clean = tf.tensor2d([[0, 99], [99, 2]]);
    expect(coordLoss('mse', pred(), clean, { mask }).dataSync()[0]).toBeCloseTo(2.5, 6);
  });
  it('an all-missing batch costs exactly zero with zero, finite gradients', () => {
    const t = tf.tensor2d([[NaN, NaN], [NaN, NaN]]);
    for (const name of ['mse', 'l1', 'huber'] as const) {
      const p = tf.variable(pred());
      const { value, grads } = tf.variableGrads(() => coordLoss(name, p, t), [p]);
      expect(value.dataSync()[0]).toBe(0);
      const g = Array.from(grads[p.name].dataSync());
      expect(g.every((v) => Number.isFinite(v) && v === 0)).toBe(true);
      p.dispose();
    }
  });
  it('MSE gradient is 2 * error / count at labelled values and 0 elsewhere', () => {
    const p = tf.variable(pred());
    const { grads } = tf.variableGrads(() => coordLoss('mse', p, target()), [p]);
    expect(Array.from(grads[p.name].dataSync())).toEqual([1, 0, 0, 2]);
    p.dispose();
  });
});

describe('heatmap loss', () => {
  it('is KL(target Gaussian || softmax(logits)) for a 1x2 heatmap, computed by hand', () => {
    // Target at pixel column 0 of a 1x2 map: u = ((0 + 0.5) / 2) * 2 - 1 = -0.5, v = 0 (the single row).
    const logits = tf.tensor4d([0, 0], [1, 1, 2, 1]);
    const t = tf.tensor2d([[-0.5, 0]]);
    const sigma = 1;
    const q0 = 1 / (1 + Math.exp(-1 / (2 * sigma * sigma)));
    const q1 = 1 - q0;
    const expected = q0 * Math.log(q0 / 0.5) + q1 * Math.log(q1 / 0.5);
    expect(heatmapLoss(logits, t, sigma).dataSync()[0]).toBeCloseTo(expected, 5);
  });
  it('ignores missing keypoints and is zero (with finite gradients) when none is labelled', () => {
    const logits = tf.variable(tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1));
    const t = tf.fill([2, 6], NaN) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => heatmapLoss(logits as unknown as tf.Tensor4D, t), [logits]);
    expect(value.dataSync()[0]).toBe(0);
    expect(Array.from(grads[logits.name].dataSync()).every((v) => v === 0)).toBe(true);
  });
  it('is lower when the heatmap peaks at the target than elsewhere', () => {
    const at = new Float32Array(16).fill(-5);
    at[1 * 4 + 2] = 5;
    const off = new Float32Array(16).fill(-5);
    off[3 * 4 + 0] = 5;
    const t = tf.tensor2d([[((2 + 0.5) / 4) * 2 - 1, ((1 + 0.5) / 4) * 2 - 1]]);
    const good = heatmapLoss(tf.tensor4d(at, [1, 4, 4, 1]), t).dataSync()[0];
    const bad = heatmapLoss(tf.tensor4d(off, [1, 4, 4, 1]), t).dataSync()[0];
    expect(good).toBeLessThan(bad);
  });
});

describe('soft-argmax', () => {
  it('reads a sharp peak at row 1, column 2 of a 4x4 map as its pixel centre in normalised units', () => {
    const h = new Float32Array(16).fill(0);
    h[1 * 4 + 2] = 50;
    const layer = new SoftArgmax();
    const out = (layer.apply(tf.tensor4d(h, [1, 4, 4, 1])) as tf.Tensor).dataSync();
    expect(out[0]).toBeCloseTo(((2 + 0.5) / 4) * 2 - 1, 4);
    expect(out[1]).toBeCloseTo(((1 + 0.5) / 4) * 2 - 1, 4);
  });
  it('gives the centre for a flat map and orders outputs x0, y0, x1, y1', () => {
    const h = new Float32Array(4 * 4 * 2).fill(0);
    // Keypoint 1 peaks at row 3, column 0.
    h[(3 * 4 + 0) * 2 + 1] = 50;
    const out = (new SoftArgmax().apply(tf.tensor4d(h, [1, 4, 4, 2])) as tf.Tensor).dataSync();
    expect(out[0]).toBeCloseTo(0, 5);
    expect(out[1]).toBeCloseTo(0, 5);
    expect(out[2]).toBeCloseTo(-0.75, 4);
    expect(out[3]).toBeCloseTo(0.75, 4);
  });
});
