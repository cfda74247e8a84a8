// The training loop's callback points (in the spirit of tfjs-layers' callbacks), shared by the loop and each callback.
// The types here are structural on purpose: callbacks import nothing from trainer.ts, so there is no import cycle.

/** Where the loop is about to run a step. Epochs are 0-based here. */
export interface StepAt {
  epoch: number;
  step: number;
}

/** One finished training step, as the loop reports it to afterStep. */
export interface StepReport extends StepAt {
  steps: number;
  loss: number;
  lr: number;
  /** Training samples seen so far in this epoch. */
  seen: number;
}

/** One finished (or cut short) epoch, as the loop reports it to onEpochEnd. */
export interface EpochEnd<M extends { best?: boolean } = { best?: boolean }> {
  epoch: number;
  /** True when the epoch was cut short (time limit or cancel). */
  partial: boolean;
  /** Lower is better: validation RMSE, or the training loss without a validation split. */
  score: number;
  /** The epoch's record; callbacks may mark it (checkpoint sets `best`). */
  metrics: M;
}

/** A callback's answer: nothing to go on, or a stop with the reason the run reports. */
export type Verdict = { stop: string; cancelled?: boolean } | void;

export interface TrainCallback<M extends { best?: boolean } = { best?: boolean }> {
  /** After the loop has set the epoch up (optimiser, shuffled order), before its first step. */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** Before each step; the first stop ends the epoch there (the later callbacks are not asked). */
  beforeStep?(at: StepAt): Verdict | Promise<Verdict>;
  /** After each step's update. Throwing ends the run with that error. */
  afterStep?(r: StepReport): void | Promise<void>;
  /** After each epoch's validation; every callback runs, and the first stop (in list order) ends the run. */
  onEpochEnd?(end: EpochEnd<M>): Verdict | Promise<Verdict>;
}

/** The run's wall clock, less the time spent paused; `now` is injectable for tests. */
export interface RunClock {
  now(): number;
  /** Milliseconds of training so far (including time before a resume, excluding pauses). */
  elapsedMs(): number;
  /** Time spent paused: it does not count against the time limit or samples/s. */
  addPause(ms: number): void;
}

export function runClock(elapsedBeforeMs = 0, now: () => number = Date.now): RunClock {
  let start = now() - elapsedBeforeMs;
  return {
    now,
    elapsedMs: () => now() - start,
    addPause(ms) {
      start += ms;
    },
  };
}
