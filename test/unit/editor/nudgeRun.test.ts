import { describe, expect, it } from 'vitest';
import { NUDGE_RUN_MS, NudgeRuns } from '../../../src-renderer/editor/nudgeRun.js';

describe('runs of nudges', () => {
  it('continues the acknowledged action for nudges of one keypoint close in time', () => {
    const runs = new NudgeRuns();
    const a = runs.nudge(1, 2, 0);
    expect(a.mergeInto()).toBeUndefined();
    a.acknowledged(10);
    const b = runs.nudge(1, 2, 100);
    expect(b.mergeInto()).toBe(10);
    b.acknowledged(10);
    // The pause is measured from the last nudge, not the first.
    const c = runs.nudge(1, 2, 100 + NUDGE_RUN_MS);
    expect(c.mergeInto()).toBe(10);
  });

  it('starts a new action for another keypoint, another sample, a pause, or after another action', () => {
    const runs = new NudgeRuns();
    runs.nudge(1, 2, 0).acknowledged(10);
    expect(runs.nudge(1, 3, 10).mergeInto()).toBeUndefined();
    runs.nudge(1, 3, 20).acknowledged(11);
    expect(runs.nudge(2, 3, 30).mergeInto()).toBeUndefined();
    runs.nudge(2, 3, 40).acknowledged(12);
    expect(runs.nudge(2, 3, 41 + NUDGE_RUN_MS).mergeInto()).toBeUndefined();
    runs.nudge(5, 0, 0).acknowledged(13);
    runs.end();
    expect(runs.nudge(5, 0, 1).mergeInto()).toBeUndefined();
  });

  it('reads the action when the save is sent, and follows a new action when the store did not continue', () => {
    const runs = new NudgeRuns();
    const a = runs.nudge(1, 0, 0);
    // The second nudge is made before the first one's answer: its save (sent after) still continues the run.
    const b = runs.nudge(1, 0, 50);
    a.acknowledged(20);
    expect(b.mergeInto()).toBe(20);
    // The store made a new action (another window edited in between): later nudges continue that one.
    b.acknowledged(21);
    expect(runs.nudge(1, 0, 60).mergeInto()).toBe(21);
    // An answer of 0 (nothing changed) keeps the run's action; a stale link of an ended run changes nothing.
    const c = runs.nudge(1, 0, 70);
    c.acknowledged(0);
    expect(runs.nudge(1, 0, 80).mergeInto()).toBe(21);
    runs.end();
    c.acknowledged(99);
    expect(c.mergeInto()).toBeUndefined();
  });
});
