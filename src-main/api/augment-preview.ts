// Request and response of the `augment.preview` operation, and the augmentation parameter and draw types they carry.
import type { Keypoint } from '../core/types.js';

/** Each transform is applied with probability `p`; its amount is drawn uniformly within its range. */
export interface AugmentParams {
  /** Rotation about the image centre, uniform in [-maxDeg, maxDeg]. */
  rotate: { p: number; maxDeg: number };
  /** Translation, uniform in [-max, max] times the image width (x) and height (y), drawn independently. */
  translate: { p: number; max: number };
  /** Zoom about the image centre (bounding-box jitter): factor uniform in [1 - max, 1 + max]; max in [0, 0.5], the range is 0 to 0.2. */
  scale: { p: number; max: number };
  /** Horizontal shear, uniform in [-maxDeg, maxDeg]. */
  shear: { p: number; maxDeg: number };
  /** Horizontal mirror; the schema's flip pairs swap so that "left" stays the subject's left. */
  flip: { p: number };
  /** Added to every pixel (image in [0, 1]), uniform in [-max, max]. */
  brightness: { p: number; max: number };
  /** Scales deviations from the image mean by a factor uniform in [1 - max, 1 + max]. */
  contrast: { p: number; max: number };
  /** v -> v^g with log(g) uniform in [-log(1 + max), log(1 + max)]. */
  gamma: { p: number; max: number };
  /** Additive Gaussian noise with sigma uniform in [0, maxSigma] (image in [0, 1]). */
  noise: { p: number; maxSigma: number };
  /** Separable Gaussian blur with sigma uniform in [min(0.3, maxSigma), maxSigma] pixels. */
  blur: { p: number; maxSigma: number };
  /** What the warp shows where it looks outside the source image. */
  border: 'edge' | 'reflect' | 'constant';
  /** Grey level in [0, 1] for border `constant`. */
  fillValue: number;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** What callers may pass: a preset name, or a preset (default `default`) with some fields overridden. */
export type AugmentParamsInput = string | (DeepPartial<AugmentParams> & { preset?: string });

/** The amounts drawn for one sample; neutral values (0, 1, false) mean the transform did not fire. */
export interface AugmentDraw {
  flip: boolean;
  rotateDeg: number;
  /** Pixels. */
  translateX: number;
  translateY: number;
  scale: number;
  shearDeg: number;
  brightness: number;
  contrast: number;
  gamma: number;
  noiseSigma: number;
  blurSigma: number;
}

export interface AugmentPreviewRequest {
  /** Samples to show (repeated in turn when `count` is larger); default: a seeded random choice of samples with pixels. */
  sampleIds?: number[];
  /** How many augmented samples, 1 to 64. */
  count: number;
  /** Preset name or partial parameters (see augment/params.ts); default preset `default`. */
  params?: AugmentParamsInput | null;
  /** Same seed, same preview. Default 1. */
  seed?: number;
  /** Larger images are scaled down (before augmenting) so that their longer side is at most this; default 256. */
  maxSide?: number;
  /** `png`: pixels is a base64 PNG (default); `array`: pixels is row-major grey levels 0-255. */
  encoding?: 'png' | 'array';
}

export interface AugmentPreviewSample {
  sampleId: number;
  width: number;
  height: number;
  /** Grey, like the training input. */
  channels: 1;
  encoding: 'png' | 'array';
  pixels: string | number[];
  /** In pixels of this preview image; keypoints pushed out of the image are missing (NaN). */
  keypoints: Keypoint[];
  /** What was applied (neutral values: not applied). */
  draw: AugmentDraw;
  /** Preview pixels per stored-image pixel (1 unless scaled down by maxSide). */
  scale: number;
}

export interface AugmentPreviewResponse {
  samples: AugmentPreviewSample[];
  /** The complete parameters used, after the preset and overrides were resolved. */
  params: AugmentParams;
  seed: number;
}
