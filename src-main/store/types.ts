// The contract of a project store; store/project.ts implements it over one SQLite file.
import type { StoredFace } from './faces.js';
import type { JournalEntry, KeypointSchema, SampleDetail, SampleSummary, Split } from '../core/types.js';
import type { ImportedSample, ExportSource } from '../api/formats.js';
import type { DatasetStats, KeypointEdit, RepeatedImport, SampleQuery, UndoResult } from '../api/ops.js';

/** What identifies an import's source for repeat detection (store/FORMAT.md, table import_sources). */
export interface ImportSourceKey {
  format: string;
  /** Resolved absolute path of the imported file or folder. */
  path: string;
  /** SHA-256 (hex) of the file's bytes; null for a folder. */
  contentHash: string | null;
  /** SHA-256 (hex) of the sorted image paths of file-backed samples; null when the import has none. */
  imageSetHash: string | null;
}

// Run and prediction records and the change summary are part of the contract (api/records.ts).
export type { ChangeSummary, PredictionRecord, RunRecord, RunSplitEntry } from '../api/records.js';
import type { ChangeSummary, PredictionRecord, RunRecord, RunSplitEntry } from '../api/records.js';

export interface ProjectStore {
  readonly path: string;
  readonly schema: KeypointSchema;
  /** Version of the project file's SQL schema (after migration on open). */
  readonly schemaVersion: number;
  /** Opened read-only (no lock, no writes): see OpenProjectOptions in project.ts. */
  readonly readOnly?: boolean;
  /** Bumped on every change to samples or labels: a run records the version it trained on. */
  dataVersion(): number;
  /**
   * Changes when keypoints or the set of live samples change (edits, fills, imports, deletes, their undo and redo),
   * not when only tags, splits or review marks do: what a QC report was computed from.
   */
  labelsVersion(): string;
  sampleCount(): number;
  close(): void;

  /**
   * Writes all samples in one transaction, as one journal action `import` that history.undo reverts (soft-deletes
   * its samples) and redo restores. `source`, when given, is recorded for repeat detection (findRepeatedImport).
   */
  importSamples(samples: ImportedSample[], actor: string, source?: ImportSourceKey): { count: number; firstId: number; lastId: number; actionId: number | null };
  /** The newest live (not undone) import with the same path and content hash, or else the same image set; null when none. */
  findRepeatedImport(key: ImportSourceKey): RepeatedImport | null;
  /**
   * Overwrites the labels of the live samples with the same source and record as each imported sample, as one
   * undoable `import` action (undo restores the labels before). Records with no matching sample are only counted.
   */
  replaceImportLabels(samples: ImportedSample[], actor: string, label: string): { updated: number; unmatched: number; actionId: number | null };

  listSamples(q: SampleQuery): { total: number; items: SampleSummary[] };
  sampleIds(q: SampleQuery): number[];
  getSample(id: number): SampleDetail;
  /** Embedded pixels (row-major grey), or null for file-backed and label-only samples. */
  getPixels(id: number): Uint8Array | null;
  /** Absolute path of the image file for file-backed samples, else null. */
  getImagePath(id: number): string | null;

  /** One action in the journal; durable when it returns. actionId is 0 when no value changed (nothing is journaled). */
  /** `mergeInto`: append to that action instead of making a new one, where it may be continued (see labels.set). */
  setLabels(sampleId: number, edits: KeypointEdit[], actor: string, label?: string, mergeInto?: number): { revision: number; actionId: number };
  /**
   * Several samples' edits as one undoable action (model-assisted batch fill). `opts.addTags` tags the samples whose
   * labels changed within the same action, so one undo reverts the labels and the tags together.
   */
  setLabelsBatch(edits: { sampleId: number; edits: KeypointEdit[] }[], actor: string, label: string, opts?: { addTags?: string[] }): { actionId: number | null };
  /** Predicted, unconfirmed values (of `ids`, or every sample when null) become the actor's, as they are, in one action. */
  confirmPredicted(ids: number[] | null, actor: string, keypoints?: number[]): { actionId: number | null; samples: number[]; keypoints: number };
  tagSamples(ids: number[], add: string[], remove: string[], actor: string): { actionId: number | null };
  setSplit(ids: number[], split: Split, actor: string): { actionId: number | null };
  deleteSamples(ids: number[], actor: string): { actionId: number | null };
  /** Reverts the latest live edit action (imports are not undoable); `actor` is who asked, for the journal. */
  undo(actor?: string): UndoResult;
  /** Re-applies the most recently undone action; a new edit after an undo empties the redo stack. */
  redo(actor?: string): UndoResult;
  history(sampleId: number): JournalEntry[];
  /** Differences between the current labels and the imported ones, counted by kind and by provenance. */
  changesSinceImport(): ChangeSummary;
  /** What undo and redo would act on now (null when nothing), with the action's label. */
  undoState(): { undo: { actionId: number; label: string } | null; redo: { actionId: number; label: string } | null };

  /**
   * Statistics of the live samples. Pixel figures cover embedded pixels plus the file-backed images measured so far
   * (`pixel.sampled` is the number of samples covered; null when none): see measureFilePixels.
   */
  stats(): DatasetStats;
  /**
   * Measures up to `maxSamples` file-backed images (evenly spread) with sharp for stats(); started automatically
   * after an import of file-backed samples. Resolves with how many were measured and how many could not be read.
   */
  measureFilePixels(maxSamples?: number): Promise<{ measured: number; failed: number }>;
  exportSource(): ExportSource;

  // Training results (filled by the training engine).
  saveRun(run: RunRecord): void;
  getRun(id: string): RunRecord;
  listRuns(): RunRecord[];
  deleteRun(id: string): void;
  savePredictions(preds: PredictionRecord[]): void;
  getPredictions(runId: string, sampleIds?: number[]): PredictionRecord[];
  /** Replaces the train / val / test side of each sample the run uses (one transaction; a bad entry writes nothing). */
  saveRunSplit(runId: string, entries: RunSplitEntry[]): void;
  /** The run's stored split in sample order; empty when it has none (a run trained before schema version 4). */
  getRunSplit(runId: string): RunSplitEntry[];

  /** A named JSON document kept in the project file (meta table, key `extra:<key>`), e.g. the pretrained mapping; null when absent. */
  getExtra(key: string): string | null;
  /** Writes (or with null, removes) a named document; not journaled, not undoable. */
  setExtra(key: string, value: string | null): void;

  /** Face detector results (store/faces.ts): replaced per sample. */
  saveFaces(faces: StoredFace[]): void;
  /** Detector results of the given samples (all when omitted); samples never looked at are absent. */
  getFaces(sampleIds?: number[]): StoredFace[];
}
