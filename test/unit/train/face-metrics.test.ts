// Face-alignment metrics against hand-computed values: NME by outer eye corners and by pupils, failure rate, CED and its AUC at 0.08, per-group errors.
import { describe, expect, it } from 'vitest';
import { cedAuc, cedCurve, evaluatePredictions } from '../../../src-main/train/evaluate.js';
import { faceNormalisers } from '../../../src-main/core/schema.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';

const ibug = loadBuiltinSchema('ibug-68');
const all68 = ibug.keypoints.map((_, i) => i);

/** A 68-point face: outer eye corners 36 at (0, 0) and 45 at (100, 0); eye contours centred on (10, 0) and (90, 0). */
function face(): number[] {
  const xy: number[] = [];
  for (let i = 0; i < 68; i++) xy.push(50, 10 + i);
  const set = (i: number, x: number, y: number) => {
    xy[2 * i] = x;
    xy[2 * i + 1] = y;
  };
  [[0, 0], [7, -3], [13, -3], [20, 0], [13, 3], [7, 3]].forEach(([x, y], k) => set(36 + k, x, y));
  [[80, 0], [87, -3], [93, -3], [100, 0], [93, 3], [87, 3]].forEach(([x, y], k) => set(42 + k, x, y));
  return xy;
}

describe('face-alignment metrics', () => {
  // Sample A: every point off by (3, 4) = 5 px. Sample B: only the 20 mouth points (48-67) off by (30, 40) = 50 px.
  const truth = new Float32Array([...face(), ...face()]);
  const pred = truth.slice();
  for (let i = 0; i < 68; i++) {
    pred[2 * i] += 3;
    pred[2 * i + 1] += 4;
  }
  for (let i = 48; i < 68; i++) {
    pred[136 + 2 * i] += 30;
    pred[136 + 2 * i + 1] += 40;
  }
  const m = evaluatePredictions(pred, truth, [1, 2], ibug, all68);
  const f = m.face!;

  it('NME by the outer eye corners is the mean over faces of mean error / corner distance', () => {
    // A: 5 / 100 = 0.05. B: (20 * 50 / 68) / 100 = 10 / 68.
    expect(f.samples).toBe(2);
    expect(f.nme_outer).toBeCloseTo((0.05 + 10 / 68) / 2, 6);
    expect(m.headline).toEqual({ metric: 'nme_outer', value: f.nme_outer });
  });
  it('NME by the inter-pupil distance uses the eye-contour centres (80 px apart here)', () => {
    expect(f.nme_pupil).toBeCloseTo((5 / 80 + 1000 / 68 / 80) / 2, 6);
  });
  it('counts a face as failed above 10% NME, and integrates the CED exactly to 0.08', () => {
    expect(f.failure_rate).toBe(0.5);
    // (0.08 - 0.05) + 0, over 2 faces x 0.08.
    expect(f.auc).toBeCloseTo(0.03 / 0.16, 6);
    const at = (t: number) => f.ced!.fraction[f.ced!.nme.indexOf(t)];
    expect(at(0.0475)).toBe(0);
    expect(at(0.05)).toBe(0.5);
    expect(at(0.145)).toBe(0.5);
    expect(at(0.15)).toBe(1);
  });
  it('reports the error per group of the schema', () => {
    const g = Object.fromEntries(f.groups.map((x) => [x.group, x.nme]));
    // Mouth: 20 points at 0.05 (A) and 20 at 0.5 (B); jaw: 17 at 0.05 and 17 at 0.
    expect(g.mouth).toBeCloseTo(0.275, 6);
    expect(g.jaw).toBeCloseTo(0.025, 6);
    expect(g.eye).toBeCloseTo(0.025, 6);
    expect(f.groups.find((x) => x.group === 'jaw')?.points).toBe(34);
  });
  it('cedAuc and cedCurve on plain numbers', () => {
    expect(cedAuc([0, 0.04, 0.08, 0.2])).toBeCloseTo(0.12 / 0.32, 12);
    expect(cedAuc([])).toBeNull();
    expect(cedCurve([0.01, 0.03], [0, 0.02, 0.03])).toEqual({ nme: [0, 0.02, 0.03], fraction: [0, 0.5, 1] });
  });
  it('leaves faces without both outer corners out of the NME', () => {
    const t = truth.slice();
    t[2 * 45] = NaN;
    t[2 * 45 + 1] = NaN;
    const one = evaluatePredictions(pred, t, [1, 2], ibug, all68).face!;
    expect(one.samples).toBe(1);
    expect(one.nme_outer).toBeCloseTo(10 / 68 / 1, 6);
  });
});

describe('per-layout normalisers', () => {
  it('ibug-68: corners 36 and 45, pupils from the eye contours; Kaggle keeps its pixel RMSE headline', () => {
    expect(faceNormalisers(ibug).outer).toEqual({ kind: 'points', left: 45, right: 36 });
    expect(faceNormalisers(ibug).headline).toBe('nme_outer');
    const kaggle = loadBuiltinSchema('kaggle-15');
    const k = faceNormalisers(kaggle);
    expect(k.headline).toBe('rmse_px');
    expect(k.outer).toEqual({ kind: 'points', left: 3, right: 5 });
    expect(k.pupil).toEqual({ left: [0], right: [1] });
  });
  it('imm layouts: outer corners as the farthest contour points; imm-frontal-73 has named pupils', () => {
    expect(faceNormalisers(loadBuiltinSchema('imm-58')).outer?.kind).toBe('farthest');
    expect(faceNormalisers(loadBuiltinSchema('imm-frontal-73')).pupil).toEqual({ left: [33], right: [32] });
  });
  it('the farthest-point corners of a rotated eye pair give the same NME as explicit corners', () => {
    const imm = loadBuiltinSchema('imm-58');
    const K = imm.keypoints.length;
    const t = new Float32Array(2 * K);
    for (let i = 0; i < K; i++) [t[2 * i], t[2 * i + 1]] = [50, 50 + i];
    // Eyes: left 13-20 on a circle round (90, 0) radius 10, right 21-28 round (10, 0); outer corners (100, 0) and (0, 0).
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4;
      [t[2 * (13 + k)], t[2 * (13 + k) + 1]] = [90 + 10 * Math.cos(a), 10 * Math.sin(a)];
      [t[2 * (21 + k)], t[2 * (21 + k) + 1]] = [10 - 10 * Math.cos(a), 10 * Math.sin(a)];
    }
    const p = t.map((v, j) => v + (j % 2 === 0 ? 3 : 4));
    const r = evaluatePredictions(p, t, [1], imm, imm.keypoints.map((_, i) => i)).face!;
    expect(r.nme_outer).toBeCloseTo(0.05, 5);
    expect(r.nme_pupil).toBeCloseTo(5 / 80, 5);
  });
});
