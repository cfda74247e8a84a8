// Early stopping on the epoch score: stops after `patience` epochs without improvement (0 = off).
import { EarlyStopping } from '../optim.js';
import type { EpochEnd, TrainCallback, Verdict } from './types.js';

export interface EarlyStopState {
  best: number;
  /** 0-based; -1 before the first epoch. */
  bestEpoch: number;
  bad: number;
}

export class EarlyStopCallback implements TrainCallback {
  private readonly rule: EarlyStopping;
  constructor(
    readonly patience: number,
    from: EarlyStopState = { best: Infinity, bestEpoch: -1, bad: 0 },
  ) {
    this.rule = new EarlyStopping(patience);
    this.rule.best = from.best;
    this.rule.bestEpoch = from.bestEpoch;
    this.rule.bad = from.bad;
  }

  /** What a resumed run needs to continue counting. */
  state(): EarlyStopState {
    return { best: this.rule.best, bestEpoch: this.rule.bestEpoch, bad: this.rule.bad };
  }

  onEpochEnd(end: EpochEnd): Verdict {
    if (this.rule.update(end.epoch, end.score)) return { stop: `early stopping: no validation improvement for ${this.patience} epochs` };
  }
}
