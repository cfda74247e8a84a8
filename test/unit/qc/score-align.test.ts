import { describe, expect, it } from 'vitest';
import { alignPrediction, scoreSamples, type QcInputSample } from '../../../src-main/qc/score.js';
import { Rng } from '../../../src-main/train/rng.js';
import { kaggle, MEAN, population } from './fixtures.js';

/** The shape under a similarity (rotation `a` radians, scale `s`, shift) about the image centre. */
function similar(shape: ArrayLike<number>, a: number, s: number, tx: number, ty: number): Float64Array {
  const out = new Float64Array(shape.length);
  for (let k = 0; k < shape.length / 2; k++) {
    const x = shape[2 * k] - 48, y = shape[2 * k + 1] - 48;
    out[2 * k] = 48 + s * (Math.cos(a) * x - Math.sin(a) * y) + tx;
    out[2 * k + 1] = 48 + s * (Math.sin(a) * x + Math.cos(a) * y) + ty;
  }
  return out;
}

describe('alignPrediction', () => {
  const label = Float64Array.from(MEAN);
  const pred = similar(label, 0.1, 1.08, 3, -2);

  it('removes an error the prediction shares over the whole face', () => {
    const out = alignPrediction(label, pred, 6);
    for (let j = 0; j < 30; j++) expect(out[j]).toBeCloseTo(label[j], 9);
  });

  it('fits each keypoint without it, so a moved label is not pulled into its own fit', () => {
    const moved = Float64Array.from(label);
    moved[20] += 4;
    moved[21] -= 3;
    const out = alignPrediction(moved, pred, 6);
    expect(out[20]).toBeCloseTo(label[20], 9);
    expect(out[21]).toBeCloseTo(label[21], 9);
  });

  it('leaves the prediction as it is with fewer labelled keypoints than asked for', () => {
    const sparse = Float64Array.from(label).fill(NaN);
    for (const k of [0, 1, 10, 14]) [sparse[2 * k], sparse[2 * k + 1]] = [label[2 * k], label[2 * k + 1]];
    expect(Array.from(alignPrediction(sparse, pred, 6))).toEqual(Array.from(pred));
  });
});

describe('scoreSamples model evidence', () => {
  it('ranks a 3 px move first when the model is off by a different similarity on every face (aligned), not without the alignment', () => {
    const r = new Rng(8);
    const truth = population(200, 21, 0);
    const samples: QcInputSample[] = truth.map((t, id) => ({
      id,
      shape: Float64Array.from(t),
      // The model's error on a face: the whole face turned, scaled and shifted a little, plus 0.2 px per point.
      prediction: similar(t, (r.next() - 0.5) * 0.1, 0.95 + 0.1 * r.next(), (r.next() - 0.5) * 6, (r.next() - 0.5) * 6).map((v) => v + (r.next() - 0.5) * 0.4),
    }));
    samples[37].shape[20] += 3;
    expect(scoreSamples(samples, kaggle)[0].sampleId).toBe(37);
    expect(scoreSamples(samples, kaggle, { alignFrom: Infinity })[0].sampleId).not.toBe(37);
  });

  it('measures model residuals in units of the face: the same pixels count for more on a face half the size', () => {
    const r = new Rng(3);
    const nose = 10;
    const samples: QcInputSample[] = Array.from({ length: 80 }, (_, id) => {
      const s = id % 2 === 0 ? 1 : 0.5;
      const pred = similar(MEAN, 0, s, 0, 0);
      // Only the nose tip and the bottom lip labelled: no shape evidence, the model's alone.
      const shape = new Float64Array(30).fill(NaN);
      for (const k of [nose, 14]) {
        shape[2 * k] = pred[2 * k] + s * (r.next() - 0.5) * 2;
        shape[2 * k + 1] = pred[2 * k + 1] + s * (r.next() - 0.5) * 2;
      }
      return { id, shape, prediction: pred };
    });
    // The same 3 px off on a full-size face (0) and on a half-size one (1).
    for (const id of [0, 1]) {
      samples[id].shape[2 * nose] = (samples[id].prediction as Float64Array)[2 * nose] + 3;
      samples[id].shape[2 * nose + 1] = (samples[id].prediction as Float64Array)[2 * nose + 1];
    }
    const noseScore = (items: ReturnType<typeof scoreSamples>, id: number) => items.find((i) => i.sampleId === id)?.keypoints.find((k) => k.index === nose)?.score ?? NaN;
    const scaled = scoreSamples(samples, kaggle);
    expect(noseScore(scaled, 1)).toBeGreaterThan(noseScore(scaled, 0) + 1);
    const pixels = scoreSamples(samples, kaggle, { faceScale: false });
    expect(Math.abs(noseScore(pixels, 1) - noseScore(pixels, 0))).toBeLessThan(0.01);
  });
});
