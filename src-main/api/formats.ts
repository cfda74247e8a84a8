// The dataset formats: one entry per format, by its command-line name. The service validates requests against it,
// formats/index.ts binds an importer and exporter to each id, and the menus, the import/export view and the CLI's
// help list it; and the values importers produce and exporters consume (the store writes and reads them). Pure data
// and types: the contract imports only core.
import type { Keypoint, KeypointSchema, Split } from '../core/types.js';

export interface FormatInfo {
  /** Command-line and request name (`--format`, `import.start`'s `format`). */
  readonly id: string;
  /** Short name for menus and lists. */
  readonly label: string;
  /** What the format holds, one phrase (shown beside the label in the import/export view). */
  readonly detail: string;
  /** One file, or a folder (of images with an annotation file each). */
  readonly kind: 'file' | 'folder';
  /** Extensions of the file, or of the annotation files in the folder (without the dot). */
  readonly extensions: readonly string[];
  /** A typical name of the file or folder, for placeholders. */
  readonly example: string;
  readonly import: boolean;
  readonly export: boolean;
}

/** In the order menus and help list them (exports as before: kaggle-csv, coco, pts). */
export const FORMATS = [
  { id: 'kaggle-csv', label: 'Kaggle training.csv', detail: '30 coordinates + Image', kind: 'file', extensions: ['csv'], example: 'training.csv', import: true, export: true },
  { id: 'kaggle-test-csv', label: 'Kaggle test.csv', detail: 'ImageId, Image', kind: 'file', extensions: ['csv'], example: 'test.csv', import: true, export: false },
  { id: 'kaggle-labels', label: 'Kaggle labels CSV', detail: 'the 30 coordinate columns alone', kind: 'file', extensions: ['csv'], example: 'labels.csv', import: true, export: false },
  { id: 'coco', label: 'COCO keypoints JSON', detail: 'images beside it or in images/', kind: 'file', extensions: ['json'], example: 'keypoints.json', import: true, export: true },
  { id: 'pts', label: 'Folder of .pts', detail: 'images with iBUG .pts files, 1-based', kind: 'folder', extensions: ['pts'], example: 'pts/', import: true, export: true },
  { id: 'asf', label: 'Folder of .asf', detail: 'images with IMM .asf files', kind: 'folder', extensions: ['asf'], example: 'asf/', import: true, export: false },
] as const satisfies readonly FormatInfo[];

type Entry = (typeof FORMATS)[number];
export type FormatId = Entry['id'];
export type ImportFormat = Extract<Entry, { import: true }>['id'];
export type ExportFormat = Extract<Entry, { export: true }>['id'];

export const IMPORT_FORMATS: readonly (Entry & { import: true })[] = FORMATS.filter((f): f is Extract<Entry, { import: true }> => f.import);
export const EXPORT_FORMATS: readonly (Entry & { export: true })[] = FORMATS.filter((f): f is Extract<Entry, { export: true }> => f.export);
export const IMPORT_FORMAT_IDS: readonly ImportFormat[] = IMPORT_FORMATS.map((f) => f.id);
export const EXPORT_FORMAT_IDS: readonly ExportFormat[] = EXPORT_FORMATS.map((f) => f.id);

/** The registry entry of a format id. */
export function formatInfo(id: FormatId): FormatInfo {
  return FORMATS.find((f) => f.id === id)!;
}

// What importers produce and exporters consume: plain values, independent of the store.

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
  /** Kaggle CSV: a sample that is not 96x96 fails the export (default), is left out, or is cropped and resized (service/kaggle-fit.ts). */
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
