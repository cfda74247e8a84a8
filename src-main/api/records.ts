// Records the service returns about training runs, their predictions and splits, and what changed in the labels.
import type { EpochMetrics, FinalMetrics, RunConfig, RunFailure } from './run-types.js';

export interface RunRecord {
  id: string;
  name: string;
  model: string;
  /** The resolved settings the run trained with (older runs may lack fields added since). */
  config: RunConfig;
  backend: string;
  dataVersion: number;
  status: 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  endedAt: string | null;
  notes: string;
  /** Per-epoch metrics, appended as training goes. */
  epochs: EpochMetrics[];
  /** Final evaluation once the run has ended; its error when it failed; null while it runs (or was cancelled before one). */
  final: FinalMetrics | RunFailure | null;
  /** Folder holding this run's checkpoints (last and best). */
  checkpointDir: string | null;
}

export interface PredictionRecord {
  runId: string;
  sampleId: number;
  /** Flat [x0, y0, x1, y1, ...] in image pixels of the stored image; NaN where not predicted. */
  coords: number[];
  /** Mean error in pixels against the labels at prediction time, where labels exist. */
  error: number | null;
}

/** One sample's side in a run's own split (only the samples the run used: pixels and a labelled keypoint). */
export interface RunSplitEntry {
  sampleId: number;
  split: 'train' | 'val' | 'test';
}

/** What changed in the labels since they were imported (for the export-after-review summary). */
export interface ChangeSummary {
  /** Live samples with at least one keypoint that differs from its imported value. */
  samplesChanged: number;
  /** Keypoints present at import and now, at another position or state (labelled / occluded). */
  edited: number;
  /** Keypoints missing at import and present now. */
  filled: number;
  /** Keypoints present at import and missing now. */
  madeMissing: number;
  /** The same counts by the provenance of the current value (`annotator:alice`, `model:<run id>`, ...). */
  byProvenance: Record<string, { edited: number; filled: number; madeMissing: number }>;
  /** Samples deleted since import (their changes are not counted above). */
  deletedSamples: number;
}
