// The one typed table of service operations and events, with each op's request check (OP_CHECKS). Electron IPC and
// HTTP/WebSocket are both generated from it.
import type { RepeatedImport, ServiceErrorShape } from '../core/errors.js';
export type { RepeatedImport, ServiceErrorShape };
import type { FitMappingRequest, PretrainedInfo } from './pretrained.js';
import type {
  JournalEntry,
  KeypointSchema,
  KeypointState,
  SampleDetail,
  SampleSummary,
  Split,
} from '../core/types.js';
import type { AugmentPreviewRequest, AugmentPreviewResponse } from './augment-preview.js';
import type { PredictionRecord, RunRecord, RunSplitEntry } from './records.js';
import type { ChangeSummary } from './records.js';
import type { QcListResult, QcRunRequest } from './qc.js';
import type { ExportSubset, OtherSizes, PredictedExport } from './export.js';
import type { PhotoAddRequest, PhotoAddResult, PhotoPredictBatchRequest, PhotoPrediction, PhotoPredictRequest, PhotoUploadRequest, RunFilters, RunHeatmap, RunHeatmapRequest, TrainOptions } from './train-photo.js';

import { EXPORT_FORMAT_IDS, IMPORT_FORMAT_IDS, type ExportFormat, type ImportFormat } from './formats.js';
import * as c from './checks.js';
import type { Validator } from './checks.js';

/** Format ids, from the format registry (formats.ts). */
export type { ExportFormat, ImportFormat };

/**
 * What an import does when its source was imported before (same path and content hash, or the same image set):
 * skip imports nothing; replace-labels overwrites the labels of the samples with the same source and record;
 * add imports new copies.
 */
export type OnRepeat = 'skip' | 'replace-labels' | 'add';
export const ON_REPEAT: readonly OnRepeat[] = ['skip', 'replace-labels', 'add'];


/** What a finished `submit` job (runs.submit) returns. */
export interface SubmissionResult {
  run: string;
  /** Test images predicted. */
  images: number;
  /** Rows written (the lookup table's). */
  rows: number;
  out: string;
}

/** The result of an import job. */
export interface ImportResult {
  count: number;
  firstId: number;
  lastId: number;
  path: string;
  format: ImportFormat;
  /** Set when the source was a repeat: what was done about it. */
  repeat?: OnRepeat;
  /** replace-labels: samples whose labels changed; records with no matching sample are counted in unmatched. */
  updated?: number;
  unmatched?: number;
  /** The journal action of the import (null when nothing was written); history.undo reverts it. */
  actionId: number | null;
  /** Said when the import is done but something about it needs attention (e.g. images a Kaggle CSV export cannot hold as they are). */
  warnings?: string[];
}

export interface ProjectInfo {
  path: string;
  name: string;
  schema: KeypointSchema;
  sampleCount: number;
  schemaVersion: number;
  /** Present (true) when the project was opened read-only. */
  readOnly?: true;
}

export interface JobRef {
  jobId: string;
}

export type JobState = 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface JobStatus {
  jobId: string;
  kind: string;
  state: JobState;
  done: number;
  total: number;
  message: string;
  result?: unknown;
  error?: ServiceErrorShape;
}


export interface PerKeypointStats {
  name: string;
  labelled: number;
  missing: number;
  occluded: number;
  /** Of the present values (labelled or occluded), those a model filled and no person confirmed yet. */
  predicted: number;
  xMin: number | null;
  xMax: number | null;
  xMean: number | null;
  yMin: number | null;
  yMax: number | null;
  yMean: number | null;
}

export interface DatasetStats {
  sampleCount: number;
  /** Distinct image shapes, e.g. [{width: 96, height: 96, channels: 1, count: 7049}]. */
  imageShapes: { width: number; height: number; channels: number; count: number }[];
  dtype: string;
  pixel: { min: number; max: number; mean: number; sampled: number } | null;
  keypoints: PerKeypointStats[];
  completeRows: number;
  /** histogram[k] = number of samples with exactly k labelled keypoints (k = 0..K). */
  labelledPerRowHistogram: number[];
  /** Mean position of each keypoint over the samples where it is labelled (null where never labelled). */
  meanShape: ({ x: number; y: number } | null)[];
  splits: Record<Split, number>;
  /** Face detector results (the crop rule of photo samples): found, none found, not looked at yet. */
  faces?: { found: number; none: number; pending: number };
  /** Predicted, unconfirmed keypoints in all, and the samples holding at least one. */
  predicted: { keypoints: number; samples: number };
}

export interface SampleQuery {
  offset?: number;
  limit?: number;
  /** Only samples with at least this many missing keypoints. */
  minMissing?: number;
  maxMissing?: number;
  /** Only samples where this keypoint (index) is missing. */
  missingKeypoint?: number;
  split?: Split;
  tag?: string;
  /** Substring of the source name. */
  text?: string;
  /** Face detector result: a face found, none found (the sample uses the fallback crop), or not looked at yet. */
  face?: 'found' | 'none' | 'pending';
  /** true: only samples with a predicted, unconfirmed keypoint; false: only samples without one. */
  predicted?: boolean;
  /** Sort order; `error` needs `runId`. */
  sort?: 'id' | 'missing-desc' | 'missing-asc' | 'source' | 'error-desc';
  runId?: string;
}

export interface KeypointEdit {
  index: number;
  x: number;
  y: number;
  state: KeypointState;
  /** With a model's actor only: the model's confidence in [0, 1] for this value, kept while it stays unconfirmed. */
  confidence?: number;
}

export interface UndoResult {
  /** The action that was undone or redone, or null when there was nothing to do. */
  actionId: number | null;
  label: string | null;
  sampleIds: number[];
}

/** Training settings a request may give (model, epochs, batch, lr, optimizer, schedule, ...); train/config.ts validates them. */
export type TrainSettings = Record<string, unknown>;

/** A training job and the run it writes. */
export interface TrainStarted {
  jobId: string;
  runId: string;
}

/** Operation name -> request and response. Add new operations here; both transports pick them up. */
export interface Ops {
  'app.info': { req: Record<string, never>; res: { version: string; mode: 'electron' | 'web'; backend: string | null } };
  'schema.list': { req: Record<string, never>; res: KeypointSchema[] };

  'project.create': { req: { path: string; schema: string | KeypointSchema }; res: ProjectInfo };
  /** readOnly: no lock and no writes, for reading a project another process has open (kps stats, kps export). */
  'project.open': { req: { path: string; readOnly?: boolean }; res: ProjectInfo };
  'project.info': { req: Record<string, never>; res: ProjectInfo | null };
  'project.close': { req: Record<string, never>; res: { ok: true } };

  /**
   * The job fails with a 'conflict' error carrying `repeat` when the source was imported before and onRepeat is not
   * given. The import is one action: history.undo soft-deletes its samples (or restores the replaced labels).
   */
  'import.start': { req: { path: string; format: ImportFormat; onRepeat?: OnRepeat }; res: JobRef };
  /** An existing `out` (a file, or a non-empty folder) is a 'conflict' error naming it unless `overwrite` is true. */
  /** `subset`: only some samples (export-types.ts); `otherSizes`: what kaggle-csv does with samples not 96x96. The job's result is an ExportResult. */
  'export.start': { req: { out: string; format: ExportFormat; overwrite?: boolean; subset?: ExportSubset; otherSizes?: OtherSizes; predicted?: PredictedExport }; res: JobRef };
  'job.get': { req: JobRef; res: JobStatus };
  'job.list': { req: Record<string, never>; res: JobStatus[] };
  'job.cancel': { req: JobRef; res: JobStatus };
  /** Pause a running job at its next checkpoint (training); import and export ignore pauses until they end. */
  'job.pause': { req: JobRef; res: JobStatus };
  'job.resume': { req: JobRef; res: JobStatus };
  /**
   * Resolves when the job ends (done, failed or cancelled), or after `timeoutMs` with the job's current status
   * (a long poll: HTTP clients and proxies give up on a response that takes many minutes, e.g. training).
   */
  'job.wait': { req: JobRef & { timeoutMs?: number }; res: JobStatus };

  'stats.get': { req: Record<string, never>; res: DatasetStats };

  'samples.list': { req: SampleQuery; res: { total: number; items: SampleSummary[] } };
  /** Ids only, in the query's order: for keyboard navigation and bulk actions over thousands of samples. */
  'samples.ids': { req: SampleQuery; res: { ids: number[] } };
  'sample.get': { req: { id: number }; res: SampleDetail };
  'sample.history': { req: { id: number }; res: JournalEntry[] };

  /**
   * `mergeInto`: an action id this edit continues (a run of arrow-key nudges of one keypoint is one undo step). Honoured
   * only while that action is the newest in the journal, not undone, by the same actor, and touches exactly these
   * keypoints of this sample; otherwise the edit is a new action. The answer's `actionId` says which happened.
   * `project`: the path of the project the edit was made in; when another project is open the edit is refused
   * (code `conflict`, `file` = that path), so a retried save never lands on the same sample id of another project.
   */
  'labels.set': { req: { sampleId: number; edits: KeypointEdit[]; actor?: string; label?: string; mergeInto?: number; project?: string }; res: { revision: number; actionId: number } };
  /**
   * Confirms predicted, unconfirmed keypoints (provenance `model:...`) as they are: the values become the actor's
   * (default `annotator`) in ONE undoable action. `ids`: these samples (default: every sample holding one);
   * `keypoints`: only these keypoint indices.
   */
  'labels.confirm': { req: { ids?: number[]; keypoints?: number[]; actor?: string }; res: ConfirmResult };
  'samples.tag': { req: { ids: number[]; add?: string[]; remove?: string[]; actor?: string }; res: { actionId: number | null } };
  'samples.setSplit': { req: { ids: number[]; split: Split; actor?: string }; res: { actionId: number | null } };
  'samples.delete': { req: { ids: number[]; actor?: string }; res: { actionId: number | null } };
  'history.undo': { req: Record<string, never>; res: UndoResult };
  'history.redo': { req: Record<string, never>; res: UndoResult };

  // Training engine (service/handlers/train.ts): runs are trained in a worker thread as a job of kind `train`.
  'train.start': { req: { config?: TrainSettings; name?: string; backend?: string }; res: TrainStarted };
  'train.pause': { req: { runId: string }; res: RunRecord };
  /** Resumes a paused run, or continues an interrupted one (crash, restart, cancel) from its last checkpoint as a new job. */
  'train.resume': { req: { runId: string }; res: TrainStarted };
  'train.cancel': { req: { runId: string }; res: RunRecord };
  'runs.list': { req: Record<string, never>; res: RunRecord[] };
  'runs.get': { req: { id: string }; res: RunRecord };
  'runs.update': { req: { id: string; name?: string; notes?: string }; res: RunRecord };
  'runs.delete': { req: { id: string }; res: { ok: true } };
  /** Evaluates the run's best model on the project as it is now; the job's result is the evaluation report. */
  'runs.evaluate': { req: { id: string }; res: JobRef };
  'predictions.get': { req: { runId: string; sampleIds?: number[] }; res: PredictionRecord[] };
  /** The run's own train / val / test side of each sample it used, stored when its training started. */
  'runs.split': { req: { id: string }; res: RunSplit };
  /**
   * A Kaggle submission (RowId,Location) for test.csv from the run's best model, as a job of kind `submit` whose
   * result is a SubmissionResult. `out` is never replaced unless `overwrite` (a 'conflict' naming it).
   */
  'runs.submit': { req: { runId: string; test: string; lookup: string; out: string; overwrite?: boolean }; res: JobRef };
  /** Finds the face of every photo sample without a stored detector result (train/faces.ts); the job's result counts them. */
  'faces.detect': { req: { inputSize?: number }; res: JobRef };

  /** N augmented samples of the open project with their keypoints (train view preview grid); handler: service/handlers/augment.ts. */
  'augment.preview': { req: AugmentPreviewRequest; res: AugmentPreviewResponse };

  // Training UI: model choices, first-layer filters, heatmaps (train domain), own photos (photo domain).
  'train.options': { req: Record<string, never>; res: TrainOptions };
  /** The first convolution layer's filters of a run's best model. */
  'runs.filters': { req: { id: string }; res: RunFilters };
  /** One keypoint's heatmap for a sample (heatmap models only). */
  'runs.heatmap': { req: RunHeatmapRequest; res: RunHeatmap };
  /** Find and crop the face of a photo on the service's machine and predict its keypoints with a run. */
  'photo.predict': { req: PhotoPredictRequest; res: PhotoPrediction };
  /** Predict every photo of files and folders with a run, as a job of kind `predict` (result: a PredictionsFile, what `kps predict --out` writes). */
  'photo.predictBatch': { req: PhotoPredictBatchRequest; res: JobRef };
  /** Add a photo to the project as a new file-backed sample, optionally pre-filled with a run's predictions. */
  'photo.add': { req: PhotoAddRequest; res: PhotoAddResult };
  /** Save a photo dropped in the page (bytes) beside the project, for photo.predict and photo.add by path. */
  'photo.upload': { req: PhotoUploadRequest; res: { path: string } };

  // Label quality (service/handlers/qc.ts): qc.run is a job of kind `qc`; its queue is read with qc.list.
  'qc.run': { req: QcRunRequest; res: JobRef };
  'qc.list': { req: { includeDismissed?: boolean; offset?: number; limit?: number }; res: QcListResult };
  /** Dismissed samples leave the queue and stay out of it in later QC runs (kept in the project file). */
  'qc.dismiss': { req: { sampleIds: number[]; actor?: string }; res: { dismissed: number[] } };
  'qc.restore': { req: { sampleIds: number[] }; res: { dismissed: number[] } };
  /** What changed in the labels since import (edited, filled, made missing; by provenance): for export after review. */
  'changes.summary': { req: Record<string, never>; res: ChangeSummary };

  // Model-assisted labelling (service/handlers/assist.ts).
  /** A run's predictions for samples: the stored ones, else computed now with the run's best model. */
  'assist.predict': { req: { runId: string; sampleIds: number[] }; res: { runId: string; items: AssistPrediction[] } };
  /** Writes a run's predictions into the missing keypoints of many samples as ONE undoable action (actor `model:<run id>`), tagged for review. */
  'assist.fillBatch': { req: { runId: string; sampleIds: number[]; tag?: string | null; minConfidence?: number }; res: FillBatchResult };

  // The pretrained start (service/handlers/pretrained.ts): the face-api 68-point net as the pseudo-run `pretrained:face-api-68`.
  /** What the pretrained net offers this project: direct (ibug-68) or through a fitted mapping, with its held-out error. */
  'pretrained.info': { req: Record<string, never>; res: PretrainedInfo };
  /** Fit the mapping from the net's 68 points to this layout on the labelled samples: a job of kind `pretrained-mapping` (result: PretrainedInfo). */
  'pretrained.fitMapping': { req: FitMappingRequest; res: JobRef };
  'pretrained.deleteMapping': { req: Record<string, never>; res: PretrainedInfo };

  // Gallery thumbnails (service/handlers/thumbs.ts).
  /** Raw pixels of many samples at once (at most 512 ids), in the order asked: the gallery draws them without an image request each. */
  'thumbs.batch': { req: { ids: number[] }; res: { items: ThumbItem[] } };
}

/** A run's stored split: `spec` is its split setting (`random:0.1:0.1`, `group`, `stored`); `samples` is empty for a run trained before splits were stored. */
export interface RunSplit {
  runId: string;
  spec: string;
  samples: RunSplitEntry[];
  counts: { train: number; val: number; test: number };
}

/**
 * One sample's thumbnail source: `bmp` carries an embedded image as an 8-bit grey BMP file (base64; row-major pixels
 * start at the offset in bytes 10-13, bottom-up); `file` means the sample's pixels are an image file (fetch
 * GET /image/<id>?size=); `none` means no pixels or no such sample.
 */
export type ThumbItem =
  | { id: number; kind: 'bmp'; width: number; height: number; bmp: string }
  | { id: number; kind: 'file' }
  | { id: number; kind: 'none' };

/** One sample's prediction for model-assisted labelling. */
export interface AssistPrediction {
  sampleId: number;
  /** Flat [x0, y0, x1, y1, ...] over the schema's keypoints, image pixels; NaN where the run predicts nothing. */
  coords: number[];
  /** `stored`: written by training or evaluation; `computed`: inferred for this request. */
  source: 'stored' | 'computed';
  /** Per schema keypoint, the model's confidence in [0, 1] where it gives one (heatmap models), else null. */
  confidence?: (number | null)[];
}

export interface FillBatchResult {
  /** The one journal action (history.undo reverts it whole); null when nothing was missing or predicted. */
  actionId: number | null;
  /** Samples that got at least one keypoint. */
  samples: number[];
  keypoints: number;
  /** Samples with nothing to fill (no missing keypoint the run predicts, or no pixels). */
  skipped: number;
  tag: string | null;
  /** With minConfidence: missing keypoints the run predicted below the threshold (left missing). */
  belowThreshold?: number;
}

/** What labels.confirm did: one undoable action making predicted values a person's. */
export interface ConfirmResult {
  actionId: number | null;
  samples: number[];
  keypoints: number;
}

export type OpName = keyof Ops;
export type OpRequest<K extends OpName> = Ops[K]['req'];
export type OpResponse<K extends OpName> = Ops[K]['res'];

/** Most samples one assist request may ask for: inference runs on the service's thread. */
export const ASSIST_MAX_SAMPLES = 20_000;
/** Most thumbnails one thumbs.batch request may ask for. */
export const THUMBS_MAX_IDS = 512;
const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Every operation's request check, in one style (api/checks.ts): the transports and the service run it before any
 * handler, so a handler sees a request of the shape its type says. The table is typed by `Ops`: an op without its
 * check, or a check of an op that does not exist, does not compile. Handlers keep only the checks that need the
 * project (a run that exists, a keypoint of the schema) or the file system.
 */
export const OP_CHECKS = {
  'app.info': c.none,
  'schema.list': c.none,
  'project.create': (r, op) => {
    c.str(r, op, 'path');
    const s = r.schema;
    if (typeof s === 'string') {
      if (s.length === 0) c.fail(op, '"schema" must not be empty');
    } else if (s === null || typeof s !== 'object') c.fail(op, '"schema" must be a schema id, a path to a schema JSON file, or a schema object');
  },
  'project.open': (r, op) => {
    c.str(r, op, 'path');
    c.bool(r, op, 'readOnly');
  },
  'project.info': c.none,
  'project.close': c.none,
  'import.start': (r, op) => {
    c.str(r, op, 'path');
    c.oneOf(r, op, 'format', IMPORT_FORMAT_IDS);
    c.oneOf(r, op, 'onRepeat', [...ON_REPEAT], true);
  },
  'export.start': (r, op) => {
    c.str(r, op, 'out');
    c.oneOf(r, op, 'format', EXPORT_FORMAT_IDS);
    c.bool(r, op, 'overwrite');
    c.exportExtras(r, op);
  },
  'job.get': c.jobRef,
  'job.list': c.none,
  'job.cancel': c.jobRef,
  'job.pause': c.jobRef,
  'job.resume': c.jobRef,
  'job.wait': (r, op) => {
    c.jobRef(r, op);
    c.int(r, op, 'timeoutMs', true);
  },
  'stats.get': c.none,
  'samples.list': c.query,
  'samples.ids': c.query,
  'sample.get': (r, op) => c.int(r, op, 'id'),
  'sample.history': (r, op) => c.int(r, op, 'id'),
  'labels.set': c.edits,
  'labels.confirm': (r, op) => {
    if (r.ids !== undefined) c.idList(r, op, 'ids');
    if (r.keypoints !== undefined && (!Array.isArray(r.keypoints) || !r.keypoints.every((k) => Number.isInteger(k) && (k as number) >= 0))) c.fail(op, '"keypoints" must be an array of keypoint indices');
    c.str(r, op, 'actor', true);
  },
  'samples.tag': (r, op) => {
    c.idList(r, op, 'ids');
    c.strList(r, op, 'add');
    c.strList(r, op, 'remove');
    if (r.add === undefined && r.remove === undefined) c.fail(op, 'give "add" or "remove"');
    c.str(r, op, 'actor', true);
  },
  'samples.setSplit': (r, op) => {
    c.idList(r, op, 'ids');
    c.oneOf(r, op, 'split', c.SPLITS);
    c.str(r, op, 'actor', true);
  },
  'samples.delete': (r, op) => {
    c.idList(r, op, 'ids');
    c.str(r, op, 'actor', true);
  },
  'history.undo': c.none,
  'history.redo': c.none,

  'train.start': (r, op) => {
    if (r.config !== undefined && (typeof r.config !== 'object' || r.config === null || Array.isArray(r.config))) c.fail(op, '"config" must be an object of training settings');
    c.str(r, op, 'name', true);
    c.oneOf(r, op, 'backend', BACKENDS, true);
  },
  'train.pause': (r, op) => c.str(r, op, 'runId'),
  'train.resume': (r, op) => c.str(r, op, 'runId'),
  'train.cancel': (r, op) => c.str(r, op, 'runId'),
  'train.options': c.none,
  'runs.list': c.none,
  'runs.get': (r, op) => c.str(r, op, 'id'),
  'runs.update': (r, op) => {
    c.str(r, op, 'id');
    if (r.name !== undefined && (typeof r.name !== 'string' || r.name.trim() === '')) c.fail(op, '"name" must be a non-empty string');
    if (r.notes !== undefined && typeof r.notes !== 'string') c.fail(op, '"notes" must be a string');
  },
  'runs.delete': (r, op) => c.str(r, op, 'id'),
  'runs.evaluate': (r, op) => c.str(r, op, 'id'),
  'runs.split': (r, op) => c.str(r, op, 'id'),
  'runs.submit': (r, op) => {
    c.str(r, op, 'runId');
    c.str(r, op, 'test');
    c.str(r, op, 'lookup');
    c.str(r, op, 'out');
    c.bool(r, op, 'overwrite');
  },
  'runs.filters': (r, op) => c.str(r, op, 'id'),
  'runs.heatmap': (r, op) => {
    c.str(r, op, 'id');
    c.int(r, op, 'sampleId');
    c.int(r, op, 'keypoint');
  },
  'predictions.get': (r, op) => {
    c.str(r, op, 'runId');
    if (r.sampleIds !== undefined && (!Array.isArray(r.sampleIds) || !r.sampleIds.every((x) => Number.isInteger(x)))) c.fail(op, '"sampleIds" must be a list of sample ids');
  },
  'faces.detect': (r, op) => c.optInt(r, op, 'inputSize', 8),
  'augment.preview': (r, op) => {
    // Shape only; augmentPreview checks ranges and explains them.
    if (typeof r.count !== 'number') c.fail(op, '"count" must be a number');
  },
  'photo.predict': (r, op) => {
    c.str(r, op, 'path');
    c.str(r, op, 'runId', true);
    c.optInt(r, op, 'faceIndex', 0);
  },
  'photo.predictBatch': (r, op) => {
    if (!Array.isArray(r.paths) || r.paths.length === 0 || !r.paths.every((x) => typeof x === 'string' && x.trim() !== '')) c.fail(op, '"paths" must be a non-empty list of photo files or folders');
    c.bool(r, op, 'detect');
    c.bool(r, op, 'allFaces');
    if (r.allFaces && r.detect === false) c.fail(op, 'allFaces needs the faces found (detect: false uses each whole image)');
    c.str(r, op, 'runId');
  },
  'photo.add': (r, op) => {
    c.str(r, op, 'path');
    const face = r.face;
    if (face !== undefined && face !== 'each' && !(Number.isInteger(face) && (face as number) >= 0)) c.fail(op, `"face" must be a face index (0, 1, ...) or "each", got ${JSON.stringify(face)}`);
    c.str(r, op, 'prefillRunId', true);
  },
  'photo.upload': (r, op) => c.str(r, op, 'name'),
  'qc.run': (r, op) => {
    c.str(r, op, 'runId', true);
    c.bool(r, op, 'noModel');
    c.optInt(r, op, 'folds', 2);
    c.optInt(r, op, 'epochs', 1);
    c.optInt(r, op, 'seed', 0);
  },
  'qc.list': (r, op) => {
    c.optInt(r, op, 'offset', 0);
    c.optInt(r, op, 'limit', 0);
    c.bool(r, op, 'includeDismissed');
  },
  'qc.dismiss': (r, op) => {
    c.sampleIds(r, op, 'sampleIds');
    if (r.actor !== undefined && typeof r.actor !== 'string') c.fail(op, '"actor" must be a string');
  },
  'qc.restore': (r, op) => c.sampleIds(r, op, 'sampleIds'),
  'changes.summary': c.none,
  'assist.predict': (r, op) => {
    c.str(r, op, 'runId');
    c.sampleIds(r, op, 'sampleIds', ASSIST_MAX_SAMPLES);
  },
  'assist.fillBatch': (r, op) => {
    c.str(r, op, 'runId');
    c.sampleIds(r, op, 'sampleIds', ASSIST_MAX_SAMPLES);
    if (r.tag !== undefined && r.tag !== null && (typeof r.tag !== 'string' || r.tag.trim() === '')) c.fail(op, '"tag" must be a non-empty string or null');
    if (r.minConfidence !== undefined && !(typeof r.minConfidence === 'number' && r.minConfidence >= 0 && r.minConfidence <= 1)) c.fail(op, '"minConfidence" must be a number in [0, 1]');
  },
  'pretrained.info': c.none,
  'pretrained.fitMapping': (r, op) => {
    c.optInt(r, op, 'maxSamples', 4);
    c.optInt(r, op, 'folds', 2);
  },
  'pretrained.deleteMapping': c.none,
  'thumbs.batch': (r, op) => {
    const ids = r.ids;
    if (!Array.isArray(ids) || ids.length > THUMBS_MAX_IDS || !ids.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
      c.fail(op, `"ids" must be an array of at most ${THUMBS_MAX_IDS} sample ids (non-negative integers)`);
    }
  },
} satisfies { [K in OpName]: Validator };

/** Runtime list of operation names; the transports accept these and nothing else (the keys of OP_CHECKS). */
export const OP_NAMES = Object.keys(OP_CHECKS) as OpName[];

/** Runs the op's request check (throws bad-input); `op` must be one of OP_NAMES. */
export function checkRequest(op: OpName, req: Record<string, unknown>): void {
  (OP_CHECKS[op] as Validator)(req, op);
}

/** Event name -> payload. */
export interface Events {
  'job.progress': JobStatus;
  'job.ended': JobStatus;
  'dataset.changed': { sampleIds: number[] | null; reason: string };
  'project.changed': { project: ProjectInfo | null };
}
export type EventName = keyof Events;
export const EVENT_NAMES = ['job.progress', 'job.ended', 'dataset.changed', 'project.changed'] as const satisfies readonly EventName[];

/** What a front end holds: call an operation, listen to events. Implemented over IPC, over HTTP+WS, and in-process. */
export interface ApiClient {
  call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** URL the renderer can put in an <img> or Konva image for a sample's pixels. */
  imageUrl(sampleId: number): string;
}

/**
 * Wire codec for JSON transports (HTTP bodies and WebSocket messages). JSON has no NaN or Infinity, and a
 * missing keypoint is NaN, so non-finite numbers are written as the object {"$num": "NaN" | "Infinity" | "-Infinity"}
 * and read back as numbers. Everything else is plain JSON. Both ends (the server and the renderer's web client)
 * must use these two functions. Electron IPC uses structured clone, which keeps NaN, and needs no codec.
 * For hand-written requests (curl), `null` is also accepted wherever the service expects a keypoint coordinate.
 */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
    return v;
  });
}

export function decodeWire(text: string): unknown {
  // Fast path: most messages carry no non-finite number, and a reviver makes JSON.parse several times slower.
  if (!text.includes('"$num"')) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$num === 'string') {
        let only = true;
        for (const k in o) if (k !== '$num') only = false;
        if (only) {
          if (o.$num === 'NaN') return NaN;
          if (o.$num === 'Infinity') return Infinity;
          if (o.$num === '-Infinity') return -Infinity;
        }
      }
    }
    return v;
  });
}
