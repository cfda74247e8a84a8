// Keypoint-consistent augmentation: one affine warp per sample (flip, rotation, scale, shear, translation), then photometric changes.
import type { Keypoint, KeypointSchema } from '../core/types.js';
import { KpsError } from '../core/errors.js';
import { type Affine, IDENTITY, about, compose, invert, rotation, scaling, shearX, translation } from './affine.js';
import { type AugmentParams, type AugmentParamsInput, resolveAugmentParams, validateAugmentParams } from './params.js';
import { addGaussianNoise, adjustTone, gaussianBlur, quantizeGamma } from './photometric.js';
import { AugmentRng } from './prng.js';
import { type ImageBuffer, type PixelArray, warpAffine } from './warp.js';

import type { AugmentDraw } from '../api/augment-preview.js';
export type { AugmentDraw };

export const NEUTRAL_DRAW: Readonly<AugmentDraw> = Object.freeze({
  flip: false,
  rotateDeg: 0,
  translateX: 0,
  translateY: 0,
  scale: 1,
  shearDeg: 0,
  brightness: 0,
  contrast: 1,
  gamma: 1,
  noiseSigma: 0,
  blurSigma: 0,
});

/** Draws every amount in a fixed order, so a given rng state always gives the same draw whatever fires. */
export function drawAugmentation(p: AugmentParams, rng: AugmentRng, width: number, height: number): AugmentDraw {
  // Each transform consumes exactly two draws (chance + amount) so that changing one probability does not shift the others.
  const pick = (prob: number, lo: number, hi: number, neutral: number): number => {
    const fire = rng.next() < prob;
    const amount = rng.uniform(lo, hi);
    return fire ? amount : neutral;
  };
  const flip = rng.next() < p.flip.p;
  const rotateDeg = pick(p.rotate.p, -p.rotate.maxDeg, p.rotate.maxDeg, 0);
  const tFire = rng.next() < p.translate.p;
  const tx = rng.uniform(-p.translate.max, p.translate.max) * width;
  const ty = rng.uniform(-p.translate.max, p.translate.max) * height;
  const scale = pick(p.scale.p, 1 - p.scale.max, 1 + p.scale.max, 1);
  const shearDeg = pick(p.shear.p, -p.shear.maxDeg, p.shear.maxDeg, 0);
  const brightness = pick(p.brightness.p, -p.brightness.max, p.brightness.max, 0);
  const contrast = pick(p.contrast.p, 1 - p.contrast.max, 1 + p.contrast.max, 1);
  const lg = Math.log1p(p.gamma.max);
  const gamma = quantizeGamma(Math.exp(pick(p.gamma.p, -lg, lg, 0)));
  const noiseSigma = pick(p.noise.p, 0, p.noise.maxSigma, 0);
  const blurSigma = pick(p.blur.p, Math.min(0.3, p.blur.maxSigma), p.blur.maxSigma, 0);
  return {
    flip,
    rotateDeg,
    translateX: tFire ? tx : 0,
    translateY: tFire ? ty : 0,
    scale,
    shearDeg,
    brightness,
    contrast,
    gamma,
    noiseSigma,
    blurSigma,
  };
}

/** The keypoint transform of a draw (source pixel -> output pixel): flip, then shear, scale and rotation about the centre, then translation. */
export function geometryOf(draw: AugmentDraw, width: number, height: number): Affine {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  let m: Affine = [...IDENTITY] as Affine;
  if (draw.flip) m = compose([-1, 0, width - 1, 0, 1, 0], m);
  const rad = (Math.PI / 180);
  const linear = compose(rotation(draw.rotateDeg * rad), compose(scaling(draw.scale, draw.scale), shearX(draw.shearDeg * rad)));
  m = compose(about(linear, cx, cy), m);
  return compose(translation(draw.translateX, draw.translateY), m);
}

export function isGeometricIdentity(d: AugmentDraw): boolean {
  return !d.flip && d.rotateDeg === 0 && d.translateX === 0 && d.translateY === 0 && d.scale === 1 && d.shearDeg === 0;
}

export function isPhotometricIdentity(d: AugmentDraw): boolean {
  return d.brightness === 0 && d.contrast === 1 && d.gamma === 1 && d.noiseSigma === 0 && d.blurSigma === 0;
}

/** perm[i] = the keypoint whose (mirrored) position becomes keypoint i after a flip. */
export function flipPermutation(keypointCount: number, flipPairs: readonly (readonly [number, number])[]): Int32Array {
  const perm = new Int32Array(keypointCount);
  for (let i = 0; i < keypointCount; i++) perm[i] = i;
  const seen = new Set<number>();
  for (const [a, b] of flipPairs) {
    for (const i of [a, b]) {
      if (!Number.isInteger(i) || i < 0 || i >= keypointCount) throw new KpsError('bad-input', `flip pair [${a}, ${b}] names keypoint ${i}, outside 0..${keypointCount - 1}`);
      if (seen.has(i)) throw new KpsError('bad-input', `keypoint ${i} appears in more than one flip pair`);
      seen.add(i);
    }
    perm[a] = b;
    perm[b] = a;
  }
  return perm;
}

/** Names the left/right keypoints of a schema that have no flip partner (a flip would mislabel them). */
export function unpairedSidedKeypoints(schema: Pick<KeypointSchema, 'keypoints' | 'flipPairs'>): string[] {
  const paired = new Set(schema.flipPairs.flat());
  return schema.keypoints.filter((k, i) => k.side !== 'center' && !paired.has(i)).map((k) => k.name);
}

export interface AugmenterOptions {
  /** Preset name, partial parameters, or complete parameters; default preset `default`. */
  params?: AugmentParamsInput | AugmentParams | null;
  /** The schema gives the keypoint count and flip pairs; or pass `keypointCount` and `flipPairs`. */
  schema?: Pick<KeypointSchema, 'id' | 'keypoints' | 'flipPairs'>;
  keypointCount?: number;
  flipPairs?: readonly (readonly [number, number])[];
  /** Base seed; each sample's draw depends only on (seed, its keys). */
  seed: number;
}

export interface AugmentResult<T extends PixelArray> {
  image: ImageBuffer<T>;
  keypoints: Keypoint[];
  draw: AugmentDraw;
  /** Source pixel -> output pixel. */
  matrix: Affine;
}

function isComplete(p: unknown): p is AugmentParams {
  return typeof p === 'object' && p !== null && 'rotate' in p && 'blur' in p && 'border' in p && 'fillValue' in p && !('preset' in p);
}

/**
 * Augments samples reproducibly: `apply(image, keypoints, ...keys)` gives the same output for the same seed and keys
 * (use e.g. (epoch, sampleId)), whatever order or thread the samples are processed in.
 */
export class Augmenter {
  readonly params: AugmentParams;
  readonly keypointCount: number;
  readonly seed: number;
  private readonly perm: Int32Array;
  private scratch = new Float32Array(0);
  private scratch2 = new Float32Array(0);

  constructor(opts: AugmenterOptions) {
    if (isComplete(opts.params)) {
      validateAugmentParams(opts.params);
      this.params = JSON.parse(JSON.stringify(opts.params)) as AugmentParams;
    } else {
      this.params = resolveAugmentParams(opts.params as AugmentParamsInput | null | undefined);
    }
    const count = opts.schema ? opts.schema.keypoints.length : opts.keypointCount;
    if (count === undefined || !Number.isInteger(count) || count < 0) throw new KpsError('bad-input', 'augmenter needs a schema or a keypoint count');
    this.keypointCount = count;
    const pairs = opts.schema ? opts.schema.flipPairs : (opts.flipPairs ?? []);
    if (opts.schema && this.params.flip.p > 0) {
      const unpaired = unpairedSidedKeypoints(opts.schema);
      if (unpaired.length > 0) {
        throw new KpsError('bad-input', `schema "${opts.schema.id}" has left/right keypoints without a flip pair (${unpaired.slice(0, 5).join(', ')}${unpaired.length > 5 ? ', ...' : ''}): add flip pairs or set flip.p to 0`);
      }
    }
    this.perm = flipPermutation(count, pairs);
    if (!Number.isFinite(opts.seed)) throw new KpsError('bad-input', `augmentation seed must be a finite number, got ${opts.seed}`);
    this.seed = opts.seed;
  }

  /** The draw for one sample (without touching pixels): for previews and logging. */
  drawFor(width: number, height: number, ...keys: number[]): AugmentDraw {
    return drawAugmentation(this.params, new AugmentRng(this.seed, ...keys), width, height);
  }

  /** Augments one image and its keypoints; returns new arrays of the input's pixel type. */
  apply<T extends PixelArray>(image: ImageBuffer<T>, keypoints: readonly Keypoint[], ...keys: number[]): AugmentResult<T> {
    this.checkImage(image);
    if (keypoints.length !== this.keypointCount) throw new KpsError('bad-input', `expected ${this.keypointCount} keypoints, got ${keypoints.length}`);
    const coords = new Float64Array(keypoints.length * 2);
    keypoints.forEach((k, i) => {
      const usable = k.state !== 'missing' && Number.isFinite(k.x) && Number.isFinite(k.y);
      coords[2 * i] = usable ? k.x : NaN;
      coords[2 * i + 1] = usable ? k.y : NaN;
    });
    const outData = (image.data instanceof Uint8Array ? new Uint8Array(image.data.length) : new Float32Array(image.data.length)) as T;
    const outCoords = new Float64Array(coords.length);
    const { draw, matrix } = this.applyFlat(image, coords, outData, outCoords, ...keys);
    const outKeypoints: Keypoint[] = keypoints.map((k, i) => {
      const x = outCoords[2 * i];
      const y = outCoords[2 * i + 1];
      if (Number.isNaN(x)) return { x: NaN, y: NaN, state: 'missing' };
      // A flipped keypoint takes its partner's state (an occluded left eye becomes an occluded right eye).
      const srcState = keypoints[draw.flip ? this.perm[i] : i].state;
      return { x, y, state: srcState };
    });
    return { image: { data: outData, width: image.width, height: image.height, channels: image.channels }, keypoints: outKeypoints, draw, matrix };
  }

  /**
   * The fast path used by training: `coords` is [x0, y0, x1, y1, ...] (NaN = missing); writes the augmented image
   * into `outData` (same length as the input; may not alias it) and the keypoints into `outCoords` (may alias `coords`).
   * Keypoints pushed outside the image become NaN. Uint8 images are treated as [0, 255], float images as [0, 1].
   */
  applyFlat(image: ImageBuffer, coords: ArrayLike<number>, outData: PixelArray, outCoords: Float32Array | Float64Array, ...keys: number[]): { draw: AugmentDraw; matrix: Affine } {
    const { width: W, height: H, channels: C } = image;
    const n = W * H * C;
    if (outData === image.data) throw new Error('applyFlat: outData must not alias the input image');
    if (outData.length !== n) throw new Error(`applyFlat: output has ${outData.length} values, expected ${n}`);
    if (coords.length !== this.keypointCount * 2 || outCoords.length !== coords.length) throw new Error(`applyFlat: expected ${this.keypointCount * 2} coordinates`);
    const rng = new AugmentRng(this.seed, ...keys);
    const draw = drawAugmentation(this.params, rng, W, H);
    const matrix = geometryOf(draw, W, H);
    const unit = image.data instanceof Uint8Array ? 255 : 1;
    const geometric = !isGeometricIdentity(draw);
    const photometric = !isPhotometricIdentity(draw);

    if (this.scratch.length < n) {
      this.scratch = new Float32Array(n);
      this.scratch2 = new Float32Array(n);
    }
    const buf = this.scratch.length === n ? this.scratch : this.scratch.subarray(0, n);
    if (geometric) {
      warpAffine(image, invert(matrix), W, H, this.params.border, this.params.fillValue * unit, buf);
    } else {
      const src = image.data;
      for (let i = 0; i < n; i++) buf[i] = src[i];
    }
    if (photometric) {
      if (unit !== 1) for (let i = 0; i < n; i++) buf[i] /= unit;
      if (draw.brightness !== 0 || draw.contrast !== 1 || draw.gamma !== 1) adjustTone(buf, C, draw.brightness, draw.contrast, draw.gamma);
      if (draw.blurSigma > 0) gaussianBlur(buf, W, H, C, draw.blurSigma, this.scratch2);
      if (draw.noiseSigma > 0) addGaussianNoise(buf, draw.noiseSigma, rng);
      if (unit !== 1) for (let i = 0; i < n; i++) buf[i] *= unit;
    }
    if (outData instanceof Uint8Array) {
      for (let i = 0; i < n; i++) {
        const v = Math.round(buf[i]);
        outData[i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    } else {
      outData.set(buf);
    }

    this.transformCoords(coords, outCoords, matrix, draw.flip, W, H);
    return { draw, matrix };
  }

  /**
   * Augments a batch in place: `images` is N x H x W x C floats in [0, 1], `coords` is N x K x 2 (NaN = missing).
   * `keyOf(i)` gives the keys of sample i (e.g. [epoch, sampleId]) so that results do not depend on batch composition.
   */
  applyBatch(images: Float32Array, coords: Float32Array, n: number, height: number, width: number, channels: number, keyOf: (i: number) => number[]): AugmentDraw[] {
    const size = height * width * channels;
    const k2 = this.keypointCount * 2;
    if (images.length < n * size || coords.length < n * k2) throw new Error(`applyBatch: buffers too small for ${n} samples`);
    const out = new Float32Array(size);
    const draws: AugmentDraw[] = [];
    for (let i = 0; i < n; i++) {
      const img = images.subarray(i * size, (i + 1) * size);
      const c = coords.subarray(i * k2, (i + 1) * k2);
      const { draw } = this.applyFlat({ data: img, width, height, channels }, c, out, c, ...keyOf(i));
      img.set(out);
      draws.push(draw);
    }
    return draws;
  }

  private transformCoords(coords: ArrayLike<number>, out: Float32Array | Float64Array, m: Affine, flip: boolean, W: number, H: number): void {
    const K = this.keypointCount;
    // Read all inputs first: `out` may alias `coords`, and a flip reads partners.
    const src = Float64Array.from({ length: 2 * K }, (_, i) => coords[i]);
    const [a, b, c, d, e, f] = m;
    for (let i = 0; i < K; i++) {
      const j = flip ? this.perm[i] : i;
      const x = src[2 * j];
      const y = src[2 * j + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        out[2 * i] = NaN;
        out[2 * i + 1] = NaN;
        continue;
      }
      const nx = a * x + b * y + c;
      const ny = d * x + e * y + f;
      // Outside the pixel area [-0.5, size - 0.5]: the keypoint is no longer in the image.
      const inside = nx >= -0.5 && nx <= W - 0.5 && ny >= -0.5 && ny <= H - 0.5;
      out[2 * i] = inside ? nx : NaN;
      out[2 * i + 1] = inside ? ny : NaN;
    }
  }

  private checkImage(image: ImageBuffer): void {
    const { width, height, channels, data } = image;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0 && Number.isInteger(channels) && channels > 0)) {
      throw new KpsError('bad-input', `image size ${width}x${height}x${channels} is not valid`);
    }
    if (data.length !== width * height * channels) throw new KpsError('bad-input', `image has ${data.length} values, expected ${width}x${height}x${channels}`);
  }
}
