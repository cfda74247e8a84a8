// Photo inference front door: load a photo, find the face, crop it for the model, and map predictions back to photo pixels.
import { KpsError } from '../../core/errors.js';
import { type DetectOptions, type FaceBox, type FaceDetection, detectFaces } from './detect.js';
import { type CropSquare, type Framing, type ModelCrop, cropForModel, defaultFraming, squareFromBox, squareFromLandmarkBox, squareFromLandmarks } from './crop.js';
import { type PhotoInput, loadPhoto } from './photo.js';

export { detectFaces, centreSquareBox, detectorModelDir, type DetectOptions, type DetectorName, type FaceBox, type FaceDetection } from './detect.js';
export { cropForModel, cropTransform, mapBack, mapToModel, squareFromBox, squareFromLandmarks, squareFromLandmarkBox, defaultFraming, FRAMINGS, type CropSquare, type CropTransform, type Framing, type ModelCrop } from './crop.js';
export { loadPhoto, toGreyFloat, type PhotoImage, type PhotoInput } from './photo.js';

export interface PreparedPhoto {
  /** Photo size after EXIF orientation: predictions mapped back refer to this. */
  width: number;
  height: number;
  detection: FaceDetection;
  /** The face that was cropped: the chosen detection (the best unless `faceIndex` says otherwise), or the fallback box. */
  face: FaceBox;
  /** How the crop was placed: from the face's landmarks (eyes and mouth), from the detector box, or the centre fallback. */
  placement: 'landmarks' | 'box' | 'fallback';
  /** True when no face was detected and the centred square was used: tell the user. */
  usedFallback: boolean;
  /** Why the fallback was used (absent when a face was found). */
  fallbackReason?: string;
  crop: ModelCrop;
}

export interface PrepareOptions extends DetectOptions {
  /** Model input side (96 for Kaggle-style models). */
  size: number;
  /** Crop placement relative to the detector box. When given, the box is used even if landmarks were found;
   * by default the crop is placed from the landmarks (Kaggle mean face), else by the Kaggle framing calibrated for the detector. */
  framing?: Framing;
  /**
   * How the model's training crops were framed. `kaggle` (default): the face placed like the Kaggle mean face, for
   * models trained on Kaggle-style faces. `landmark-box`: the 68 landmarks' bounding box grown by `margin` on each
   * side, as train/data.ts crops large photos (pass the run's crop margin); without landmarks the detector box is used.
   */
  crop?: { kind: 'kaggle' } | { kind: 'landmark-box'; margin: number };
  /** Which detected face to crop, in `detection.faces` order (best score first); default 0. */
  faceIndex?: number;
}

/**
 * Everything `kps predict` and the "own photos" view need before running a model on a photo: the model input
 * (size x size grey in [0, 1]) and the transform for `mapBack(predictions, prepared.crop.transform)`.
 */
export async function preparePhoto(input: PhotoInput, opts: PrepareOptions): Promise<PreparedPhoto> {
  const photo = await loadPhoto(input);
  const detection = await detectFaces(photo, opts);
  const index = opts.faceIndex ?? 0;
  if (!Number.isInteger(index) || index < 0) throw new KpsError('bad-input', `faceIndex must be a non-negative integer, got ${index}`);
  if (index > 0 && index >= detection.faces.length) {
    throw new KpsError('bad-input', `${photo.source}: face ${index} asked for, but ${detection.faces.length} face(s) were found`, { file: photo.source });
  }
  const best = detection.faces[index];
  if (best) {
    const crop = opts.crop ?? { kind: 'kaggle' };
    let fromLandmarks: CropSquare | null = null;
    if (!opts.framing && best.landmarks) {
      fromLandmarks = crop.kind === 'landmark-box' ? squareFromLandmarkBox(best.landmarks, crop.margin) : squareFromLandmarks(best.landmarks, best);
    }
    const boxFraming = opts.framing ?? (crop.kind === 'landmark-box' ? { side: 1 + 2 * crop.margin, cx: 0.5, cy: 0.5 } : defaultFraming(detection.detector));
    const square = fromLandmarks ?? squareFromBox(best, boxFraming);
    return { width: photo.width, height: photo.height, detection, face: best, placement: fromLandmarks ? 'landmarks' : 'box', usedFallback: false, crop: cropForModel(photo, square, opts.size) };
  }
  const fb = detection.fallback ?? { box: { x: -0.5, y: -0.5, width: photo.width, height: photo.height, score: 0 }, reason: 'no face found' };
  const side = fb.box.width;
  const crop = cropForModel(photo, { cx: fb.box.x + side / 2, cy: fb.box.y + fb.box.height / 2, side }, opts.size);
  return { width: photo.width, height: photo.height, detection, face: fb.box, placement: 'fallback', usedFallback: true, fallbackReason: fb.reason, crop };
}
