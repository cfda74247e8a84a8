// Request and response types of the training UI's service operations (service/handlers/photo.ts, service/run-views.ts): types only, importable by the renderer.
import type { PredictionsFile } from '../core/predictions.js';

export interface TrainModelOption {
  name: string;
  description: string;
  /** True when the model emits heatmaps (the heatmap loss and the compare view's heatmap need them). */
  heatmaps: boolean;
  /** Keypoints the model is built for when fixed (smallnet: one, the nose tip). */
  fixedKeypoints?: number;
}

export interface TrainOptions {
  models: TrainModelOption[];
  /** The engine's defaults for every training setting (train/config.ts DEFAULT_CONFIG). */
  defaults: Record<string, unknown>;
  optimizers: string[];
  losses: string[];
  augmentPresets: string[];
}

/** One filter of the first convolution layer: kernel height x width, summed over input channels. */
export interface ConvFilter {
  width: number;
  height: number;
  /** Row-major kernel weights (raw values; the view scales them for display). */
  values: number[];
}

export interface RunFilters {
  runId: string;
  layer: string;
  filters: ConvFilter[];
}

export interface RunHeatmapRequest {
  id: string;
  sampleId: number;
  /** Schema keypoint index. */
  keypoint: number;
}

export interface RunHeatmap {
  runId: string;
  sampleId: number;
  keypoint: number;
  /** Heatmap grid size and row-major values (softmax-normalised: they sum to 1). */
  width: number;
  height: number;
  values: number[];
  /** The region of the stored image the model saw (image pixels): the heatmap spans this square. */
  box: { x0: number; y0: number; side: number };
}

export interface PhotoPredictRequest {
  /** A photo on the machine that runs the service (web mode) or picked with the file dialog (Electron). */
  path: string;
  /** Run whose model predicts; none: only find and crop the face. */
  runId?: string;
  /** Which face of a photo of several people (in `faces` order, best score first); default 0. */
  faceIndex?: number;
}

export interface PhotoPrediction {
  path: string;
  width: number;
  height: number;
  /** The photo, scaled so its longer side is at most 800 px, as a data: URL (web mode cannot read server paths). */
  imageUrl: string;
  /** Display pixels per photo pixel. */
  scale: number;
  face: { x: number; y: number; width: number; height: number; score: number };
  /** Every face the detector found, best score first (empty: none; then `face` is the fallback crop). */
  faces: { x: number; y: number; width: number; height: number; score: number }[];
  /** The face the prediction is for: its place in `faces`. */
  faceIndex: number;
  /** `whole`: the photo is already face-sized (the run's input size), so the whole image is the crop, as `kps predict` does. */
  placement: 'landmarks' | 'box' | 'fallback' | 'whole';
  usedFallback: boolean;
  fallbackReason: string | null;
  detector: string;
  /** Flat [x0, y0, ...] over the schema's keypoints in photo pixels (NaN where not predicted); null without a run. */
  coords: number[] | null;
  runId: string | null;
  /** The same prediction as a predictions file of one image (what `kps predict --out` writes for this photo); null without a run. */
  predictions: PredictionsFile | null;
}

/** Predict every photo in files and folders with a run: a job of kind `predict` whose result is a PredictionsFile. */
export interface PhotoPredictBatchRequest {
  /** Photo files or folders (their image files, sorted by name, not recursive) on the service's machine. */
  paths: string[];
  runId: string;
  /** Find the face and crop it (default true); false uses each whole image. */
  detect?: boolean;
  /** Predict every face of each photo (one record per face, with its faceIndex), not only the best-scoring one. */
  allFaces?: boolean;
}

export interface PhotoAddRequest {
  path: string;
  /** Write this run's predictions as the new sample's labels (provenance `model:<run id>`), to be corrected. */
  prefillRunId?: string;
  /**
   * A photo of several people: the face to label (its place in photo.predict's `faces`), or 'each' for one sample per
   * face found. The sample stores that face as its crop (training and prediction crop it, not the best-scoring one).
   */
  face?: number | 'each';
}

export interface PhotoAddResult {
  /** The (first) new sample. */
  sampleId: number;
  /** Every new sample, one per face with `face: 'each'`. */
  sampleIds: number[];
  /** Keypoints written from the model (0 without prefill). */
  prefilled: number;
  /** Set when the photo does not fit the project's layout (a Kaggle project holds 96x96 grey images): what export will need. */
  warning?: string;
}

export interface PhotoUploadRequest {
  /** The dropped file's name (kept, made safe, for the saved copy). */
  name: string;
  /** The file's bytes, base64. */
  data: string;
}
