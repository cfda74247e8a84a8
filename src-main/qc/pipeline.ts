// The label-quality pipeline: read a project's labels, get held-out predictions (cross-validated folds or a run's held-out samples), score and rank.
import { KpsError } from '../core/errors.js';
import type { Split } from '../core/types.js';
import type { PredictionRecord, RunRecord, RunSplitEntry } from '../api/records.js';
import { assignSplits, parseSplit, type TrainSource } from '../train/data.js';
import type { PretrainedStore } from '../train/pretrained/project.js';
import { crossValidatedPredictions, type CrossValOptions } from './folds.js';
import { readDismissals } from './persist.js';
import { isPretrainedId } from '../api/pretrained-id.js';
import { scoreSamples, type ScoreOptions } from './score.js';
import type { QcEntry, QcEvidence, QcReport } from '../api/qc.js';

export type { QcEntry, QcEvidence, QcReport };

export interface QcOptions extends ScoreOptions {
  /** Use this run's stored predictions for the samples it did not train on, instead of training folds. */
  runId?: string;
  /** Skip the model evidence altogether (shape and swap only: seconds instead of minutes). */
  noModel?: boolean;
  crossVal?: CrossValOptions;
  onProgress?(message: string, done: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * What QC reads of a project: the training slice (folds), the pretrained net's (its held-out predictions), and the runs
 * with their predictions and splits. Structural, so qc does not import the store layer; a ProjectStore satisfies it.
 */
export type QcStore = TrainSource & PretrainedStore & {
  labelsVersion(): string;
  getRun(id: string): RunRecord;
  getPredictions(runId: string, sampleIds?: number[]): PredictionRecord[];
  getRunSplit(runId: string): RunSplitEntry[];
};

/** The run's held-out samples (test and validation: never in a gradient step): its stored split, else rebuilt from its split settings. */
function heldOutOfRun(store: QcStore, run: RunRecord): Set<number> {
  // Runs since schema version 4 keep their split: exact even after the labels changed.
  const own = store.getRunSplit(run.id);
  if (own.length > 0) return new Set(own.filter((e) => e.split !== 'train').map((e) => e.sampleId));
  const cfg = run.config as { split?: string; seed?: number; keypointIndices?: number[] } | null;
  const final = run.final as { split?: { train: number; val: number; test: number } } | null;
  if (!cfg || typeof cfg.split !== 'string' || typeof cfg.seed !== 'number' || !Array.isArray(cfg.keypointIndices) || !final?.split) {
    throw new KpsError('bad-input', `run ${run.id} has no finished training record with its split: QC cannot tell which samples it trained on`);
  }
  // The same selection as the trainer's data pipeline: pixels present and one of the run's keypoints labelled.
  const ids: number[] = [];
  const groups: (string | null)[] = [];
  const stored: Split[] = [];
  for (const id of store.sampleIds({})) {
    const s = store.getSample(id);
    if (s.image.kind === 'none') continue;
    if (!cfg.keypointIndices.some((k) => s.keypoints[k] && s.keypoints[k].state !== 'missing' && Number.isFinite(s.keypoints[k].x))) continue;
    ids.push(id);
    groups.push(s.groupId);
    stored.push(s.split);
  }
  const splits = assignSplits(ids, groups, stored, parseSplit(cfg.split), cfg.seed);
  const count = (k: string) => splits.filter((s) => s === k).length;
  if (count('train') !== final.split.train || count('test') !== final.split.test || count('val') !== final.split.val) {
    throw new KpsError(
      'conflict',
      `run ${run.id} trained on an earlier state of the labels (data version ${run.dataVersion}, now ${store.dataVersion()}): its held-out samples cannot be recovered; run qc without --run to train cross-validated folds`,
    );
  }
  return new Set(ids.filter((_, i) => splits[i] !== 'train'));
}

/** Runs QC over the project and returns the ranked report (not yet saved: see service/handlers/qc.ts). */
export async function runQc(store: QcStore, o: QcOptions = {}): Promise<QcReport> {
  const t0 = Date.now();
  const schema = store.schema;
  const K = schema.keypoints.length;
  const ids = store.sampleIds({});
  const meta = new Map<number, { source: string; record: number }>();
  const shapes = new Map<number, Float64Array>();
  for (const id of ids) {
    if (o.signal?.aborted) throw new KpsError('cancelled', 'qc cancelled');
    const s = store.getSample(id);
    const shape = new Float64Array(2 * K).fill(NaN);
    s.keypoints.forEach((kp, k) => {
      if (k < K && kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y)) {
        shape[2 * k] = kp.x;
        shape[2 * k + 1] = kp.y;
      }
    });
    shapes.set(id, shape);
    meta.set(id, { source: s.source, record: s.record });
  }
  const evidence: QcEvidence = { shape: true, swap: schema.flipPairs.length > 0, model: 'none', runId: null, folds: null, modelSamples: 0, heldOutRmsePx: null, backend: null, settings: null, notes: [] };
  const predictions = new Map<number, Float64Array>();
  const sourceOf = new Map<number, string>();
  if (o.runId !== undefined && isPretrainedId(o.runId)) {
    // The pretrained net never saw these labels (ibug-68), or its mapping's k-fold held-out predictions (other layouts).
    const { pretrainedHeldOut } = await import('../train/pretrained/project.js');
    const held = await pretrainedHeldOut(store, { signal: o.signal, onProgress: o.onProgress });
    for (const [id, p] of held.predictions) {
      predictions.set(id, Float64Array.from(p));
      sourceOf.set(id, 'pretrained net');
    }
    evidence.model = 'pretrained';
    evidence.runId = o.runId;
    evidence.notes.push(held.note);
  } else if (o.runId !== undefined) {
    const run = store.getRun(o.runId);
    const held = heldOutOfRun(store, run);
    for (const p of store.getPredictions(run.id, [...held])) {
      if (!held.has(p.sampleId)) continue;
      predictions.set(p.sampleId, Float64Array.from(p.coords));
      sourceOf.set(p.sampleId, `run ${run.id}, held out`);
    }
    evidence.model = 'run';
    evidence.runId = run.id;
    evidence.backend = run.backend;
    evidence.notes.push(`model evidence from run ${run.id} for the ${predictions.size} samples it did not train on; the others are judged by shape only`);
  } else if (!o.noModel) {
    const cv = await crossValidatedPredictions(store, { ...o.crossVal, signal: o.signal, onProgress: o.onProgress });
    for (const [id, p] of cv.predictions) {
      predictions.set(id, p);
      sourceOf.set(id, `fold ${cv.foldOf.get(id)} of ${cv.folds}`);
    }
    evidence.model = 'folds';
    evidence.folds = cv.folds;
    evidence.heldOutRmsePx = cv.heldOutRmsePx;
    evidence.backend = cv.backend;
    evidence.settings = cv.settings;
  } else {
    evidence.notes.push('no model evidence (shape and swap tests only)');
  }
  evidence.modelSamples = predictions.size;
  o.onProgress?.('scoring', 0, 0);
  const items = scoreSamples(
    ids.map((id) => ({ id, shape: shapes.get(id) as Float64Array, prediction: predictions.get(id) ?? null, predictionSource: sourceOf.get(id) })),
    schema,
    o,
  );
  const dismissed = new Set(readDismissals(store.path).map((d) => d.sampleId));
  return {
    createdAt: new Date().toISOString(),
    dataVersion: store.dataVersion(),
    labelsVersion: store.labelsVersion(),
    seconds: (Date.now() - t0) / 1000,
    evidence,
    items: items.map((it) => ({ ...it, sample: it.sampleId, ...(meta.get(it.sampleId) as { source: string; record: number }), dismissed: dismissed.has(it.sampleId) })),
  };
}
