// The one face-crop rule: where training, evaluation and prediction crop a sample's image (the face detector's box with a margin, never the labels), its fallback and the training jitter.
import { KpsError } from '../core/errors.js';

/**
 * A square crop of the original image in continuous coordinates (the top-left pixel covers [0, 1)):
 * it spans [x0, x0 + side) x [y0, y0 + side) and is resized to the model input.
 * Pixel coordinate x (centres at integers) maps to normalised u = 2 (x + 0.5 - x0) / side - 1, in [-1, 1].
 * Declared here, below data.ts, so the crop rule needs nothing from the data pipeline (no import cycle).
 */
export interface CropBox {
  x0: number;
  y0: number;
  side: number;
}

/** A face box as the store keeps it (project pixel convention: (x, y) is the box's top-left edge, pixel centres at integers). */
export interface FaceBoxLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What a sample's crop was placed from: the whole image (face-sized images), the detector's box, or the fallback. */
export type CropPlacement = 'whole' | 'detector' | 'fallback';

export interface RuleCrop extends CropBox {
  placement: CropPlacement;
}

/** Bounding-box jitter of one training draw: crop centre shift in crop sides, and crop side scale. */
export interface BoxJitter {
  dx: number;
  dy: number;
  scale: number;
}

/**
 * The rule. Detector and threshold are those `kps predict` uses (SSD MobileNet v1, minimum score 0.5, no landmarks).
 * `face` is where the 68 iBUG landmarks' bounding box sits in the detector's box, measured on 41 LFPW photos
 * (every 20th of lfpw-train; medians, in box widths from the box's top-left edge): centre (0.51, 0.71), longer side
 * 0.954 box widths (SSD boxes include the forehead and stop near the chin). The crop is that face square grown by
 * `margin` of its side on each side, as the old landmark-box crop was, so a model sees the face at the same scale.
 *
 * Images no larger than the model input or 96 px on both sides (Kaggle 96 x 96 faces) are used whole. When the
 * detector finds no face, the crop falls back to the whole image padded to a square about its centre, and the sample
 * says so (`faces.found = 0` in the store; the gallery's "no face" filter; the statistics' face counts).
 */
export const FACE_CROP_RULE = Object.freeze({
  id: 'detector-box-v1',
  detector: 'ssd-mobilenetv1' as const,
  minScore: 0.5,
  face: Object.freeze({ cx: 0.51, cy: 0.71, side: 0.954 }),
  margin: 0.25,
  /** Training draws: centre shift uniform in +-shift crop sides per axis, side scale log-uniform in [1/scale, scale]. */
  jitter: Object.freeze({ shift: 0.05, scale: 1.1 }),
  /** Training crops are cut from a context square this much larger than the crop, so jittered crops see real pixels. */
  context: 1.3,
  fallback: 'the whole image, padded to a square about its centre',

  /** Images at most this size (and at most the model input) are face crops already (Kaggle 96 x 96): used whole. */
  faceCropMax: 96,

  /** True when the image is cropped around a detected face: larger than the model input and than faceCropMax on some side. */
  needsFace(width: number, height: number, inputSize: number): boolean {
    return Math.max(width, height) > Math.max(inputSize, FACE_CROP_RULE.faceCropMax);
  },

  /**
   * The crop of an image of width x height for a model of inputSize: from the stored detector box (`face`), or the
   * fallback when `face` is null (no face found). Labels are not an input: the crop cannot depend on them.
   */
  cropBox(width: number, height: number, face: FaceBoxLike | null, inputSize: number, margin: number = FACE_CROP_RULE.margin): RuleCrop {
    if (!(width > 0 && height > 0)) throw new KpsError('bad-input', `image has no area (${width} x ${height})`);
    if (!FACE_CROP_RULE.needsFace(width, height, inputSize)) {
      const side = Math.max(width, height);
      return { x0: (width - side) / 2, y0: (height - side) / 2, side, placement: 'whole' };
    }
    if (!face) {
      const side = Math.max(width, height);
      return { x0: (width - side) / 2, y0: (height - side) / 2, side, placement: 'fallback' };
    }
    if (!(face.width > 0 && face.height > 0)) throw new KpsError('bad-input', `face box has no area (${face.width} x ${face.height})`);
    const f = FACE_CROP_RULE.face;
    const side = f.side * face.width * (1 + 2 * margin);
    // Box edges are at x - 0.5 in continuous coordinates (CropBox's frame, where the top-left pixel covers [0, 1)).
    const cx = face.x + 0.5 + f.cx * face.width;
    const cy = face.y + 0.5 + f.cy * face.width;
    return { x0: cx - side / 2, y0: cy - side / 2, side, placement: 'detector' };
  },

  /** The context square training cuts its jittered crops from: the crop scaled by `context` about its centre. */
  contextBox(crop: CropBox): CropBox {
    const side = crop.side * FACE_CROP_RULE.context;
    return { x0: crop.x0 + crop.side / 2 - side / 2, y0: crop.y0 + crop.side / 2 - side / 2, side };
  },

  /** One jitter draw from two-plus uniforms in [0, 1). */
  drawJitter(u1: number, u2: number, u3: number): BoxJitter {
    const j = FACE_CROP_RULE.jitter;
    return { dx: (2 * u1 - 1) * j.shift, dy: (2 * u2 - 1) * j.shift, scale: Math.exp((2 * u3 - 1) * Math.log(j.scale)) };
  },
});

export type FaceCropRule = typeof FACE_CROP_RULE;
