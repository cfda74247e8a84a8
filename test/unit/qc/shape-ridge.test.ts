// The shape model's ridge is counted in reference shapes (ShapePopulation's `ridge`), so that a large population's
// regression uses its neighbours' information instead of shrinking towards the mean shape (issue 10 item 9).
import { describe, expect, it } from 'vitest';
import { ShapePopulation } from '../../../src-main/qc/shape.js';
import { Rng } from '../../../src-main/train/rng.js';
import { gauss, MEAN } from './fixtures.js';

/**
 * n full 15-point faces with two deformations: a large one that says nothing about the lips (each point's x moved by
 * its own share of a 6 px sideways turn), and the mouth opening by a small random amount (sd 1 px: the top lip up,
 * the bottom lip down), with 0.1 px label noise. The bottom lip is known from the top lip, but that offset's variance is
 * far below the features' mean, which the large deformation sets: a ridge scaled by the mean variance shrinks it.
 */
function openingMouths(n: number, seed: number): Float64Array[] {
  const r = new Rng(seed);
  const share = Array.from({ length: 15 }, () => 2 * r.next() - 1);
  return Array.from({ length: n }, () => {
    const turn = 6 * gauss(r);
    const u = gauss(r);
    const s = Float64Array.from(MEAN, (v) => v + 0.1 * gauss(r));
    for (let k = 0; k < 15; k++) s[2 * k] += share[k] * turn;
    s[2 * 13 + 1] -= u; // top lip
    s[2 * 14 + 1] += u; // bottom lip
    return s;
  });
}

/** Median distance, over the faces, of the bottom lip's leave-one-out expectation from its label. */
function bottomLipError(pop: ShapePopulation, shapes: Float64Array[]): number {
  const d = shapes.map((s) => pop.leaveOneOut(s)[14]!.distancePx).sort((a, b) => a - b);
  return d[d.length >> 1];
}

describe('ShapePopulation ridge (in reference shapes)', () => {
  const shapes = openingMouths(600, 3);
  // The default ridge's error, measured once for both tests.
  const light = bottomLipError(new ShapePopulation(shapes, 15), shapes);

  it('on 600 faces, the default predicts the bottom lip from the top lip to within the label noise', () => {
    // The noise alone: 0.1 px per coordinate on the lip and on the top lip that predicts it (measured: 0.16 px; 0.31 with a ridge of 30 shapes).
    expect(light).toBeLessThan(0.25);
  });

  it('a ridge of 30 shapes (the earlier 0.05 of the summed variance, on 600 faces) shrinks towards the mean and misses by more', () => {
    const heavy = bottomLipError(new ShapePopulation(shapes, 15, { ridge: 30 }), shapes);
    expect(heavy).toBeGreaterThan(1.5 * light);
  });
});
