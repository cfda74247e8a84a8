// The kps train bench's figures: its own epoch samples/s after the warm-up epoch, and the epoch-to-epoch cycle that includes checkpoints.
import { describe, expect, it } from 'vitest';
import { isEpochLine, kpsTrainFigures } from '../../../bench/kps-train-figures.js';

const line = (epoch: number, sps: number, seconds: number, partial = false) => ({ epoch, samples_per_s: sps, seconds, ...(partial ? { partial: true } : {}) });

describe('kpsTrainFigures', () => {
  it('takes the median of the full epochs after the first, and the cycle from the line arrivals', () => {
    // 800 samples per epoch; each checkpoint adds 2 s between one epoch line and the next.
    const f = kpsTrainFigures([
      { line: line(1, 40, 20), atMs: 21_000 },
      { line: line(2, 100, 8), atMs: 31_000 },
      { line: line(3, 80, 10), atMs: 43_000 },
      { line: line(4, 100, 8), atMs: 53_000 },
      { line: line(5, 50, 2, true), atMs: 56_000 },
    ]);
    expect(f.full_epochs).toBe(4);
    expect(f.measured_epochs).toBe(3);
    expect(f.first_epoch_samples_per_s).toBe(40);
    expect(f.samples_per_s).toBe(100);
    // 800 samples over 10, 12 and 10 s.
    expect(f.cycle_samples_per_s).toBeCloseTo(80, 6);
  });

  it('uses a lone full epoch, without a cycle figure', () => {
    const f = kpsTrainFigures([{ line: line(1, 60, 14), atMs: 15_000 }, { line: line(2, 70, 3, true), atMs: 18_000 }]);
    expect(f).toMatchObject({ full_epochs: 1, measured_epochs: 1, samples_per_s: 60, first_epoch_samples_per_s: 60, cycle_samples_per_s: null });
  });

  it('skips a cycle across a missing epoch', () => {
    const f = kpsTrainFigures([{ line: line(1, 50, 16), atMs: 0 }, { line: line(3, 100, 8), atMs: 100_000 }]);
    expect(f.cycle_samples_per_s).toBeNull();
  });

  it('reports nothing measured as an error instead of a figure', () => {
    expect(() => kpsTrainFigures([])).toThrow(/no complete epoch to measure/);
    expect(() => kpsTrainFigures([{ line: line(1, 30, 5, true), atMs: 5000 }])).toThrow(/no complete epoch to measure \(1 epoch line/);
  });
});

describe('isEpochLine', () => {
  it('tells an epoch line from the run summary', () => {
    expect(isEpochLine({ run: 'r', epoch: 2, samples_per_s: 90.5, seconds: 9.1, train_loss: 0.01 })).toBe(true);
    expect(isEpochLine({ run: 'r', status: 'done', epochs: 4, train_seconds: 60 })).toBe(false);
  });
});
