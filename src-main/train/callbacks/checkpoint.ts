// Checkpoints: the best model whenever the score improves, and the last full epoch (for resume).
import type { EpochEnd, TrainCallback } from './types.js';

export interface CheckpointSaver<M> {
  /** Saves the current weights as the best model. */
  saveBest(end: EpochEnd<M & { best?: boolean }>): Promise<void>;
  /** Saves weights, optimiser and trainer state as the last checkpoint (only after whole epochs). */
  saveLast(): Promise<void>;
}

export class CheckpointCallback<M extends { best?: boolean }> implements TrainCallback<M> {
  /** Best score so far (Infinity before the first) and its 1-based epoch. */
  bestScore: number;
  bestEpoch: number | null;
  constructor(
    private readonly saver: CheckpointSaver<M>,
    from: { bestScore: number; bestEpoch: number | null } = { bestScore: Infinity, bestEpoch: null },
  ) {
    this.bestScore = from.bestScore;
    this.bestEpoch = from.bestEpoch;
  }

  async onEpochEnd(end: EpochEnd<M>): Promise<void> {
    if (end.score < this.bestScore) {
      this.bestScore = end.score;
      this.bestEpoch = end.epoch + 1;
      end.metrics.best = true;
      await this.saver.saveBest(end);
    }
    // A partial epoch is not a place to resume from: the last checkpoint stays at the previous whole epoch.
    if (!end.partial) await this.saver.saveLast();
  }
}
