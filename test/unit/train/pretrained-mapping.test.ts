// The 68-point -> layout mapping (train/pretrained/mapping.ts) on synthetic faces: exact recovery of linear layouts,
// missing labels, folds that keep groups whole, the outer-eye normaliser, and one-line errors for bad input.
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  crossValidate,
  eyeKeypoints,
  faceFrame,
  fitMapping,
  foldsOf,
  fromFrame,
  meanShapeInFrame,
  outerEyeDistance,
  sampleNme,
  toFrame,
  type MappingSample,
} from '../../../src-main/train/pretrained/mapping.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** A 68-point face: a fixed base with per-face deformation (a few modes), placed by a random similarity. */
function face(r: () => number): number[] {
  const base: number[] = [];
  for (let i = 0; i < 68; i++) base.push(Math.cos(i * 0.37) * (1 + (i % 5) * 0.1), Math.sin(i * 0.61) * (1 + (i % 3) * 0.15));
  // Eyes: 36-41 on the left of the image, 42-47 on the right, so the eye line is level before the roll.
  for (let i = 36; i < 42; i++) base.splice(2 * i, 2, -0.5 + 0.05 * (i - 36), -0.3);
  for (let i = 42; i < 48; i++) base.splice(2 * i, 2, 0.25 + 0.05 * (i - 42), -0.3);
  const modes = [r() - 0.5, r() - 0.5, r() - 0.5];
  const p = base.map((v, j) => v + 0.2 * modes[0] * Math.sin(j) + 0.15 * modes[1] * Math.cos(2 * j) + 0.1 * modes[2] * ((j % 7) / 7 - 0.5));
  const s = 50 + 100 * r();
  const a = (r() - 0.5) * 0.6;
  const tx = 100 + 300 * r();
  const ty = 100 + 300 * r();
  const out: number[] = [];
  for (let i = 0; i < 68; i++) {
    const x = p[2 * i];
    const y = p[2 * i + 1];
    out.push(s * (Math.cos(a) * x - Math.sin(a) * y) + tx, s * (Math.sin(a) * x + Math.cos(a) * y) + ty);
  }
  return out;
}

/** A 4-keypoint layout that is linear in the 68 points: right eye centre, left eye centre, the midpoint of 30 and 33, point 8. */
const LAYOUT = { keypoints: [{ name: 'right_eye_center' }, { name: 'left_eye_center' }, { name: 'nose' }, { name: 'chin' }] };
function layoutOf(p: number[]): number[] {
  const avg = (a: number, b: number) => {
    let x = 0;
    let y = 0;
    for (let i = a; i <= b; i++) {
      x += p[2 * i];
      y += p[2 * i + 1];
    }
    return [x / (b - a + 1), y / (b - a + 1)];
  };
  return [...avg(36, 41), ...avg(42, 47), (p[60] + p[66]) / 2, (p[61] + p[67]) / 2, p[16], p[17]];
}

function samples(n: number, seed: number, groups = 0): MappingSample[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const p68 = face(r);
    return { id: i + 1, p68, target: layoutOf(p68), group: groups > 0 ? `p${i % groups}` : null };
  });
}

describe('face frame', () => {
  it('maps photo points into the frame and back exactly', () => {
    const p = face(rng(3));
    const f = faceFrame(p);
    const q = toFrame(f, p);
    // The frame is centred and unit RMS radius.
    let cx = 0;
    let r2 = 0;
    for (let i = 0; i < 68; i++) cx += q[2 * i] / 68;
    for (let i = 0; i < 68; i++) r2 += (q[2 * i] ** 2 + q[2 * i + 1] ** 2) / 68;
    expect(Math.abs(cx)).toBeLessThan(1e-12);
    expect(r2).toBeCloseTo(1, 12);
    const back = fromFrame(f, q);
    back.forEach((v, i) => expect(v).toBeCloseTo(p[i], 9));
  });

  it('refuses a wrong point count and a degenerate face in one line', () => {
    expect(() => faceFrame([1, 2, 3])).toThrow(/expected 136 coordinates of 68 points, got 3/);
    expect(() => faceFrame(new Array(136).fill(5))).toThrow(/no extent/);
  });
});

describe('fitMapping', () => {
  it('recovers a layout that is linear in the 68 points on new faces, far better than the mean shape', () => {
    const train = samples(40, 11);
    const test = samples(20, 12);
    const m = fitMapping(train, 4);
    const mean = meanShapeInFrame(train, 4);
    const eyes = eyeKeypoints(LAYOUT);
    let mapped = 0;
    let base = 0;
    for (const s of test) {
      const d = outerEyeDistance(eyes, s.target, s.p68);
      mapped += sampleNme(applyMapping(m, s.p68), s.target, d) / test.length;
      base += sampleNme(fromFrame(faceFrame(s.p68), mean), s.target, d) / test.length;
    }
    expect(base).toBeGreaterThan(0.02);
    expect(mapped).toBeLessThan(0.002);
    expect(mapped).toBeLessThan(base / 10);
  });

  it('maps keypoints labelled on few faces from those faces only, and leaves ones with fewer than 3 labels unmapped', () => {
    const train = samples(12, 21).map((s, i) => {
      const t = Array.from(s.target);
      if (i >= 6) t.splice(4, 2, NaN, NaN); // nose labelled on 6 faces
      if (i >= 2) t.splice(6, 2, NaN, NaN); // chin on 2: too few
      return { ...s, target: t };
    });
    const m = fitMapping(train, 4);
    expect(m.keypoints[2]?.samples).toBe(6);
    expect(m.keypoints[3]).toBeNull();
    const s = samples(1, 22)[0];
    const pred = applyMapping(m, s.p68);
    expect(Number.isNaN(pred[6]) && Number.isNaN(pred[7])).toBe(true);
    expect(Math.hypot(pred[0] - s.target[0], pred[1] - s.target[1])).toBeLessThan(1);
    expect(Number.isFinite(pred[4])).toBe(true);
  });

  it('leaves out a face whose labels belong to another face (a wrong detection), so it cannot spoil the fit', () => {
    const train = samples(30, 41);
    const wrong = samples(1, 42)[0];
    // The labels of one face, the 68 points of another face far away in the photo.
    train[7] = { ...train[7], p68: wrong.p68 };
    const m = fitMapping(train, 4);
    expect(m.outliers).toEqual([train[7].id]);
    expect(m.samples).toBe(29);
    const s = samples(1, 43)[0];
    const pred = applyMapping(m, s.p68);
    const eyes = eyeKeypoints(LAYOUT);
    expect(sampleNme(pred, s.target, outerEyeDistance(eyes, s.target))).toBeLessThan(0.002);
    // Clean faces lose none.
    expect(fitMapping(samples(30, 41), 4).outliers).toEqual([]);
  });

  it('needs at least 3 faces and the layout size it was told', () => {
    expect(() => fitMapping(samples(2, 1), 4)).toThrow(/at least 3 labelled faces/);
    expect(() => fitMapping(samples(5, 1), 5)).toThrow(/sample 1: expected 10 label coordinates, got 8/);
  });
});

describe('crossValidate', () => {
  it('never puts one group on both sides, and scores every face once', () => {
    const s = samples(30, 31, 7);
    const folds = foldsOf(s, 5, 2);
    const byGroup = new Map<string, Set<number>>();
    s.forEach((x, i) => {
      if (!byGroup.has(x.group!)) byGroup.set(x.group!, new Set());
      byGroup.get(x.group!)!.add(folds[i]);
    });
    for (const f of byGroup.values()) expect(f.size).toBe(1);
    const cv = crossValidate(s, LAYOUT, 5, 2);
    expect(cv.folds).toBe(5);
    expect(cv.samples).toBe(30);
    expect(cv.predictions.size).toBe(30);
    expect(cv.nme).toBeLessThan(cv.meanShapeNme / 5);
    // No boxes given: no box baseline.
    expect(cv.meanShapeBoxNme).toBeNull();
  });

  it('refuses a single group', () => {
    expect(() => crossValidate(samples(10, 1, 1), LAYOUT)).toThrow(/2 or more groups, got 10 in 1/);
  });
});

describe('outer-eye normaliser', () => {
  it('takes the farthest labelled left/right eye pair, else the 68 points 36 and 45', () => {
    const eyes = eyeKeypoints({ keypoints: [{ name: 'left_eye_01' }, { name: 'left_eye_02' }, { name: 'right_eye_01' }, { name: 'left_eyebrow_x' }, { name: 'right_pupil' }] });
    expect(eyes).toEqual({ left: [0, 1], right: [2] });
    expect(outerEyeDistance(eyes, [10, 0, 30, 0, 0, 0, 99, 99, 5, 5])).toBe(30);
    const p68 = new Array(136).fill(0);
    p68[72] = 3;
    p68[90] = 7;
    expect(outerEyeDistance(eyes, [NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0], p68)).toBe(4);
    expect(eyeKeypoints({ keypoints: [{ name: 'nose' }] })).toBeNull();
  });
});
