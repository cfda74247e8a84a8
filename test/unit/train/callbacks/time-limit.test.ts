// The time limit on its own, on an injected clock: between steps, at epoch boundaries, and not counting pauses.
import { describe, expect, it } from 'vitest';
import { TimeLimitCallback } from '../../../../src-main/train/callbacks/time-limit.js';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import { fakeBody, fakeClock } from './fakes.js';

describe('TimeLimitCallback', () => {
  it('says stop once the elapsed time reaches the limit, and reports the share used', () => {
    const clock = fakeClock();
    const cb = new TimeLimitCallback(1, clock);
    clock.t.ms += 30_000;
    expect(cb.fraction()).toBeCloseTo(0.5, 12);
    expect(cb.beforeStep()).toBeUndefined();
    expect(cb.onEpochEnd()).toBeUndefined();
    clock.t.ms += 30_000;
    expect(cb.onEpochEnd()).toEqual({ stop: 'time limit of 1 minutes reached' });
    expect(cb.beforeStep()).toEqual({ stop: 'time limit of 1 minutes reached' });
  });

  it('without a limit never stops and its share stays 0', () => {
    const clock = fakeClock();
    const cb = new TimeLimitCallback(null, clock);
    clock.t.ms += 1e12;
    expect(cb.beforeStep()).toBeUndefined();
    expect(cb.onEpochEnd()).toBeUndefined();
    expect(cb.fraction()).toBe(0);
  });

  it('time paused does not count', () => {
    const clock = fakeClock();
    const cb = new TimeLimitCallback(1, clock);
    clock.t.ms += 90_000;
    clock.addPause(60_000);
    expect(cb.fraction()).toBeCloseTo(0.5, 12);
    expect(cb.onEpochEnd()).toBeUndefined();
  });

  it('in the loop: stops at the first epoch boundary after the deadline when it passes in an epoch\'s last step', async () => {
    const clock = fakeClock();
    // 2 steps of 16 s per epoch: epoch 2's last step starts at 48 s, before the 60 s deadline, and ends at 64 s.
    const body = fakeBody({ epochs: 10, steps: 2, onStep: () => void (clock.t.ms += 16_000) });
    const result = await runLoop(body, [new TimeLimitCallback(1, clock)]);
    expect(result).toEqual({ stopReason: 'time limit of 1 minutes reached', cancelled: false });
    expect(body.ended.map((e) => [e.epoch, e.partial])).toEqual([[0, false], [1, false]]);
    expect(body.ran).toHaveLength(4);
  });

  it('in the loop: a deadline passed mid-epoch ends that epoch early, marked partial, before the next step', async () => {
    const clock = fakeClock();
    // 3 steps of 25 s: the deadline passes in step 3 (75 s); epoch 2's first step never starts.
    const body = fakeBody({ epochs: 10, steps: 4, onStep: () => void (clock.t.ms += 25_000) });
    const result = await runLoop(body, [new TimeLimitCallback(1, clock)]);
    expect(result.stopReason).toBe('time limit of 1 minutes reached');
    expect(body.ran).toEqual([{ epoch: 0, step: 0 }, { epoch: 0, step: 1 }, { epoch: 0, step: 2 }]);
    expect(body.ended.map((e) => [e.epoch, e.partial])).toEqual([[0, true]]);
  });
});
