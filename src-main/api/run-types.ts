// What the service returns about training runs: the training settings, per-epoch and final metrics, evaluation
// reports, and the names of models, losses and optimisers. Type declarations and pure constants only (no TensorFlow.js),
// so the renderer, the CLI and the store can use them; train/ re-exports them where it always declared them.

/** Model names alone, without TensorFlow.js: for the CLI's help and request validation, which must load fast. */
export const MODEL_NAMES = ['kpnet', 'smallnet', 'vgg', 'resnet5', 'resnet18', 'unet', 'face68'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** Used when --model is left out: chosen by measured accuracy per second of CPU training (docs/training.md). */
export const DEFAULT_MODEL: ModelName = 'kpnet';

export const LOSS_NAMES = ['mse', 'l1', 'huber', 'heatmap'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'adam-sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The training settings (train/config.ts resolves and validates them). */
export interface TrainConfig {
  model: ModelName;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  /** See optim.parseSchedule: constant, step, cosine, plateau, optionally with warmup. */
  schedule: string;
  loss: LossName;
  huberDelta: number;
  weightDecay: number;
  momentum: number;
  /** Global-norm gradient clipping; 0 turns it off. */
  clipNorm: number;
  /** Early stopping patience in epochs on validation RMSE; 0 turns it off. */
  patience: number;
  /** adam-sgd: epoch at which Adam hands over to SGD (default: half way) and SGD's learning rate. */
  switchEpoch: number | null;
  sgdLr: number | null;
  /** `random[:test[:val]]`, `group[:test[:val]]` (one person never on two sides) or `stored` (the samples' own splits). */
  split: string;
  seed: number;
  /** Augmentation: `none`, `default`, or comma-separated key=value pairs for augment params. */
  augment: string;
  /** Data-parallel worker threads; 1 = none (the training thread alone), 0 = auto (see resolveWorkers). */
  workers: number;
  /** Wall-clock limit in minutes; training stops there and keeps the best checkpoint. */
  minutes: number | null;
  /** Model input side; null = per model (96). */
  inputSize: number | null;
  /** Keypoint indices to train on; null = all (smallnet: the nose tip). */
  keypoints: number[] | null;
  /** Width multiplier for kpnet / unet. */
  width: number;
  /** Margin around the face square when photos are cropped by the face-crop rule (train/facecrop.ts), as a fraction of its side. */
  cropMargin: number;
  /** Bounding-box jitter of photo crops in training (shift and scale, FACE_CROP_RULE.jitter); off for faces used whole. */
  boxJitter: boolean;
}

/** What a run record's `config` holds: the resolved settings plus what is needed to predict with it later. */
export interface RunConfig extends TrainConfig {
  inputSize: number;
  keypointIndices: number[];
  schemaId: string;
  backendReason?: string;
  /** The face-crop rule the run was trained with (FACE_CROP_RULE.id); absent for runs trained on landmark-box crops before it. */
  faceCrop?: string;
}

export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  train_loss: number;
  train_rmse_px: number | null;
  val_loss: number | null;
  val_rmse_px: number | null;
  lr: number;
  seconds: number;
  samples_per_s: number;
  optimizer: 'adam' | 'sgd';
  /** True when this epoch was cut short (time limit or cancel). */
  partial?: boolean;
  best?: boolean;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  lr: number;
  samples_per_s: number;
  eta_s: number | null;
  elapsed_s: number;
}

export interface FinalMetrics {
  stop_reason: string;
  epochs_run: number;
  best_epoch: number | null;
  best_val_rmse_px: number | null;
  train_seconds: number;
  train: EvalMetrics;
  val: EvalMetrics;
  test: EvalMetrics;
  /** The mean training shape as a predictor: what a model must beat. */
  baseline: { val_rmse_px: number | null; test_rmse_px: number | null };
  gap_px: number | null;
  reading: string;
  split: { train: number; val: number; test: number };
}

export interface KeypointMetric {
  index: number;
  name: string;
  rmse_px: number | null;
  labelled: number;
}

export interface EvalMetrics {
  samples: number;
  /** Labelled coordinates compared (x and y count separately, as in the Kaggle RMSE). */
  values: number;
  /** sqrt(mean of squared coordinate errors) over labelled values, in original-image pixels. */
  rmse_px: number | null;
  /** Mean Euclidean point error in pixels. */
  mean_error_px: number | null;
  perKeypoint: KeypointMetric[];
  /** Mean point error / inter-ocular distance (from the schema's eye keypoints), over samples where both eyes are labelled. */
  nme: number | null;
  /** Fraction of labelled points within t x inter-ocular distance. */
  pck: Record<string, number | null>;
  /** Fraction of labelled points within t pixels. */
  pck_px: Record<string, number | null>;
  worst: { sampleId: number; mean_error_px: number }[];
  /** Face-alignment figures (300-W conventions); null when the layout has no eyes to normalise by. Absent in runs from before them. */
  face?: FaceAlignmentMetrics | null;
  /** The figure this layout is judged by: NME by the outer eye corners for face layouts, pixel RMSE for Kaggle 96x96. */
  headline?: { metric: 'nme_outer' | 'rmse_px'; value: number | null };
}

export interface FaceAlignmentMetrics {
  /** Samples with both outer eye corners labelled (the NME, failure rate and CED are over these). */
  samples: number;
  /** Mean over samples of (mean point error / outer-eye-corner distance): the 300-W NME. */
  nme_outer: number | null;
  /** The same normalised by the inter-pupil distance (eye-contour centres, or labelled pupils / eye centres). */
  nme_pupil: number | null;
  /** Fraction of samples whose outer-corner NME is above FAILURE_NME (0.10). */
  failure_rate: number | null;
  /** Area under the CED from 0 to AUC_LIMIT (0.08), divided by 0.08: 1 = every face perfect. */
  auc: number | null;
  /** Cumulative error distribution: fraction[i] of samples with outer-corner NME <= nme[i]. */
  ced: { nme: number[]; fraction: number[] } | null;
  /** Mean normalised point error (outer corners) per keypoint group of the schema. */
  groups: { group: string; nme: number | null; points: number }[];
}

/** What a run record's `final` holds when training failed: the error message alone. */
export interface RunFailure {
  error: string;
}

/** What evaluating a run on the project as it is now returns (the `evaluate` job's result). */
export interface EvaluationReport {
  run: string;
  model: string;
  backend: string;
  train: EvalMetrics;
  val: EvalMetrics;
  test: EvalMetrics;
  baseline: { val_rmse_px: number | null; test_rmse_px: number | null };
  gap_px: number | null;
  reading: string;
}
