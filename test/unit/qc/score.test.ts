import { describe, expect, it } from 'vitest';
import { scoreSamples } from '../../../src-main/qc/score.js';
import { ShapePopulation, swapChanges, swapPairs } from '../../../src-main/qc/shape.js';
import { recallAt } from '../../../src-main/qc/recall.js';
import { kaggle, population } from './fixtures.js';

describe('swapPairs / swapChanges', () => {
  it('exchanges the coordinates of each pair and leaves the rest', () => {
    const s = Float64Array.from([1, 2, 3, 4, 5, 6, NaN, NaN]);
    const t = swapPairs(s, [[0, 1], [2, 3]]);
    expect(Array.from(t.slice(0, 6))).toEqual([3, 4, 1, 2, NaN, NaN]);
    expect(Array.from(t.slice(6))).toEqual([5, 6]);
    expect(swapChanges(s, [[2, 3]])).toBe(true);
    expect(swapChanges(Float64Array.from([1, 2, NaN, NaN, NaN, NaN]), [[1, 2]])).toBe(false);
  });
});

describe('ShapePopulation.leaveOneOut', () => {
  it('puts a moved keypoint far from where the others expect it, and a clean one near', () => {
    const shapes = population(300, 1, 0);
    const pop = new ShapePopulation(shapes, 15);
    const clean = pop.leaveOneOut(shapes[5]);
    expect(clean[10]?.distancePx).toBeLessThan(4);
    const moved = Float64Array.from(shapes[5]);
    moved[2 * 10] += 9;
    moved[2 * 10 + 1] -= 5;
    const res = pop.leaveOneOut(moved);
    expect(res[10]?.distancePx).toBeGreaterThan(7);
    // The expectation points back at where the label was before the move (within the 1 px noise).
    expect(Math.hypot((res[10]?.expected[0] ?? 0) - shapes[5][20], (res[10]?.expected[1] ?? 0) - shapes[5][21])).toBeLessThan(3);
    const worst = res.map((r, k) => [r?.d2 ?? 0, k] as const).sort((a, b) => b[0] - a[0])[0][1];
    expect(worst).toBe(10);
  });

  it('a mirrored (left/right swapped) full shape fits the population far worse than the original', () => {
    const shapes = population(300, 2, 0);
    const pop = new ShapePopulation(shapes, 15);
    const orig = pop.patternCost(shapes[3]) as number;
    const mirrored = pop.patternCost(swapPairs(shapes[3], kaggle.flipPairs)) as number;
    expect(orig).toBeLessThan(60);
    expect(mirrored).toBeGreaterThan(10 * orig);
  });
});

describe('scoreSamples', () => {
  const shapes = population(400, 3);
  const swapped = [7, 50, 123];
  const moved = [11, 60, 200, 333];
  const bad: Float64Array[] = shapes.map((s) => Float64Array.from(s));
  for (const i of swapped) bad[i] = swapPairs(bad[i], kaggle.flipPairs);
  for (const i of moved) {
    const k = Number.isFinite(bad[i][20]) ? 10 : 14;
    bad[i][2 * k] += 12;
  }
  const items = scoreSamples(bad.map((shape, i) => ({ id: i + 1, shape, prediction: null })), kaggle);

  it('ranks injected swaps first, names them as swaps and explains why', () => {
    const top = items.slice(0, swapped.length).map((i) => i.sampleId - 1).sort((a, b) => a - b);
    expect(top).toEqual(swapped);
    for (const it of items.slice(0, swapped.length)) {
      expect(it.kinds).toContain('swap');
      expect(it.reasons[0]).toMatch(/left\/right swap/);
    }
  });

  it('flags moved keypoints with the right suspect and a shape reason, and leaves clean samples unremarkable', () => {
    const ranks = moved.map((i) => items.findIndex((it) => it.sampleId === i + 1));
    // 7 errors among 400 samples: every one within the first 5% of the queue.
    for (const r of ranks) expect(r).toBeLessThan(20);
    for (const i of moved) {
      const it = items.find((x) => x.sampleId === i + 1)!;
      expect([10, 14]).toContain(it.suspect);
      expect(it.reasons.join(' ')).toMatch(/px from where the other labelled keypoints put it/);
    }
    const cleanScores = items.filter((it) => !swapped.includes(it.sampleId - 1) && !moved.includes(it.sampleId - 1)).map((it) => it.score).sort((a, b) => a - b);
    expect(cleanScores[Math.floor(cleanScores.length / 2)]).toBeLessThan(1);
  });

  it('uses held-out predictions: a label far from its prediction is blamed on that keypoint with a model reason', () => {
    const preds = shapes.map((s) => Float64Array.from(s, (v) => v + 0.5));
    const withModel = shapes.map((s) => Float64Array.from(s));
    withModel[42][2 * 0] += 10; // left eye centre, 4-point or full row
    const ranked = scoreSamples(withModel.map((shape, i) => ({ id: i + 1, shape, prediction: preds[i], predictionSource: 'fold 1 of 4' })), kaggle);
    expect(ranked[0].sampleId).toBe(43);
    expect(ranked[0].suspect).toBe(0);
    expect(ranked[0].kinds).toContain('model');
    expect(ranked[0].reasons.join(' ')).toMatch(/left_eye_center: 9\.5 px from the prediction of a model that did not train on it \(fold 1 of 4\)/);
    const blame = ranked[0].keypoints[0];
    expect(blame.index).toBe(0);
    expect(blame.modelDistancePx).toBeCloseTo(Math.hypot(9.5, 0.5), 5);
  });
});

describe('recallAt', () => {
  it('counts error records within the first round(f * total) of the queue', () => {
    const r = recallAt([5, 1, 9, 2, 7, 3, 4, 6, 8, 10], [{ record: 5 }, { record: 2 }, { record: 10 }], 10, [0.2, 0.5, 1]);
    expect(r.map((x) => x.found)).toEqual([1, 2, 3]);
    expect(r[1].recall).toBeCloseTo(2 / 3);
  });
});
