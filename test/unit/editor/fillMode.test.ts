import { describe, expect, it } from 'vitest';
import type { Keypoint } from '../../../src-main/core/types.js';
import { afterPlace, isComplete, missingIndices, skipBackward, skipForward, startFill } from '../../../src-renderer/editor/fillMode.js';

const L = (x: number, y: number): Keypoint => ({ x, y, state: 'labelled' });
const M = (): Keypoint => ({ x: NaN, y: NaN, state: 'missing' });

function place(kps: Keypoint[], i: number): Keypoint[] {
  const out = kps.slice();
  out[i] = L(1, 1);
  return out;
}

describe('fill mode', () => {
  it('walks the missing keypoints in schema order and ends when the sample is complete', () => {
    let kps = [L(1, 2), M(), L(3, 4), M(), M()];
    expect(missingIndices(kps)).toEqual([1, 3, 4]);
    let s = startFill(kps);
    const visited: number[] = [];
    while (s.current !== null) {
      visited.push(s.current);
      kps = place(kps, s.current);
      s = afterPlace(s, kps);
    }
    expect(visited).toEqual([1, 3, 4]);
    expect(isComplete(kps)).toBe(true);
  });

  it('Tab skips ahead and the skipped keypoint comes back after the others', () => {
    let kps = [M(), M(), M()];
    let s = startFill(kps);
    expect(s.current).toBe(0);
    s = skipForward(s, kps);
    expect(s.current).toBe(1);
    expect(s.skipped).toEqual([0]);
    kps = place(kps, 1);
    s = afterPlace(s, kps);
    expect(s.current).toBe(2);
    kps = place(kps, 2);
    s = afterPlace(s, kps);
    expect(s.current).toBe(0);
    kps = place(kps, 0);
    s = afterPlace(s, kps);
    expect(s.current).toBeNull();
  });

  it('Shift-Tab goes back to the previous missing keypoint, wrapping', () => {
    const kps = [M(), L(0, 0), M(), M()];
    let s = startFill(kps);
    expect(s.current).toBe(0);
    s = skipBackward(s, kps);
    expect(s.current).toBe(3);
    s = skipBackward(s, kps);
    expect(s.current).toBe(2);
    s = skipForward(s, kps);
    expect(s.current).toBe(3);
  });

  it('treats NaN coordinates as missing even if the state says otherwise', () => {
    expect(missingIndices([{ x: NaN, y: 3, state: 'labelled' }, L(1, 1)])).toEqual([0]);
  });

  it('a complete sample starts with nothing to place', () => {
    expect(startFill([L(0, 0)]).current).toBeNull();
  });

  it('the eleven missing keypoints of a typical Kaggle row are visited once each', () => {
    let kps: Keypoint[] = Array.from({ length: 15 }, (_, i) => ([0, 1, 10, 14].includes(i) ? L(i, i) : M()));
    let s = startFill(kps);
    const visited: number[] = [];
    while (s.current !== null) {
      visited.push(s.current);
      kps = place(kps, s.current);
      s = afterPlace(s, kps);
    }
    expect(visited).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]);
  });
});
