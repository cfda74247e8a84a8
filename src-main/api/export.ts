// What an export request may add to "format and output": which samples, and (Kaggle CSV) what to do with other image sizes.
import type { Split } from '../core/types.js';

/** What a Kaggle CSV export does with samples that are not 96x96 (service/kaggle-fit.ts does the cropping). Here, not
 * beside the crop code, so that `kps export --help` does not load sharp. */
export type OtherSizes = 'fail' | 'skip' | 'crop';
export const OTHER_SIZES: readonly OtherSizes[] = ['fail', 'skip', 'crop'];

/**
 * What an export does with predicted, unconfirmed keypoints (a model's values no person has confirmed): written like
 * labels (include, the default), left out as missing (exclude), or written and marked (flag: COCO only, which carries
 * `keypoint_predicted` and `keypoint_scores` per annotation; CSV and .pts have no place for a mark).
 */
export type PredictedExport = 'include' | 'exclude' | 'flag';
export const PREDICTED_EXPORTS: readonly PredictedExport[] = ['include', 'exclude', 'flag'];

/**
 * Which samples an export writes; every criterion given must hold (they combine with AND). Without a subset, or with
 * an empty one, every sample is written. A subset that matches no sample is refused (nothing is written).
 */
export interface ExportSubset {
  /** Only these sample ids (for example the gallery's selection). Unknown or deleted ids are an error naming them. */
  ids?: number[];
  /** Only samples whose stored split (the project's own, set in the gallery) is this one. */
  split?: Split;
  /** Only samples on this side of a run's own split, stored when the run started training. */
  runSplit?: { runId: string; side: 'train' | 'val' | 'test' };
  /** Only samples tagged "reviewed" (the editor's Mark reviewed, Shift+R). */
  reviewedOnly?: boolean;
  /** Only samples with this tag. */
  tag?: string;
}

/** The result of an export job. */
export interface ExportResult {
  written: number;
  files: string[];
  out: string;
  format: string;
  /** The samples the subset chose (all samples without one). */
  selected: number;
  /** The subset in words ("stored split test, reviewed only"), when one was given. */
  subset?: string;
  /** Kaggle CSV, otherSizes 'skip': samples left out for not being 96x96. */
  skipped?: { count: number; ids: number[] };
  /** Kaggle CSV, otherSizes 'crop': samples cropped and resized to 96x96 grey. */
  cropped?: number;
  /** How predicted, unconfirmed keypoints were written; with 'exclude', how many were left out (null: not counted). */
  predicted?: { mode: PredictedExport; keypoints: number | null };
}
