// Request and response of the `augment.preview` operation: types only, so the renderer can import them through service/api.ts.
import type { Keypoint } from '../core/types.js';
import type { AugmentDraw } from './augment.js';
import type { AugmentParams, AugmentParamsInput } from './params.js';

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
