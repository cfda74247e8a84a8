// Early stopping on its own: stops after `patience` epochs without improvement, keeps the best epoch, resumes its count.
import { describe, expect, it } from 'vitest';
import { EarlyStopCallback } from '../../../../src-main/train/callbacks/early-stop.js';
import { CheckpointCallback } from '../../../../src-main/train/callbacks/checkpoint.js';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import type { EpochEnd } from '../../../../src-main/train/callbacks/types.js';
import { fakeBody, type FakeMetrics } from './fakes.js';

const end = (epoch: number, score: number): EpochEnd<FakeMetrics> => ({ epoch, partial: false, score, metrics: { epoch: epoch + 1 } });

describe('EarlyStopCallback', () => {
  it('stops on the patience-th epoch without improvement and remembers the best epoch', () => {
    const cb = new EarlyStopCallback(2);
    const scores = [3, 2, 2.5, 2.4, 1];
    const verdicts = scores.map((s, i) => cb.onEpochEnd(end(i, s)));
    expect(verdicts.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(verdicts[3]).toEqual({ stop: 'early stopping: no validation improvement for 2 epochs' });
    expect(cb.state()).toMatchObject({ best: 1, bestEpoch: 4, bad: 0 });
  });

  it('with patience 0 never stops', () => {
    const cb = new EarlyStopCallback(0);
    for (let i = 0; i < 20; i++) expect(cb.onEpochEnd(end(i, 5 + i))).toBeUndefined();
    expect(cb.state()).toEqual({ best: 5, bestEpoch: 0, bad: 19 });
  });

  it('continues the count of a resumed run', () => {
    const cb = new EarlyStopCallback(2, { best: 2, bestEpoch: 1, bad: 1 });
    expect(cb.onEpochEnd(end(3, 2.2))).toEqual({ stop: 'early stopping: no validation improvement for 2 epochs' });
    expect(cb.state().bestEpoch).toBe(1);
  });

  it('in the loop: the run ends `patience` epochs after the best one, and the best checkpoint stays that epoch', async () => {
    const body = fakeBody({ epochs: 10, steps: 2, scores: [3, 2, 2.5, 2.4, 2.6, 1] });
    const bestSaved: number[] = [];
    const checkpoint = new CheckpointCallback<FakeMetrics>({ saveBest: async (e) => void bestSaved.push(e.epoch), saveLast: async () => undefined });
    const result = await runLoop(body, [new EarlyStopCallback(3), checkpoint]);
    expect(result).toEqual({ stopReason: 'early stopping: no validation improvement for 3 epochs', cancelled: false });
    expect(body.ended.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(bestSaved).toEqual([0, 1]);
    expect(checkpoint.bestEpoch).toBe(2);
    expect(body.ended.map((e) => e.metrics.best === true)).toEqual([true, true, false, false, false]);
  });
});
