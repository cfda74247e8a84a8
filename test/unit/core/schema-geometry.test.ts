// Geometry helpers used with schemas: flips with pair swaps, similarity fits, Procrustes mean shapes.
import { describe, expect, it } from 'vitest';
import {
  alignTo,
  applySimilarity,
  fitSimilarity,
  flipHorizontal,
  mirrorX,
  procrustesMean,
  rmsDistance,
  swapPairs,
  type Point2,
} from '../../../src-main/core/geometry.js';

const square: Point2[] = [
  { x: 0, y: 0 },
  { x: 2, y: 0 },
  { x: 2, y: 1 },
  { x: 0, y: 1 },
];

describe('flips', () => {
  it('mirrors pixel centres with x\' = W - 1 - x and swaps pairs', () => {
    expect(mirrorX([{ x: 0, y: 3 }, { x: 95, y: 4 }], 96)).toEqual([{ x: 95, y: 3 }, { x: 0, y: 4 }]);
    const flipped = flipHorizontal([{ x: 10, y: 1 }, { x: 80, y: 2 }, { x: 47.5, y: 3 }], 96, [[0, 1]]);
    expect(flipped).toEqual([{ x: 15, y: 2 }, { x: 85, y: 1 }, { x: 47.5, y: 3 }]);
    // Flipping twice gives the original back.
    expect(flipHorizontal(flipped, 96, [[0, 1]])).toEqual([{ x: 10, y: 1 }, { x: 80, y: 2 }, { x: 47.5, y: 3 }]);
    expect(swapPairs(square, [[0, 2]])[0]).toEqual({ x: 2, y: 1 });
  });
});

describe('similarity fit', () => {
  it('recovers a known scale, rotation and shift exactly', () => {
    const t = { a: 2 * Math.cos(0.3), b: 2 * Math.sin(0.3), tx: 5, ty: -7 };
    const moved = applySimilarity(t, square);
    const fit = fitSimilarity(square, moved)!;
    expect(fit.a).toBeCloseTo(t.a, 12);
    expect(fit.b).toBeCloseTo(t.b, 12);
    expect(fit.tx).toBeCloseTo(5, 12);
    expect(fit.ty).toBeCloseTo(-7, 12);
    expect(alignTo(square, moved).rms).toBeLessThan(1e-12);
  });

  it('skips missing points and needs two shared points', () => {
    const withGap = [...square.slice(0, 3), { x: NaN, y: NaN }];
    const target = applySimilarity({ a: 1, b: 0, tx: 3, ty: 4 }, square);
    target[3] = { x: 999, y: 999 }; // would spoil the fit if it were used
    expect(alignTo(withGap, target).rms).toBeLessThan(1e-12);
    expect(fitSimilarity([{ x: 1, y: 1 }, { x: NaN, y: 0 }], [{ x: 0, y: 0 }, { x: 1, y: 1 }])).toBeNull();
    expect(rmsDistance([{ x: NaN, y: 0 }], [{ x: 0, y: 0 }])).toBeNaN();
  });

  it('does not reflect: a mirrored shape keeps a residual', () => {
    const tri: Point2[] = [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 1, y: 3 }];
    expect(alignTo(mirrorX(tri, 10), tri).rms).toBeGreaterThan(0.5);
  });
});

describe('Procrustes mean', () => {
  it('is the common shape of copies under different similarities, at unit size', () => {
    const shapes = [0, 0.5, 1, 1.5].map((r, i) => applySimilarity({ a: (1 + i) * Math.cos(r), b: (1 + i) * Math.sin(r), tx: i * 10, ty: -i }, square));
    const mean = procrustesMean(shapes);
    for (const s of shapes) expect(alignTo(s, mean).rms).toBeLessThan(1e-9);
    const radius = Math.sqrt(mean.reduce((acc, p) => acc + p.x * p.x + p.y * p.y, 0) / mean.length);
    expect(radius).toBeCloseTo(1, 9);
  });
});
