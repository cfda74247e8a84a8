// The augmentation bench's A/B decision: the median per-round slowdown decides, and a side that was not measured is an error.
import { describe, expect, it } from 'vitest';
import { abSlowdown, roundOrder } from '../../../bench/ab.js';

describe('abSlowdown', () => {
  it('passes or fails on the median of the per-round slowdowns', () => {
    const rounds = [
      { off: 0.4, on: 0.44 },
      { off: 0.5, on: 0.55 },
      { off: 0.4, on: 0.8 }, // one disturbed round
    ];
    const v = abSlowdown(rounds, 0.15);
    expect('error' in v).toBe(false);
    if ('error' in v) return;
    expect(v.slowdown).toBeCloseTo(0.1, 9);
    expect(v.perRound.map((x) => Number(x.toFixed(3)))).toEqual([0.1, 0.1, 1]);
    expect(v.pass).toBe(true);
    expect(abSlowdown(rounds, 0.05)).toMatchObject({ pass: false });
  });

  it('takes the middle two of an even number of rounds', () => {
    const v = abSlowdown([{ off: 1, on: 1.1 }, { off: 1, on: 1.3 }], 0.15);
    expect('slowdown' in v && v.slowdown).toBeCloseTo(0.2, 9);
    expect(v).toMatchObject({ pass: false });
  });

  it('counts a faster augmented side as no slowdown against the target (negative figure kept)', () => {
    const v = abSlowdown([{ off: 1, on: 0.9 }], 0.15);
    expect(v).toMatchObject({ pass: true });
    expect('slowdown' in v && v.slowdown).toBeCloseTo(-0.1, 9);
  });

  it('reports an error, not a figure, when a side was not measured', () => {
    expect(abSlowdown([], 0.15)).toEqual({ error: 'no A/B round was measured' });
    expect(abSlowdown([{ off: 0.4, on: 0.5 }, { off: NaN, on: 0.5 }], 0.15)).toEqual({ error: 'round 2: the step time with augmentation off was not measured (NaN)' });
    expect(abSlowdown([{ off: 0.4, on: 0 }], 0.15)).toEqual({ error: 'round 1: the step time with augmentation on was not measured (0)' });
  });
});

describe('roundOrder', () => {
  it('alternates which side goes first', () => {
    expect([0, 1, 2, 3].map(roundOrder)).toEqual([[false, true], [true, false], [false, true], [true, false]]);
  });
});
