// Samples that do not fit the Kaggle CSV layout (96x96 grey): the warning when one is added to a Kaggle project, and
// the crop + resize that the Kaggle CSV export applies to them when asked (`otherSizes: 'crop'`).
//
// The crop: a square around the labelled (and occluded) keypoints' bounding box, centred on it, its longer side grown
// by KAGGLE_FIT_MARGIN on each side, so the face fills the 96 px frame about as it does in the Kaggle images (their
// 15 keypoints span about 64 of 96 px). A sample with fewer than two such keypoints is shown whole instead: the
// square of side max(width, height) centred on the image (letterboxed; outside the image the edge pixels repeat).
// Pixels are decoded with sharp (EXIF orientation applied), resized with the same box-averaged bilinear sampling and
// the same exact crop transform that photo prediction uses (train/infer/crop.ts), and converted to grey (Rec. 601);
// keypoints go through that transform, so a point stays on the same spot of the face.
import { KpsError } from '../core/errors.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import { cropForModel, squareFromLandmarkBox, type CropSquare } from '../train/infer/crop.js';
import { loadPhoto, type PhotoImage } from '../train/infer/photo.js';
import type { ExportSample } from './types.js';

export const KAGGLE_FIT_SIDE = 96;
/** Margin around the keypoints' box, as a fraction of its longer side, on each side. */
export const KAGGLE_FIT_MARGIN = 0.25;
/** Schemas whose projects are "Kaggle projects": adding a sample of another size to them warns. */
export const KAGGLE_SCHEMA_IDS: readonly string[] = ['kaggle-15'];

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

/** The square a misfit sample is cropped to (see the file comment). */
export function kaggleFitSquare(width: number, height: number, keypoints: readonly Keypoint[]): CropSquare {
  const pts = keypoints.filter((k) => k.state !== 'missing' && Number.isFinite(k.x) && Number.isFinite(k.y));
  const box = pts.length >= 2 ? squareFromLandmarkBox(pts, KAGGLE_FIT_MARGIN) : null;
  if (box) return box;
  // Whole image: pixel edges span [-0.5, size - 0.5].
  return { cx: (width - 1) / 2, cy: (height - 1) / 2, side: Math.max(width, height) };
}

export interface FittedSample {
  /** 96x96 grey levels, row-major. */
  pixels: Uint8Array;
  /** The sample's keypoints in the 96x96 crop (missing ones stay missing). */
  keypoints: Keypoint[];
  square: CropSquare;
}

async function samplePhoto(sample: ExportSample): Promise<PhotoImage> {
  if (sample.imagePath) return loadPhoto(sample.imagePath);
  if (sample.pixels && sample.pixels.length === sample.width * sample.height) {
    return { data: sample.pixels, width: sample.width, height: sample.height, channels: 1, source: sample.source };
  }
  throw new KpsError('bad-input', `sample ${sample.id} (${sample.source}, record ${sample.record}) has no pixels to crop`);
}

/** Crops and resizes one sample to 96x96 grey, moving its keypoints with it. */
export async function fitToKaggle(sample: ExportSample): Promise<FittedSample> {
  const image = await samplePhoto(sample);
  const square = kaggleFitSquare(image.width, image.height, sample.keypoints);
  const crop = cropForModel(image, square, KAGGLE_FIT_SIDE);
  const pixels = new Uint8Array(KAGGLE_FIT_SIDE * KAGGLE_FIT_SIDE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, Math.round(crop.pixels[i] * 255)));
  const [a, b, c, d, e, f] = crop.transform.toModel;
  const keypoints = sample.keypoints.map((k): Keypoint => {
    if (k.state === 'missing' || !Number.isFinite(k.x) || !Number.isFinite(k.y)) return { x: NaN, y: NaN, state: 'missing' };
    return { x: a * k.x + b * k.y + c, y: d * k.x + e * k.y + f, state: k.state };
  });
  return { pixels, keypoints, square };
}
