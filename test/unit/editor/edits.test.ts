import { describe, expect, it } from 'vitest';
import type { Keypoint } from '../../../src-main/core/types.js';
import { applyEdits, deleteEdit, moveEdit, nudgeEdit, outsideImage, parseCoord, toggleOccludedEdit, formatCoord } from '../../../src-renderer/editor/edits.js';
import { nextWithMissing, stepInOrder, neighbours } from '../../../src-renderer/editor/navigation.js';

const img = { width: 96, height: 96 };
const L = (x: number, y: number): Keypoint => ({ x, y, state: 'labelled' });

describe('keypoint edits', () => {
  it('nudges by the given step and clamps to the image edges', () => {
    expect(nudgeEdit(2, L(10, 10), 0.5, 0, img)).toEqual({ index: 2, x: 10.5, y: 10, state: 'labelled' });
    expect(nudgeEdit(2, L(10, 10), 0, -5, img)).toEqual({ index: 2, x: 10, y: 5, state: 'labelled' });
    expect(nudgeEdit(0, L(94, 1), 5, -5, img)).toEqual({ index: 0, x: 95.5, y: -0.5, state: 'labelled' });
  });

  it('keeps the precision of imported values when nudging, rounds pointer positions to 1/100 px', () => {
    expect(nudgeEdit(0, L(65.8378, 10.0101), 0.5, 0, img)).toEqual({ index: 0, x: 66.3378, y: 10.0101, state: 'labelled' });
    expect(moveEdit(0, L(1, 1), 12.34567, 8.999, img)).toEqual({ index: 0, x: 12.35, y: 9, state: 'labelled' });
    expect(moveEdit(0, L(1, 1), 12.34567, 8.999, img, false)).toEqual({ index: 0, x: 12.34567, y: 8.999, state: 'labelled' });
  });

  it('cannot nudge or occlude a missing keypoint', () => {
    const m: Keypoint = { x: NaN, y: NaN, state: 'missing' };
    expect(nudgeEdit(0, m, 0.5, 0, img)).toBeNull();
    expect(toggleOccludedEdit(0, m)).toBeNull();
  });

  it('moving keeps occluded, places a missing one as labelled', () => {
    expect(moveEdit(1, { x: 3, y: 3, state: 'occluded' }, 7.123, 8, img).state).toBe('occluded');
    expect(moveEdit(1, { x: NaN, y: NaN, state: 'missing' }, 7.123, 8, img)).toEqual({ index: 1, x: 7.12, y: 8, state: 'labelled' });
  });

  it('toggles occluded both ways and deletes to NaN', () => {
    expect(toggleOccludedEdit(4, L(1, 2))).toEqual({ index: 4, x: 1, y: 2, state: 'occluded' });
    expect(toggleOccludedEdit(4, { x: 1, y: 2, state: 'occluded' })).toEqual({ index: 4, x: 1, y: 2, state: 'labelled' });
    const d = deleteEdit(3);
    expect(d.state).toBe('missing');
    expect(Number.isNaN(d.x) && Number.isNaN(d.y)).toBe(true);
  });

  it('applies edits to a copy', () => {
    const kps = [L(1, 1), L(2, 2)];
    const out = applyEdits(kps, [deleteEdit(0), { index: 1, x: 5, y: 6, state: 'occluded' }]);
    expect(kps[0]).toEqual(L(1, 1));
    expect(out[0].state).toBe('missing');
    expect(Number.isNaN(out[0].x)).toBe(true);
    expect(out[1]).toEqual({ x: 5, y: 6, state: 'occluded' });
  });

  it('parses typed numbers, accepting a decimal comma', () => {
    expect(parseCoord(' 12,5 ')).toBe(12.5);
    expect(parseCoord('abc')).toBeNull();
    expect(parseCoord('')).toBeNull();
    expect(formatCoord(NaN)).toBe('');
    expect(formatCoord(1.23456)).toBe('1.23');
  });
});

describe('typed coordinates', () => {
  it('refuses values outside the image with a message instead of clamping them', () => {
    const img = { width: 96, height: 96 };
    expect(outsideImage(200, 10, img)).toBe('x = 200 is outside the image (x from -0.5 to 95.5, y from -0.5 to 95.5): not saved');
    expect(outsideImage(-1, 96, img)).toBe('x = -1 and y = 96 are outside the image (x from -0.5 to 95.5, y from -0.5 to 95.5): not saved');
    for (const [x, y] of [[-0.5, -0.5], [95.5, 95.5], [0, 0], [48.25, 12]]) expect(outsideImage(x, y, img)).toBeNull();
  });
});

describe('sample navigation', () => {
  const order = [5, 9, 2, 7];
  it('steps through the given order without wrapping', () => {
    expect(stepInOrder(order, 9, 1)).toBe(2);
    expect(stepInOrder(order, 9, -1)).toBe(5);
    expect(stepInOrder(order, 7, 1)).toBeNull();
    expect(stepInOrder(order, 5, -1)).toBeNull();
  });
  it('finds the next sample with missing keypoints, wrapping once', () => {
    expect(nextWithMissing(order, 9, new Set([7, 5]))).toBe(7);
    expect(nextWithMissing(order, 7, new Set([7, 5]))).toBe(5);
    expect(nextWithMissing(order, 7, new Set([7]))).toBeNull();
  });
  it('lists neighbours nearest first', () => {
    expect(neighbours(order, 2)).toEqual([7, 9, 5]);
  });
});
