// What importers produce and exporters consume: plain values, independent of the store.
import type { Keypoint, KeypointSchema, Split } from '../core/types.js';

export type ImportedImage =
  | { kind: 'embedded'; width: number; height: number; channels: 1; pixels: Uint8Array }
  | { kind: 'file'; path: string; width: number; height: number; channels: number }
  | { kind: 'none'; width: number; height: number; channels: 0 };

export interface ImportedSample {
  /** File the record came from, as given (absolute path). */
  source: string;
  /** 1-based record number within `source` (header excluded). */
  record: number;
  image: ImportedImage;
  groupId: string | null;
  split?: Split;
  /** External id kept for round trips and submissions, e.g. Kaggle `ImageId` or a COCO image id. */
  externalId?: string;
  /** One per schema keypoint, in schema order; missing ones are NaN with state `missing`. */
  keypoints: Keypoint[];
}

export interface JobContext {
  /** Report progress; `total` may be 0 when unknown. */
  progress(done: number, total: number, message?: string): void;
  signal: AbortSignal;
}

/** Importers validate the whole input and either return every sample or throw an ImportError; they never write. */
export type Importer = (path: string, schema: KeypointSchema, ctx: JobContext) => Promise<ImportedSample[]>;

export interface ExportSample {
  id: number;
  source: string;
  record: number;
  externalId: string | null;
  groupId: string | null;
  split: Split;
  width: number;
  height: number;
  channels: number;
  keypoints: Keypoint[];
  /** Embedded pixels (row-major grey) where the sample has them. */
  pixels: Uint8Array | null;
  /** Absolute path of the image file where the sample refers to one. */
  imagePath: string | null;
  /** Per keypoint: true where the value is a model's prediction no person has confirmed (absent: none is). */
  predicted?: boolean[];
  /** Per keypoint: the model's confidence of a predicted value where it gave one, else null. */
  confidence?: (number | null)[];
}

/** What exporters read: the store implements this. */
export interface ExportSource {
  schema: KeypointSchema;
  count(): number;
  samples(): Iterable<ExportSample>;
}

/** Options an exporter may honour; each says which. */
export interface ExportOptions {
  /** Kaggle CSV: a sample that is not 96x96 fails the export (default), is left out, or is cropped and resized (formats/kaggle-fit.ts). */
  otherSizes?: 'fail' | 'skip' | 'crop';
  /** COCO: write `keypoint_predicted` (0/1 per keypoint) and `keypoint_scores` (confidence or null) per annotation. */
  flagPredicted?: boolean;
}

export interface ExportWritten {
  written: number;
  files: string[];
  /** Kaggle CSV with otherSizes 'skip': samples left out because they are not 96x96 (count and the first few ids). */
  skipped?: { count: number; ids: number[] };
  /** Kaggle CSV with otherSizes 'crop': samples cropped and resized to 96x96. */
  cropped?: number;
}

export type Exporter = (source: ExportSource, out: string, ctx: JobContext, options?: ExportOptions) => Promise<ExportWritten>;
