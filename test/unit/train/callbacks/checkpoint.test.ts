// Checkpoints on their own (fake saver): the best model only on improvement, the last one after whole epochs only.
import { describe, expect, it } from 'vitest';
import { CheckpointCallback, type CheckpointSaver } from '../../../../src-main/train/callbacks/checkpoint.js';
import type { EpochEnd } from '../../../../src-main/train/callbacks/types.js';
import type { FakeMetrics } from './fakes.js';

function fakeSaver(): CheckpointSaver<FakeMetrics> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    saveBest: async (e) => void calls.push(`best ${e.epoch + 1}`),
    saveLast: async () => void calls.push('last'),
  };
}

const end = (epoch: number, score: number, partial = false): EpochEnd<FakeMetrics> => ({ epoch, partial, score, metrics: { epoch: epoch + 1 } });

describe('CheckpointCallback', () => {
  it('saves the best model only when the score improves, and marks that epoch best', async () => {
    const saver = fakeSaver();
    const cb = new CheckpointCallback(saver);
    const ends = [end(0, 3), end(1, 2), end(2, 2), end(3, 2.5), end(4, 1)];
    for (const e of ends) await cb.onEpochEnd(e);
    expect(saver.calls).toEqual(['best 1', 'last', 'best 2', 'last', 'last', 'last', 'best 5', 'last']);
    expect(ends.map((e) => e.metrics.best === true)).toEqual([true, true, false, false, true]);
    expect([cb.bestScore, cb.bestEpoch]).toEqual([1, 5]);
  });

  it('keeps the last checkpoint at the previous whole epoch when an epoch is cut short (the best may still improve)', async () => {
    const saver = fakeSaver();
    const cb = new CheckpointCallback(saver);
    await cb.onEpochEnd(end(0, 3));
    await cb.onEpochEnd(end(1, 2, true));
    await cb.onEpochEnd(end(2, 5, true));
    expect(saver.calls).toEqual(['best 1', 'last', 'best 2']);
  });

  it('a resumed run compares with the best so far', async () => {
    const saver = fakeSaver();
    const cb = new CheckpointCallback(saver, { bestScore: 2, bestEpoch: 4 });
    await cb.onEpochEnd(end(4, 2.5));
    expect(saver.calls).toEqual(['last']);
    expect(cb.bestEpoch).toBe(4);
  });

  it('a failed save fails the epoch', async () => {
    const cb = new CheckpointCallback<FakeMetrics>({ saveBest: () => Promise.reject(new Error('disk full')), saveLast: async () => undefined });
    await expect(cb.onEpochEnd(end(0, 1))).rejects.toThrow('disk full');
  });
});
