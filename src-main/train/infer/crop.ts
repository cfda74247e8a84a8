// Square crop around a detected face, resized to the model's input (grey, [0, 1]), with the transform that maps predictions back.
import { type Affine, invert } from '../../augment/affine.js';
import { KpsError } from '../../core/errors.js';
import type { DetectorName, FaceBox } from './detect.js';
import { type PhotoImage, toGreyFloat } from './photo.js';

/** A square region of the photo in the project's convention: centre (cx, cy) and side, in photo pixels. */
export interface CropSquare {
  cx: number;
  cy: number;
  side: number;
}

/** Where the crop sits relative to a detector box, in units of the box width (boxes are measured from their top-left edge). */
export interface Framing {
  /** Crop side / box width. */
  side: number;
  /** Crop centre, from the box's left edge, in box widths. */
  cx: number;
  /** Crop centre, from the box's top edge, in box widths. */
  cy: number;
}

/**
 * Framings calibrated on LFPW (iBUG 68 points) with each detector's median box, so that the crop puts the eyes and the
 * mouth where the Kaggle faces have them on average (eye midpoint at (47.9, 37.0) of 96 px, eye-to-eye 36.6 px,
 * eyes to lower lip 45.7 px). `loose` is a plain 1.6x square about the box centre for models trained on wider crops.
 */
export const FRAMINGS: Readonly<Record<'kaggle-ssd' | 'kaggle-tiny' | 'loose', Framing>> = Object.freeze({
  'kaggle-ssd': { side: 1.0925, cx: 0.504, cy: 0.54 },
  'kaggle-tiny': { side: 0.8735, cx: 0.4997, cy: 0.3032 },
  loose: { side: 1.6, cx: 0.5, cy: 0.55 },
});

/** The framing that matches the Kaggle layout for boxes from the given detector (a fallback box is already a square). */
export function defaultFraming(detector: DetectorName | 'none'): Framing {
  if (detector === 'tiny-face-detector') return FRAMINGS['kaggle-tiny'];
  if (detector === 'none') return { side: 1, cx: 0.5, cy: 0.5 };
  return FRAMINGS['kaggle-ssd'];
}

export function squareFromBox(box: Pick<FaceBox, 'x' | 'y' | 'width' | 'height'>, framing: Framing): CropSquare {
  if (!(box.width > 0 && box.height > 0)) throw new KpsError('bad-input', `face box has no area (${box.width} x ${box.height})`);
  return { cx: box.x + framing.cx * box.width, cy: box.y + framing.cy * box.width, side: framing.side * box.width };
}

/** Kaggle mean positions (96 px, complete rows of the real labels): eye midpoint, eye-to-eye and eyes-to-lower-lip distances. */
const KAGGLE_EYE_MID = { x: 47.93, y: 36.95 };
const KAGGLE_FACE_SCALE = Math.sqrt(36.58 * 45.68) / 96;

/**
 * Places the crop from 68 iBUG landmarks (face-api's) so that the eye midpoint, the eye distance and the eyes-to-lower-lip
 * distance match the Kaggle mean face: independent of how a detector draws its box. Returns null when the
 * landmarks are implausible (fewer than 68, or eyes closer than 15% of the box width), so the caller can use the box.
 */
export function squareFromLandmarks(points: readonly { x: number; y: number }[], box?: Pick<FaceBox, 'width'>): CropSquare | null {
  if (points.length < 68) return null;
  const mean = (a: number, b: number) => {
    let x = 0;
    let y = 0;
    for (let i = a; i <= b; i++) {
      x += points[i].x;
      y += points[i].y;
    }
    return { x: x / (b - a + 1), y: y / (b - a + 1) };
  };
  const right = mean(36, 41);
  const left = mean(42, 47);
  const lip = points[57];
  const mid = { x: (left.x + right.x) / 2, y: (left.y + right.y) / 2 };
  const iod = Math.hypot(left.x - right.x, left.y - right.y);
  const eyeLip = Math.hypot(lip.x - mid.x, lip.y - mid.y);
  if (!(iod > 0 && eyeLip > 0) || (box && iod < 0.15 * box.width)) return null;
  const side = Math.sqrt(iod * eyeLip) / KAGGLE_FACE_SCALE;
  const scale = side / 96;
  const left0 = mid.x - (KAGGLE_EYE_MID.x + 0.5) * scale;
  const top0 = mid.y - (KAGGLE_EYE_MID.y + 0.5) * scale;
  return { cx: left0 + side / 2, cy: top0 + side / 2, side };
}

/**
 * The crop the training pipeline uses for large photos (train/data.ts `cropBoxFor`): the landmarks' bounding box,
 * its longer side grown by `margin` on each side, centred on the box. For runs trained on such crops.
 */
export function squareFromLandmarkBox(points: readonly { x: number; y: number }[], margin: number): CropSquare | null {
  if (points.length < 2 || !(margin >= 0)) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const side = Math.max(maxX - minX, maxY - minY) * (1 + 2 * margin);
  if (!(side > 0)) return null;
  return { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, side };
}

/** Photo <-> model pixel coordinates for one crop; both directions are exact affine maps. */
export interface CropTransform {
  /** Photo pixel -> model pixel: [a, b, c, d, e, f]. */
  toModel: Affine;
  /** Model pixel -> photo pixel. */
  toPhoto: Affine;
  square: CropSquare;
  size: number;
  photoWidth: number;
  photoHeight: number;
}

/**
 * The transform of a square crop resized to size x size. Model pixel u covers photo x in
 * [cx - side/2 + u * side/size, cx - side/2 + (u + 1) * side/size], so its centre is x = cx - side/2 + (u + 0.5) side/size.
 */
export function cropTransform(square: CropSquare, size: number, photoWidth: number, photoHeight: number): CropTransform {
  const k = size / square.side;
  const toModel: Affine = [k, 0, -(square.cx - square.side / 2) * k - 0.5, 0, k, -(square.cy - square.side / 2) * k - 0.5];
  const s = square.side / size;
  const toPhoto: Affine = [s, 0, square.cx - square.side / 2 + 0.5 * s, 0, s, square.cy - square.side / 2 + 0.5 * s];
  return { toModel, toPhoto, square, size, photoWidth, photoHeight };
}

export interface ModelCrop {
  /** size x size grey levels in [0, 1], row-major: the model's input. */
  pixels: Float32Array;
  size: number;
  transform: CropTransform;
}

function isSquare(v: FaceBox | CropSquare): v is CropSquare {
  return 'side' in v;
}

/**
 * Crops a square around `box` (a detector box, framed by `framing`, or a CropSquare used as is) and resizes it to
 * size x size grey. Downscaling averages k x k bilinear samples per output pixel (k = ceil(side / size)) so that
 * large photos do not alias; outside the photo the edge pixels are repeated.
 */
export function cropForModel(image: PhotoImage, box: FaceBox | CropSquare, size: number, framing: Framing = FRAMINGS['kaggle-ssd']): ModelCrop {
  if (!(Number.isInteger(size) && size >= 8)) throw new KpsError('bad-input', `model input size must be an integer of at least 8, got ${size}`);
  const square = isSquare(box) ? box : squareFromBox(box, framing);
  if (!(square.side > 0) || !Number.isFinite(square.cx) || !Number.isFinite(square.cy)) throw new KpsError('bad-input', `crop square is not valid (${JSON.stringify(square)})`);
  const t = cropTransform(square, size, image.width, image.height);
  // Only the region the crop reads is converted to grey.
  const x0 = Math.max(0, Math.floor(square.cx - square.side / 2) - 1);
  const y0 = Math.max(0, Math.floor(square.cy - square.side / 2) - 1);
  const x1 = Math.min(image.width - 1, Math.ceil(square.cx + square.side / 2) + 1);
  const y1 = Math.min(image.height - 1, Math.ceil(square.cy + square.side / 2) + 1);
  const region = x1 >= x0 && y1 >= y0 ? greyRegion(image, x0, y0, x1 - x0 + 1, y1 - y0 + 1) : null;
  const pixels = new Float32Array(size * size);
  const step = square.side / size;
  const k = Math.max(1, Math.ceil(step - 1e-9));
  const [a, , c, , e, f] = t.toPhoto;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const px = a * u + c;
      const py = e * v + f;
      let acc = 0;
      for (let j = 0; j < k; j++) {
        const sy = py + ((j + 0.5) / k - 0.5) * step;
        for (let i = 0; i < k; i++) {
          const sx = px + ((i + 0.5) / k - 0.5) * step;
          acc += region ? sampleEdge(region.data, region.width, region.height, sx - x0, sy - y0) : 0;
        }
      }
      pixels[v * size + u] = acc / (k * k);
    }
  }
  return { pixels, size, transform: t };
}

function greyRegion(img: PhotoImage, x0: number, y0: number, w: number, h: number): { data: Float32Array; width: number; height: number } {
  const sub: PhotoImage = { ...img, data: new Uint8Array(w * h * img.channels), width: w, height: h };
  const C = img.channels;
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * img.width + x0) * C;
    sub.data.set(img.data.subarray(from, from + w * C), y * w * C);
  }
  return { data: toGreyFloat(sub), width: w, height: h };
}

function sampleEdge(d: Float32Array, W: number, H: number, x: number, y: number): number {
  x = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
  y = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 + 1 < W ? x0 + 1 : x0;
  const y1 = y0 + 1 < H ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const top = d[y0 * W + x0] + fx * (d[y0 * W + x1] - d[y0 * W + x0]);
  const bottom = d[y1 * W + x0] + fx * (d[y1 * W + x1] - d[y1 * W + x0]);
  return top + fy * (bottom - top);
}

type PointLike = { x: number; y: number };

function mapWith<P extends PointLike>(m: Affine, points: ArrayLike<number> | readonly P[]): number[] | P[] {
  if (points.length > 0 && typeof points[0] === 'object') {
    return (points as readonly P[]).map((p) => ({ ...p, x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] }));
  }
  const flat = points as ArrayLike<number>;
  if (flat.length % 2 !== 0) throw new KpsError('bad-input', `expected [x0, y0, x1, y1, ...], got ${flat.length} numbers`);
  const out = new Array<number>(flat.length);
  for (let i = 0; i < flat.length; i += 2) {
    const x = flat[i];
    const y = flat[i + 1];
    // NaN (not predicted) stays NaN.
    out[i] = m[0] * x + m[1] * y + m[2];
    out[i + 1] = m[3] * x + m[4] * y + m[5];
  }
  return out;
}

/** Model pixel coordinates -> photo pixel coordinates: flat [x0, y0, ...] or objects with x and y (other fields kept). */
export function mapBack(points: ArrayLike<number>, transform: CropTransform): number[];
export function mapBack<P extends PointLike>(points: readonly P[], transform: CropTransform): P[];
export function mapBack<P extends PointLike>(points: ArrayLike<number> | readonly P[], transform: CropTransform): number[] | P[] {
  return mapWith(transform.toPhoto, points);
}

/** Photo pixel coordinates -> model pixel coordinates (the inverse of mapBack). */
export function mapToModel(points: ArrayLike<number>, transform: CropTransform): number[];
export function mapToModel<P extends PointLike>(points: readonly P[], transform: CropTransform): P[];
export function mapToModel<P extends PointLike>(points: ArrayLike<number> | readonly P[], transform: CropTransform): number[] | P[] {
  return mapWith(transform.toModel, points);
}

/** The inverse of any crop transform's matrix, for callers holding only one direction. */
export function invertTransform(m: Affine): Affine {
  return invert(m);
}
