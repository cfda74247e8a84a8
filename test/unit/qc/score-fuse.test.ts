import { describe, expect, it } from 'vitest';
import { scoreSamples, type QcInputSample } from '../../../src-main/qc/score.js';
import { Rng } from '../../../src-main/train/rng.js';
import { kaggle, population } from './fixtures.js';

/** Gaussian by Box-Muller. */
function gauss(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

describe('scoreSamples joins shape and model evidence by their spreads', () => {
  const nose = 10;
  /** 200 full faces; predictions = truth + independent noise of `sigma` px per point; sample 37's nose tip moved. */
  function faces(sigma: number, move: [number, number]): QcInputSample[] {
    const r = new Rng(5);
    const truth = population(200, 31, 0);
    const samples: QcInputSample[] = truth.map((t, id) => ({ id, shape: Float64Array.from(t), prediction: t.map((v) => v + sigma * gauss(r)) }));
    samples[37].shape[2 * nose] += move[0];
    samples[37].shape[2 * nose + 1] += move[1];
    return samples;
  }
  const noseScore = (items: ReturnType<typeof scoreSamples>, id: number) => items.find((i) => i.sampleId === id)?.keypoints.find((k) => k.index === nose)?.score ?? NaN;

  it('a model much noisier than the shapes neither hides a move the shape sees nor pushes it down the queue', () => {
    const samples = faces(6, [6, 4]);
    const shapeOnly = scoreSamples(samples.map((s) => ({ ...s, prediction: null })), kaggle);
    const fused = scoreSamples(samples, kaggle);
    const fisher = scoreSamples(samples, kaggle, { combine: 'fisher' });
    expect(shapeOnly[0].sampleId).toBe(37);
    expect(fused[0].sampleId).toBe(37);
    // The fused test is close to the shape's own: the noisy model gets little weight.
    expect(Math.abs(noseScore(fused, 37) - noseScore(shapeOnly, 37))).toBeLessThan(0.25);
    // Fisher's method on the two p-values takes the uninformative model's p-value at full weight: the move drops.
    expect(fisher[0].sampleId).not.toBe(37);
    expect(noseScore(fisher, 37)).toBeLessThan(noseScore(fused, 37) - 0.5);
  });

  it('a precise model finds a move too small for the shapes, and the fused score is above either source alone', () => {
    const samples = faces(0.3, [2.5, 0]);
    const fused = scoreSamples(samples, kaggle);
    const shapeOnly = scoreSamples(samples.map((s) => ({ ...s, prediction: null })), kaggle);
    expect(fused[0].sampleId).toBe(37);
    expect(shapeOnly[0].sampleId).not.toBe(37);
    expect(noseScore(fused, 37)).toBeGreaterThan(noseScore(shapeOnly, 37));
  });
});
