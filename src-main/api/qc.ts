// The label-quality queue's data shapes, shared by the QC pipeline, the service table and front ends. Pure types.

/** What QC says about one keypoint of a sample; `score` is its share of the blame (higher is more suspect). */
export interface KeypointBlame {
  index: number;
  name: string;
  /** -log10 of the keypoint's p-value under the population's shapes and the model's errors (0 = unremarkable). */
  score: number;
  /** Where the other labelled keypoints put it (image pixels), and how far the label is from there. */
  shapeExpected: [number, number] | null;
  shapeDistancePx: number | null;
  /** The held-out model's prediction, and how far the label is from it. */
  predicted: [number, number] | null;
  modelDistancePx: number | null;
}

export type QcKind = 'swap' | 'shape' | 'model';

export interface QcSwap {
  /** `flip`: the schema's left/right flip pairs (all, or one); `group`: two keypoints of one group (e.g. one eye's inner and outer corner). */
  kind: 'flip' | 'group';
  /** The pairs whose exchange explains the labels best (all flip pairs, or one pair). */
  pairs: [number, number][];
  /** How much better the exchanged labels fit: -log10 of the likelihood ratio (after the multiple-testing correction). */
  evidence: number;
  /** For one pair: how much better the exchange fits than moving any one keypoint to where the evidence puts it (-log10 ratio); null for the whole mirror. */
  versusMove: number | null;
}

/** The one-click "move to the expected spot" fix, offered only with evidence against the label (its keypoint's score passes the reason threshold). */
export interface QcMove {
  index: number;
  name: string;
  /** Where to: the held-out model's prediction where there is one, else where the other labelled keypoints put it. */
  to: [number, number];
  source: 'model' | 'shape';
  /** The label's current position and its distance from `to` (image pixels). */
  from: [number, number];
  distancePx: number;
  /** The keypoint's score (-log10 p): the evidence that the label is wrong. */
  score: number;
}

export interface QcItem {
  sampleId: number;
  /** -log10 of the sample's (Bonferroni-corrected) p-value that all its labels are right: higher is more likely wrong. */
  score: number;
  kinds: QcKind[];
  reasons: string[];
  /** Index of the most suspect keypoint, or null. */
  suspect: number | null;
  /** One entry per labelled keypoint that could be assessed, worst first. */
  keypoints: KeypointBlame[];
  swap: QcSwap | null;
  /** A move backed by evidence, or null (no keypoint is suspect enough, or the suspects are explained by the swap). */
  move: QcMove | null;
}

export interface QcEntry extends QcItem {
  /** Same as sampleId: the name the CLI's JSON uses. */
  sample: number;
  source: string;
  /** 1-based record in `source` (CSV row after the header). */
  record: number;
  dismissed: boolean;
}

export interface QcEvidence {
  shape: boolean;
  swap: boolean;
  /** Where the model evidence came from: cross-validated folds, a run's held-out samples, the pretrained net (runId pretrained:face-api-68), or none. */
  model: 'folds' | 'run' | 'pretrained' | 'none';
  runId: string | null;
  folds: number | null;
  /** Samples that got a held-out prediction. */
  modelSamples: number;
  heldOutRmsePx: number | null;
  backend: string | null;
  settings: Record<string, unknown> | null;
  notes: string[];
}

export interface QcReport {
  createdAt: string;
  dataVersion: number;
  /** The store's labelsVersion() when the report was made (absent in reports written before it existed). */
  labelsVersion?: string;
  seconds: number;
  evidence: QcEvidence;
  /** Every assessable sample, most suspect first (dismissed ones included, flagged). */
  items: QcEntry[];
}


/** Label QC (service op qc.run): what to run. Without runId and noModel, K cross-validated models are trained (minutes). */
export interface QcRunRequest {
  /** Use this run's stored predictions for the samples it did not train on instead of training folds. */
  runId?: string;
  /** Shape and swap tests only (seconds). */
  noModel?: boolean;
  folds?: number;
  epochs?: number;
  seed?: number;
}

/** The QC queue as stored by the last qc.run, with dismissals applied; `report` is null before any run. */
export interface QcListResult {
  report: Omit<QcReport, 'items'> | null;
  /** True when labels changed after the report was made. */
  stale: boolean;
  /** Items matching the request (before offset/limit). */
  total: number;
  dismissedCount: number;
  items: QcEntry[];
}
