// The loop on a fake body: the order of the callback points, which stop wins, and where a resumed run starts.
import { describe, expect, it } from 'vitest';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import type { TrainCallback } from '../../../../src-main/train/callbacks/types.js';
import { fakeBody, type FakeMetrics } from './fakes.js';

function recorder(name: string, log: string[], stopAtEpoch?: number): TrainCallback<FakeMetrics> {
  return {
    onEpochBegin: (e) => void log.push(`${name} begin ${e}`),
    beforeStep: ({ epoch, step }) => void log.push(`${name} before ${epoch}.${step}`),
    afterStep: ({ epoch, step }) => void log.push(`${name} after ${epoch}.${step}`),
    onEpochEnd: (end) => {
      log.push(`${name} end ${end.epoch}`);
      if (end.epoch === stopAtEpoch) return { stop: `${name} stops` };
    },
  };
}

describe('runLoop', () => {
  it('calls the points in order, each callback in list order', async () => {
    const log: string[] = [];
    const result = await runLoop(fakeBody({ epochs: 1, steps: 2 }), [recorder('a', log), recorder('b', log)]);
    expect(result).toEqual({ stopReason: 'completed all epochs', cancelled: false });
    expect(log).toEqual(['a begin 0', 'b begin 0', 'a before 0.0', 'b before 0.0', 'a after 0.0', 'b after 0.0', 'a before 0.1', 'b before 0.1', 'a after 0.1', 'b after 0.1', 'a end 0', 'b end 0']);
  });

  it('at an epoch end every callback runs, and the first stop in list order is the reason', async () => {
    const log: string[] = [];
    const body = fakeBody({ epochs: 5, steps: 1 });
    const result = await runLoop(body, [recorder('a', log), recorder('b', log, 1), recorder('c', log, 1)]);
    expect(result).toEqual({ stopReason: 'b stops', cancelled: false });
    expect(log.filter((l) => l.includes('end'))).toEqual(['a end 0', 'b end 0', 'c end 0', 'a end 1', 'b end 1', 'c end 1']);
    expect(body.ran).toHaveLength(2);
  });

  it('a resumed run starts at its first epoch', async () => {
    const body = fakeBody({ epochs: 4, steps: 1, firstEpoch: 2 });
    await runLoop(body, []);
    expect(body.ended.map((e) => e.epoch)).toEqual([2, 3]);
  });

  it('a run already past its last epoch runs nothing', async () => {
    const body = fakeBody({ epochs: 3, steps: 2, firstEpoch: 3 });
    expect(await runLoop(body, [])).toEqual({ stopReason: 'completed all epochs', cancelled: false });
    expect(body.ran).toHaveLength(0);
  });
});
