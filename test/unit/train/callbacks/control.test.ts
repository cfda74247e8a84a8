// Pause and cancel on their own: no step runs while paused, pauses do not count as training time, cancel ends cancelled.
import { describe, expect, it } from 'vitest';
import { ControlCallback } from '../../../../src-main/train/callbacks/control.js';
import { TimeLimitCallback } from '../../../../src-main/train/callbacks/time-limit.js';
import { runLoop } from '../../../../src-main/train/callbacks/loop.js';
import { fakeBody, fakeClock } from './fakes.js';

const noYield = () => Promise.resolve();

describe('ControlCallback', () => {
  it('runs no step while paused, and resumes where it stopped', async () => {
    const clock = fakeClock();
    let state: 'run' | 'pause' | 'cancel' = 'run';
    const statesAtSteps: string[] = [];
    let waits = 0;
    const body = fakeBody({
      epochs: 2,
      steps: 3,
      onStep: ({ epoch, step }) => {
        statesAtSteps.push(state);
        if (epoch === 0 && step === 1) state = 'pause';
      },
    });
    const control = new ControlCallback(
      {
        control: () => state,
        waitForControl: async () => {
          waits += 1;
          clock.t.ms += 10_000;
          // The host resumes after the third message.
          if (waits === 3) state = 'run';
        },
      },
      clock,
      noYield,
    );
    const result = await runLoop(body, [control]);
    expect(result).toEqual({ stopReason: 'completed all epochs', cancelled: false });
    expect(waits).toBe(3);
    expect(statesAtSteps).toEqual(['run', 'run', 'run', 'run', 'run', 'run']);
    expect(body.ran.map((s) => `${s.epoch}.${s.step}`)).toEqual(['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']);
    // 30 s paused: none of it is training time.
    expect(clock.elapsedMs()).toBe(0);
  });

  it('a pause does not use up a time limit', async () => {
    const clock = fakeClock();
    let polls = 0;
    const body = fakeBody({ epochs: 1, steps: 3, onStep: () => void (clock.t.ms += 1_000) });
    const control = new ControlCallback(
      { control: () => (++polls === 2 ? 'pause' : 'run'), waitForControl: async () => void (clock.t.ms += 3_600_000) },
      clock,
      noYield,
    );
    const result = await runLoop(body, [control, new TimeLimitCallback(1, clock)]);
    expect(result.stopReason).toBe('completed all epochs');
    expect(body.ran).toHaveLength(3);
  });

  it('cancel ends the run cancelled, before the next step, and the time limit is not asked', async () => {
    const clock = fakeClock();
    let polls = 0;
    const body = fakeBody({ epochs: 3, steps: 4 });
    const afterControl: number[] = [];
    const result = await runLoop(body, [
      new ControlCallback({ control: () => (++polls > 5 ? 'cancel' : 'run') }, clock, noYield),
      { beforeStep: ({ step }) => void afterControl.push(step) },
    ]);
    expect(result).toEqual({ stopReason: 'cancelled', cancelled: true });
    expect(body.ran).toHaveLength(5);
    expect(afterControl).toHaveLength(5);
    // Epoch 2 was cut short after its first step.
    expect(body.ended.map((e) => [e.epoch, e.partial])).toEqual([[0, false], [1, true]]);
  });

  it('a cancel before an epoch\'s first step ends the run without recording that epoch', async () => {
    const body = fakeBody({ epochs: 3, steps: 2 });
    let polls = 0;
    const result = await runLoop(body, [new ControlCallback({ control: () => (++polls > 2 ? 'cancel' : 'run') }, fakeClock(), noYield)]);
    expect(result).toEqual({ stopReason: 'cancelled', cancelled: true });
    expect(body.ended.map((e) => e.epoch)).toEqual([0]);
  });

  it('without hooks it runs', async () => {
    expect(await new ControlCallback({}, fakeClock(), noYield).beforeStep()).toBeUndefined();
  });
});
