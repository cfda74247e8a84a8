// The wall-clock limit (--minutes): checked before each step and again at each epoch boundary.
import type { RunClock, TrainCallback, Verdict } from './types.js';

export class TimeLimitCallback implements TrainCallback {
  readonly limitMs: number;
  constructor(
    readonly minutes: number | null,
    private readonly clock: RunClock,
  ) {
    this.limitMs = minutes === null ? Infinity : minutes * 60_000;
  }

  reached(): boolean {
    return this.clock.elapsedMs() >= this.limitMs;
  }

  /** Share of the limit used so far (0 without a limit): the time-based schedules read it. */
  fraction(): number {
    return Number.isFinite(this.limitMs) ? this.clock.elapsedMs() / this.limitMs : 0;
  }

  private verdict(): Verdict {
    if (this.reached()) return { stop: `time limit of ${this.minutes} minutes reached` };
  }

  beforeStep(): Verdict {
    return this.verdict();
  }

  onEpochEnd(): Verdict {
    return this.verdict();
  }
}
