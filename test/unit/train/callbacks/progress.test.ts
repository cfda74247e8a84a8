// Progress on its own: step reports in order (throttled, the last step of each epoch always), then each epoch's record.
import { describe, expect, it } from 'vitest';
import { ProgressCallback, type ProgressReport } from '../../../../src-main/train/callbacks/progress.js';
import { CheckpointCallback } from '../../../../src-main/train/callbacks/checkpoint.js';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import { fakeBody, fakeClock, type FakeMetrics } from './fakes.js';

describe('ProgressCallback', () => {
  it('emits step reports in order, at most every 250 ms and at each epoch\'s last step, then the epoch', async () => {
    const clock = fakeClock();
    const events: string[] = [];
    const reports: ProgressReport[] = [];
    // 100 ms a step: reports at 300 ms intervals plus each last step.
    const body = fakeBody({ epochs: 2, steps: 5, onStep: () => void (clock.t.ms += 100) });
    const cb = new ProgressCallback<FakeMetrics>(
      {
        progress: (p) => {
          reports.push(p);
          events.push(`progress ${p.epoch}.${p.step}`);
        },
        epoch: (e) => void events.push(`epoch ${e.epoch}`),
      },
      clock,
      { epochs: 2, batch: 4, trainSamples: 20 },
    );
    await runLoop(body, [cb]);
    expect(events).toEqual(['progress 1.1', 'progress 1.4', 'progress 1.5', 'epoch 1', 'progress 2.3', 'progress 2.5', 'epoch 2']);
    // Step 4 of epoch 1: 16 samples in 0.4 s; 1 step of 4 and one epoch of 20 left.
    const r = reports[1];
    expect(r).toEqual({ epoch: 1, epochs: 2, step: 4, steps: 5, loss: 1 / 4, lr: 0.01, samples_per_s: 40, eta_s: 24 / 40, elapsed_s: 0.4 });
    expect(reports.at(-1)?.eta_s).toBe(0);
  });

  it('reports the epoch after its checkpoint is saved when it comes after the checkpoint callback', async () => {
    const events: string[] = [];
    const checkpoint = new CheckpointCallback<FakeMetrics>({
      saveBest: async () => {
        await new Promise((r) => setTimeout(r, 5));
        events.push('best saved');
      },
      saveLast: async () => {
        await new Promise((r) => setTimeout(r, 5));
        events.push('last saved');
      },
    });
    const progress = new ProgressCallback<FakeMetrics>({ epoch: (e) => void events.push(`epoch ${e.epoch}${e.best ? ' best' : ''}`) }, fakeClock(), { epochs: 2, batch: 4, trainSamples: 8 });
    await runLoop(fakeBody({ epochs: 2, steps: 2, scores: [2, 3] }), [checkpoint, progress]);
    expect(events).toEqual(['best saved', 'last saved', 'epoch 1 best', 'last saved', 'epoch 2']);
  });

  it('without a progress hook emits nothing and still reports epochs', async () => {
    const epochs: number[] = [];
    await runLoop(fakeBody({ epochs: 3, steps: 2 }), [new ProgressCallback<FakeMetrics>({ epoch: (e) => void epochs.push(e.epoch) }, fakeClock(), { epochs: 3, batch: 4, trainSamples: 8 })]);
    expect(epochs).toEqual([1, 2, 3]);
  });
});
