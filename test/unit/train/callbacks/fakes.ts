// Fakes for the training loop's callback tests: a body without a model, and a clock the test moves.
import type { LoopBody } from '../../../../src-main/train/callbacks/loop.js';
import { runClock, type EpochEnd, type RunClock, type StepAt } from '../../../../src-main/train/callbacks/types.js';

export interface FakeMetrics {
  epoch: number;
  partial?: boolean;
  best?: boolean;
}

export interface FakeBody extends LoopBody<FakeMetrics> {
  /** Every step that ran, in order. */
  ran: StepAt[];
  /** Every epoch that ended, in order. */
  ended: EpochEnd<FakeMetrics>[];
}

/** A body whose epoch scores are given (score[i] for epoch i); `onStep` runs inside each step (to move a clock). */
export function fakeBody(o: { epochs: number; steps: number; firstEpoch?: number; scores?: number[]; onStep?: (at: StepAt) => void }): FakeBody {
  const ran: StepAt[] = [];
  const ended: EpochEnd<FakeMetrics>[] = [];
  return {
    firstEpoch: o.firstEpoch ?? 0,
    epochs: o.epochs,
    steps: o.steps,
    ran,
    ended,
    beginEpoch() {},
    async step(epoch, step) {
      o.onStep?.({ epoch, step });
      ran.push({ epoch, step });
      return { epoch, step, steps: o.steps, loss: 1 / (1 + epoch * o.steps + step), lr: 0.01, seen: (step + 1) * 4 };
    },
    async endEpoch(epoch, partial) {
      const end = { epoch, partial, score: o.scores?.[epoch] ?? 1, metrics: { epoch: epoch + 1, ...(partial ? { partial: true } : {}) } };
      ended.push(end);
      return end;
    },
  };
}

/** A run clock on a fake time in milliseconds. */
export function fakeClock(startMs = 1_000_000): RunClock & { t: { ms: number } } {
  const t = { ms: startMs };
  return Object.assign(runClock(0, () => t.ms), { t });
}
