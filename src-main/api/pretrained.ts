// Wire types of the pretrained-model operations (service/handlers/pretrained.ts).

/** Held-out error of a fitted mapping, next to the mean-shape baselines (NME by the outer-eye-corner distance). */
export interface PretrainedHeldOut {
  folds: number;
  samples: number;
  nme: number;
  /** The mean shape placed by the net's 68-point face frame, same held-out faces. */
  meanShapeNme: number;
  /** The mean shape placed by the detector box alone, same held-out faces; null without boxes. */
  meanShapeBoxNme: number | null;
  /** ibug-68 only: the net's own points, unmapped, on the same held-out faces; else null. */
  directNme: number | null;
}

/** The fitted map, as stored in the project (store/mapping.ts; fitted by train/pretrained/mapping.ts; plain JSON numbers; null for keypoints with too few labels). */
export interface PretrainedMapping {
  /** Feature means (136) in the frame. */
  mu: number[];
  /** Per target keypoint: intercept [x, y] and weights (136 x 2, row-major [feature][x|y]); null when not fitted. */
  keypoints: ({ mean: [number, number]; weights: number[]; samples: number } | null)[];
  /** The ridge penalty, relative to the mean feature variance times the sample count. */
  lambda: number;
  /** Faces fitted on (after leaving out the outliers). */
  samples: number;
  /** Ids of faces left out because the net's 68 points and the labels disagree grossly (the detector found another face, or failed). */
  outliers: number[];
}

/** What the pretrained start offers this project. */
export interface PretrainedInfo {
  /** The pseudo-run id to pass as runId (assist.predict, assist.fillBatch, photo.predict, photo.predictBatch, qc.run). */
  id: string;
  name: string;
  /**
   * What predictions use now. `direct`: the net's own points (an ibug-68 project without a fitted mapping); `mapping`:
   * through the map fitted on the project's labels (any layout; on ibug-68 it corrects the net's lean towards this annotation).
   */
  mode: 'direct' | 'mapping';
  /** True for ibug-68, the net's own layout: it predicts with or without a mapping. */
  nativeLayout: boolean;
  /** True when predictions can be made now (direct, or a mapping is stored). */
  ready: boolean;
  /** The stored mapping's summary (mode mapping), or null when none was fitted. */
  mapping: {
    fittedAt: string;
    samples: number;
    noFace: number;
    /** Keypoints the map predicts (those with at least 3 labelled faces). */
    keypoints: number;
    /** Labelled faces left out of the fit: the detected face and the labels disagree grossly. */
    outliers: number;
    /** True when labels changed since it was fitted. */
    stale: boolean;
    heldOut: PretrainedHeldOut | null;
  } | null;
}

export interface FitMappingRequest {
  /** At most this many labelled samples (evenly spread; default 300): the net runs once per sample. */
  maxSamples?: number;
  /** Folds for the held-out error (default 5; groups such as a person are never split). */
  folds?: number;
}
