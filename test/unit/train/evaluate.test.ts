// Evaluation in pixels: RMSE, per keypoint, NME by inter-ocular distance, PCK, worst samples, bias/variance reading.
import { describe, expect, it } from 'vitest';
import { biasVarianceReading, evaluatePredictions, eyeIndices, meanShape } from '../../../src-main/train/evaluate.js';
import type { KeypointSchema } from '../../../src-main/core/types.js';

const schema = {
  id: 't',
  title: 't',
  keypoints: [
    { name: 'left_eye_center', group: 'eye', side: 'left', color: '#fff' },
    { name: 'right_eye_center', group: 'eye', side: 'right', color: '#fff' },
    { name: 'nose_tip', group: 'nose', side: 'center', color: '#fff' },
  ],
  flipPairs: [[0, 1]],
  edges: [],
} as KeypointSchema;

describe('evaluatePredictions', () => {
  // Two samples; eyes 40 px apart.
  const truth = Float32Array.from([60, 40, 20, 40, 40, 60, 60, 40, 20, 40, NaN, NaN]);
  const pred = Float32Array.from([63, 44, 20, 40, 40, 60, 60, 40, 20, 40, 0, 0]);
  const m = evaluatePredictions(pred, truth, [11, 12], schema, [0, 1, 2]);
  it('RMSE over labelled coordinates in pixels: sqrt((9 + 16) / 10)', () => {
    expect(m.values).toBe(10);
    expect(m.rmse_px).toBeCloseTo(Math.sqrt(25 / 10), 9);
  });
  it('per keypoint RMSE', () => {
    expect(m.perKeypoint[0].rmse_px).toBeCloseTo(Math.sqrt(25 / 4), 9);
    expect(m.perKeypoint[1].rmse_px).toBe(0);
    expect(m.perKeypoint[2].labelled).toBe(1);
  });
  it('NME divides the mean point error by the inter-ocular distance, per sample', () => {
    // Sample 1: errors 5, 0, 0 -> 5/3 / 40; sample 2: 0.
    expect(m.nme).toBeCloseTo((5 / 3 / 40 + 0) / 2, 9);
  });
  it('PCK at 0.1 x IOD (4 px) misses only the 5 px error', () => {
    expect(m.pck['0.1']).toBeCloseTo(4 / 5, 9);
    expect(m.pck['0.2']).toBe(1);
    expect(m.pck_px['4']).toBeCloseTo(4 / 5, 9);
  });
  it('lists the worst samples first', () => {
    expect(m.worst[0]).toEqual({ sampleId: 11, mean_error_px: 5 / 3 });
  });
  it('finds eye centres in the schema', () => {
    expect(eyeIndices(schema, [0, 1, 2])).toEqual({ left: [0], right: [1] });
    expect(eyeIndices(schema, [2])).toBeNull();
  });
});

describe('mean shape and reading', () => {
  it('averages labelled values only', () => {
    const t = Float32Array.from([1, 2, NaN, 4, 3, NaN]);
    expect(Array.from(meanShape(t, [0, 1, 2], 1))).toEqual([2, 3]);
  });
  it('reads high bias, high variance and balanced', () => {
    expect(biasVarianceReading(3.3, 3.4, 3.5)).toMatch(/^high bias/);
    expect(biasVarianceReading(0.5, 2.0, 3.5)).toMatch(/^high variance/);
    expect(biasVarianceReading(1.8, 2.0, 3.5)).toMatch(/^balanced/);
  });
});
