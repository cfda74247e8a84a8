// Samples that do not fit the Kaggle CSV layout (96x96 grey): the warning when one is added to a Kaggle project, and
// the size and margin of the crop + resize that the Kaggle CSV export applies to them when asked (`otherSizes: 'crop'`).
//
// The crop itself decodes the photo and uses the photo-prediction crop (train/infer/crop.ts), which this layer may not
// import: it lives in service/kaggle-fit.ts and reaches the exporter as a KaggleFitter (formats/kaggle-csv.ts's
// kaggleCsvExporter; service/deps.ts wires it).
import { KAGGLE_SCHEMA_ID } from '../core/schema.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import type { ExportSample } from './types.js';

export const KAGGLE_FIT_SIDE = 96;
/** Margin around the keypoints' box, as a fraction of its longer side, on each side. */
export const KAGGLE_FIT_MARGIN = 0.25;
/** Schemas whose projects are "Kaggle projects": adding a sample of another size to them warns. */
export const KAGGLE_SCHEMA_IDS: readonly string[] = [KAGGLE_SCHEMA_ID];

// OtherSizes lives in the contract (api/export.ts); re-exported here for the exporters.
import { OTHER_SIZES, type OtherSizes } from '../api/export.js';
export { OTHER_SIZES, type OtherSizes };

export function fitsKaggle(width: number, height: number): boolean {
  return width === KAGGLE_FIT_SIDE && height === KAGGLE_FIT_SIDE;
}

/**
 * The warning for samples just added to a Kaggle project that the Kaggle CSV export cannot hold as they are, or null
 * (another schema, or every sample is 96x96). Names the first such sample and says what export will do.
 */
export function kaggleAddWarning(schema: Pick<KeypointSchema, 'id'>, added: readonly { width: number; height: number; source: string; id?: number }[]): string | null {
  if (!KAGGLE_SCHEMA_IDS.includes(schema.id)) return null;
  const misfits = added.filter((s) => !fitsKaggle(s.width, s.height));
  if (misfits.length === 0) return null;
  const first = misfits[0];
  const which = misfits.length === 1 ? `${first.id !== undefined ? `sample ${first.id} ` : ''}(${first.source}) is ${first.width}x${first.height}` : `${misfits.length} of the ${added.length} samples added are not 96x96 (the first, ${first.id !== undefined ? `sample ${first.id}, ` : ''}${first.source}, is ${first.width}x${first.height})`;
  return `${which}: a Kaggle CSV export holds 96x96 grey images only. Export with "crop to 96x96" or "skip" for such samples, or as COCO or .pts`;
}

/** A misfit sample cropped and resized to 96x96 grey, with its keypoints moved into the crop. */
export interface FittedSample {
  /** 96x96 grey levels, row-major. */
  pixels: Uint8Array;
  /** The sample's keypoints in the 96x96 crop (missing ones stay missing). */
  keypoints: Keypoint[];
}

/** What the Kaggle CSV export calls for each misfit sample under `otherSizes: 'crop'` (service/kaggle-fit.ts's fitToKaggle). */
export type KaggleFitter = (sample: ExportSample) => Promise<FittedSample>;
