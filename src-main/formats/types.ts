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
}

/** What exporters read: the store implements this. */
export interface ExportSource {
  schema: KeypointSchema;
  count(): number;
  samples(): Iterable<ExportSample>;
}

export type Exporter = (source: ExportSource, out: string, ctx: JobContext) => Promise<{ written: number; files: string[] }>;
