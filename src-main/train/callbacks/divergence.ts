// Stops the run with a clear error when the training loss stops being a finite number.
import { KpsError } from '../../core/errors.js';
import type { StepReport, TrainCallback } from './types.js';

export class TrainingDivergedError extends KpsError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'TrainingDivergedError';
  }
}

export class DivergenceCallback implements TrainCallback {
  afterStep(r: StepReport): void {
    if (!Number.isFinite(r.loss)) {
      throw new TrainingDivergedError(
        `training diverged: the loss became ${r.loss} at epoch ${r.epoch + 1}, step ${r.step + 1} (learning rate ${r.lr.toPrecision(3)}); lower --lr, turn on gradient clipping (clipNorm) or check the labels`,
      );
    }
  }
}
