// Progress to the host: a step report at most every 250 ms (and at each epoch's last step), and each epoch's record.
import type { TrainProgress } from '../../api/run-types.js';
import type { EpochEnd, RunClock, StepReport, TrainCallback } from './types.js';

/** What the host gets: the contract's TrainProgress (api/run-types.ts). */
export type ProgressReport = TrainProgress;

export interface ProgressHooks<M> {
  progress?(p: ProgressReport): void;
  /** After the epoch's checkpoint is on disk. */
  epoch?(e: M): void;
}

export class ProgressCallback<M extends { best?: boolean }> implements TrainCallback<M> {
  private lastEmit = 0;
  private epochStart = 0;
  constructor(
    private readonly hooks: ProgressHooks<M>,
    private readonly clock: RunClock,
    private readonly run: { epochs: number; batch: number; trainSamples: number },
    private readonly everyMs = 250,
  ) {}

  onEpochBegin(): void {
    // samples/s is per epoch.
    this.epochStart = this.clock.now();
  }

  afterStep(r: StepReport): void {
    if (!this.hooks.progress) return;
    const now = this.clock.now();
    if (now - this.lastEmit > this.everyMs || r.step === r.steps - 1) {
      this.lastEmit = now;
      const sps = r.seen / Math.max(1e-3, (now - this.epochStart) / 1000);
      const remaining = (r.steps - r.step - 1) * this.run.batch + (this.run.epochs - r.epoch - 1) * this.run.trainSamples;
      this.hooks.progress({ epoch: r.epoch + 1, epochs: this.run.epochs, step: r.step + 1, steps: r.steps, loss: r.loss, lr: r.lr, samples_per_s: sps, eta_s: sps > 0 ? remaining / sps : null, elapsed_s: this.clock.elapsedMs() / 1000 });
    }
  }

  onEpochEnd(end: EpochEnd<M>): void {
    this.hooks.epoch?.(end.metrics);
  }
}
