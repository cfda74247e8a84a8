// The crop + resize that the Kaggle CSV export applies to samples that are not 96x96 (`otherSizes: 'crop'`).
//
// The crop: a square around the labelled (and occluded) keypoints' bounding box, centred on it, its longer side grown
// by KAGGLE_FIT_MARGIN on each side, so the face fills the 96 px frame about as it does in the Kaggle images (their
// 15 keypoints span about 64 of 96 px). A sample with fewer than two such keypoints is shown whole instead: the
// square of side max(width, height) centred on the image (letterboxed; outside the image the edge pixels repeat).
// Pixels are decoded with sharp (EXIF orientation applied), resized with the same box-averaged bilinear sampling and
// the same exact crop transform that photo prediction uses (train/infer/crop.ts), and converted to grey (Rec. 601);
// keypoints go through that transform, so a point stays on the same spot of the face.
// Here, in the service layer, because formats may not import train; the exporter gets it as a KaggleFitter.
import { KpsError } from '../core/errors.js';
import type { Keypoint } from '../core/types.js';
import { KAGGLE_FIT_MARGIN, KAGGLE_FIT_SIDE, type FittedSample } from '../formats/kaggle-fit.js';
import type { ExportSample } from '../formats/types.js';
import { cropForModel, squareFromLandmarkBox, type CropSquare } from '../train/infer/crop.js';
import { loadPhoto, type PhotoImage } from '../train/infer/photo.js';

/** The square a misfit sample is cropped to (see the file comment). */
export function kaggleFitSquare(width: number, height: number, keypoints: readonly Keypoint[]): CropSquare {
  const pts = keypoints.filter((k) => k.state !== 'missing' && Number.isFinite(k.x) && Number.isFinite(k.y));
  const box = pts.length >= 2 ? squareFromLandmarkBox(pts, KAGGLE_FIT_MARGIN) : null;
  if (box) return box;
  // Whole image: pixel edges span [-0.5, size - 0.5].
  return { cx: (width - 1) / 2, cy: (height - 1) / 2, side: Math.max(width, height) };
}

async function samplePhoto(sample: ExportSample): Promise<PhotoImage> {
  if (sample.imagePath) return loadPhoto(sample.imagePath);
  if (sample.pixels && sample.pixels.length === sample.width * sample.height) {
    return { data: sample.pixels, width: sample.width, height: sample.height, channels: 1, source: sample.source };
  }
  throw new KpsError('bad-input', `sample ${sample.id} (${sample.source}, record ${sample.record}) has no pixels to crop`);
}

/** Crops and resizes one sample to 96x96 grey, moving its keypoints with it (a KaggleFitter, plus the square it used). */
export async function fitToKaggle(sample: ExportSample): Promise<FittedSample & { square: CropSquare }> {
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
