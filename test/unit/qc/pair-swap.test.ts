// Label QC's within-group swap detection (issue 11 item 4): two keypoints of one group exchanged, and moves offered only with evidence.
import { describe, expect, it } from 'vitest';
import { chi2Score, sameGroupPairs, scoreSamples } from '../../../src-main/qc/score.js';
import { swapPairs } from '../../../src-main/qc/shape.js';
import { kaggle, population } from './fixtures.js';

const name = (k: number): string => kaggle.keypoints[k].name;

describe('sameGroupPairs', () => {
  it('lists every pair of one group except the flip pairs (kaggle-15: 12 eye, 4 brow, 5 mouth)', () => {
    const p = sameGroupPairs(kaggle);
    expect(p).toHaveLength(21);
    expect(p).toContainEqual([4, 5]);
    expect(p).toContainEqual([13, 14]);
    expect(p).not.toContainEqual([11, 12]);
    expect(p).not.toContainEqual([2, 4]);
    for (const [a, b] of p) expect(kaggle.keypoints[a].group).toBe(kaggle.keypoints[b].group);
  });
});

describe('scoreSamples: two keypoints of a group exchanged', () => {
  const shapes = population(300, 11, 0.3);
  const full = shapes.map((s, i) => (Number.isFinite(s[2 * 4]) ? i : -1)).filter((i) => i >= 0);
  const [eyeRow, lipRow, mouthRow, movedRow] = [full[3], full[10], full[20], full[30]];
  const bad: Float64Array[] = shapes.map((s) => Float64Array.from(s));
  bad[eyeRow] = swapPairs(bad[eyeRow], [[4, 5]]); // right eye: inner and outer corner
  bad[lipRow] = swapPairs(bad[lipRow], [[13, 14]]); // top and bottom lip
  bad[mouthRow] = swapPairs(bad[mouthRow], [[11, 12]]); // mouth corners (a flip pair)
  bad[movedRow][2 * 4] += 7; // one keypoint moved: no swap explains it
  bad[movedRow][2 * 4 + 1] -= 6;
  const items = scoreSamples(bad.map((shape, i) => ({ id: i + 1, shape, prediction: null })), kaggle);
  const item = (row: number) => items.find((it) => it.sampleId === row + 1)!;

  it('finds the right eye inner/outer corner swap, names both keypoints, and offers no move of either', () => {
    const it = item(eyeRow);
    expect(it.swap?.kind).toBe('group');
    expect(it.swap?.pairs).toEqual([[4, 5]]);
    expect(it.swap?.versusMove).toBeGreaterThan(3);
    expect(it.kinds).toContain('swap');
    expect(it.reasons[0]).toContain(`${name(4)} and ${name(5)} exchanged`);
    expect(it.move === null || ![4, 5].includes(it.move.index)).toBe(true);
    expect(items.indexOf(it)).toBeLessThan(5);
  });

  it('finds a top/bottom lip swap and a mouth-corner (flip pair) swap', () => {
    expect(item(lipRow).swap).toMatchObject({ kind: 'group', pairs: [[13, 14]] });
    expect(item(mouthRow).swap).toMatchObject({ kind: 'flip', pairs: [[11, 12]] });
    expect(item(mouthRow).swap?.versusMove).toBeGreaterThan(3);
  });

  it('a single moved keypoint gets a move fix towards where it was, with its evidence, and no swap', () => {
    const it = item(movedRow);
    expect(it.swap).toBeNull();
    expect(it.move).not.toBeNull();
    const m = it.move!;
    expect(m.index).toBe(4);
    expect(m.source).toBe('shape');
    expect(m.score).toBeGreaterThanOrEqual(2);
    expect(m.from).toEqual([bad[movedRow][8], bad[movedRow][9]]);
    expect(m.distancePx).toBeCloseTo(Math.hypot(m.from[0] - m.to[0], m.from[1] - m.to[1]), 9);
    // Back within the 1 px label noise of where it was before the move.
    expect(Math.hypot(m.to[0] - shapes[movedRow][8], m.to[1] - shapes[movedRow][9])).toBeLessThan(3);
  });

  it('offers no move without evidence: every item with a move has a reason about that keypoint, and clean low scorers have none', () => {
    for (const it of items) {
      if (it.move) {
        expect(it.move.score).toBeGreaterThanOrEqual(2);
        expect(it.reasons.some((r) => r.startsWith(`${it.move!.name}:`))).toBe(true);
      }
      if (it.reasons.length === 0) expect(it.move).toBeNull();
    }
    const quiet = items.filter((it) => it.score < 1);
    expect(quiet.length).toBeGreaterThan(100);
    expect(quiet.every((it) => it.move === null && it.swap === null)).toBe(true);
  });
});

describe('chi2Score (the whole-shape gate)', () => {
  it('matches chi-square quantiles: 50.89 at 30 df is p = 0.01, 59.70 is p = 0.001, the mean is unremarkable', () => {
    expect(chi2Score(50.892, 30)).toBeCloseTo(2, 1);
    expect(chi2Score(59.703, 30)).toBeCloseTo(3, 1);
    expect(chi2Score(30, 30)).toBeLessThan(0.5);
    expect(chi2Score(0, 30)).toBe(0);
  });
});

describe('scoreSamples: the same exchange in two samples of a small project', () => {
  it('finds both, though each teaches the leave-one-out regression to expect the other (the whole-shape fit flags them)', () => {
    const bad: Float64Array[] = population(40, 5, 0).map((s) => Float64Array.from(s));
    bad[6] = swapPairs(bad[6], [[4, 5]]);
    bad[29] = swapPairs(bad[29], [[4, 5]]);
    const items = scoreSamples(bad.map((shape, i) => ({ id: i + 1, shape, prediction: null })), kaggle);
    for (const id of [7, 30]) expect(items.find((it) => it.sampleId === id)?.swap).toMatchObject({ kind: 'group', pairs: [[4, 5]] });
    expect(items.slice(0, 2).map((it) => it.sampleId).sort((a, b) => a - b)).toEqual([7, 30]);
  });
});
