// Shared domain types: keypoint schemas, samples, labels, journal entries. Pure and isomorphic.

export type KeypointGroup = 'eye' | 'brow' | 'nose' | 'mouth' | 'jaw' | 'other';

export interface KeypointDef {
  /** Stable name, e.g. `left_eye_center` (Kaggle) or `jaw_01`. "left" is the subject's left. */
  name: string;
  group: KeypointGroup;
  /** Which side of the face: the subject's left, right, or on the midline. */
  side: 'left' | 'right' | 'center';
  /** CSS colour used to draw the keypoint. */
  color: string;
  /** What the keypoint is, in words, shown in the editor's reference panel (optional; at most 300 characters). */
  description?: string;
}

export interface KeypointSchema {
  /** Short id used on the command line: kaggle-15, imm-58, imm-frontal-73, ibug-68, or a user's own. */
  id: string;
  title: string;
  keypoints: KeypointDef[];
  /** Pairs of keypoint indices that swap under a horizontal flip. */
  flipPairs: [number, number][];
  /** Pairs of keypoint indices joined by a line when drawn. */
  edges: [number, number][];
}

export type KeypointState = 'labelled' | 'missing' | 'occluded';
/** Every keypoint state, in this order (the one list the store, the checks and the front ends use). */
export const KEYPOINT_STATES: readonly KeypointState[] = ['labelled', 'missing', 'occluded'];

/**
 * Who or what made a value: `import`, `annotator`, `model:<run id>`, `augment`, `system`.
 * Free text after the prefix is allowed (`annotator:alice`).
 */
export type Provenance = string;

/** One keypoint of one sample. Coordinates are 0-based pixels of the stored image, pixel centres at integers; NaN when missing. */
export interface Keypoint {
  x: number;
  y: number;
  state: KeypointState;
}

export interface LabelledKeypoint extends Keypoint {
  provenance: Provenance;
  /** The model's confidence in [0, 1] for a predicted, unconfirmed value, where the model gave one (core/provenance.ts). */
  confidence?: number;
}

export type Split = 'train' | 'val' | 'test' | 'unassigned';
/** Every stored split, in this order (the one list the store, the checks and the front ends use). */
export const SPLITS: readonly Split[] = ['train', 'val', 'test', 'unassigned'];
/** A run's own split: the sides a run puts each sample on (no 'unassigned'). */
export type RunSide = Exclude<Split, 'unassigned'>;
export const RUN_SIDES: readonly RunSide[] = ['train', 'val', 'test'];

/** How a sample's pixels are held: embedded grey pixels (Kaggle CSV) or a file on disk. */
export type ImageRef =
  | { kind: 'embedded'; width: number; height: number; channels: 1 }
  | { kind: 'file'; path: string; width: number; height: number; channels: number }
  /** Labels-only rows (Kaggle `training_labels.csv`): no pixels, the nominal image size only. */
  | { kind: 'none'; width: number; height: number; channels: 0 };

export interface SampleSummary {
  id: number;
  source: string;
  /** 1-based record number within `source` (CSV row after the header, or 1 for one-file-per-sample formats). */
  record: number;
  split: Split;
  groupId: string | null;
  tags: string[];
  width: number;
  height: number;
  labelledCount: number;
  missingCount: number;
  occludedCount: number;
  /** Keypoints a model filled that no person has confirmed or changed yet (provenance `model:...`, not missing). */
  predictedCount: number;
  /** One entry per schema keypoint, in schema order. */
  keypoints: Keypoint[];
}

export interface SampleDetail extends SampleSummary {
  image: ImageRef;
  keypoints: LabelledKeypoint[];
  /** Monotonic per-project revision of the last change to this sample. */
  revision: number;
}

/** A single keypoint change as stored in the append-only journal. */
export interface KeypointChange {
  sampleId: number;
  index: number;
  before: Keypoint;
  after: Keypoint;
}

export interface JournalEntry {
  id: number;
  actionId: number;
  /** What kind of change: a keypoint edit, a tag, a split, a delete, an import. */
  kind: 'keypoint' | 'tag-add' | 'tag-remove' | 'split' | 'delete' | 'restore' | 'import';
  sampleId: number;
  index: number | null;
  before: unknown;
  after: unknown;
  actor: Provenance;
  at: string;
  /** True once undone (and not redone). */
  undone: boolean;
  /**
   * The kind of action this entry belongs to: an original `edit`, an `import` (after = {source, record, keypoints}),
   * or the writes made by an `undo` or a `redo` of an earlier action.
   */
  actionKind?: 'edit' | 'import' | 'undo' | 'redo';
}
