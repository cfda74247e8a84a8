// Typed run-record parts for tests that store or list runs without training one.
import type { EpochMetrics, EvalMetrics, FinalMetrics, RunConfig } from '../../src-main/api/run-types.js';

/** A run's settings as train/config.ts's defaults resolve them for a 15-keypoint Kaggle run, with `over` on top. */
export function runConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    model: 'kpnet', epochs: 60, batch: 64, lr: 1e-3, optimizer: 'adam', schedule: 'warmup:1+cosine', loss: 'mse',
    huberDelta: 0.05, weightDecay: 1e-4, momentum: 0.9, clipNorm: 5, patience: 0, switchEpoch: null, sgdLr: null,
    split: 'random', seed: 1, augment: 'light', workers: 0, minutes: null, inputSize: 96, keypoints: null, width: 1,
    cropMargin: 0.25, boxJitter: true, keypointIndices: [...Array(15).keys()], schemaId: 'kaggle-15',
    ...over,
  };
}

/** One epoch's metrics (epoch is 1-based). */
export function epochMetrics(epoch: number, over: Partial<EpochMetrics> = {}): EpochMetrics {
  return { epoch, train_loss: 0.01, train_rmse_px: 3, val_loss: 0.012, val_rmse_px: 3.2, lr: 1e-3, seconds: 1, samples_per_s: 100, optimizer: 'adam', ...over };
}

function evalMetrics(samples: number): EvalMetrics {
  return { samples, values: 0, rmse_px: null, mean_error_px: null, perKeypoint: [], nme: null, pck: {}, pck_px: {}, worst: [] };
}

/** Final metrics of a finished run with this split's sizes; the figures are null. */
export function finalMetrics(split: FinalMetrics['split'], over: Partial<FinalMetrics> = {}): FinalMetrics {
  return {
    stop_reason: 'epochs', epochs_run: 1, best_epoch: 1, best_val_rmse_px: null, train_seconds: 1,
    train: evalMetrics(split.train), val: evalMetrics(split.val), test: evalMetrics(split.test),
    baseline: { val_rmse_px: null, test_rmse_px: null }, gap_px: null, reading: '', split, ...over,
  };
}
