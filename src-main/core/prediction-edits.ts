// The one rule for turning a model's prediction into label edits: which predicted points may fill a sample (the
// editor's ghosts, accepting them, assist.fillBatch), and the edits that write them. Used by the renderer and the
// service alike, so a ghost the editor shows is exactly what a batch fill writes.
import type { KeypointState, LabelledKeypoint } from './types.js';

/** A model's prediction for one missing keypoint of a sample (image pixels). */
export interface PredictedPoint {
  index: number;
  x: number;
  y: number;
  /** The model's confidence in [0, 1] where it gives one (heatmap models). */
  confidence?: number;
}

/** The edit that writes one predicted point: structurally an api `KeypointEdit`. */
export interface PredictedEdit {
  index: number;
  x: number;
  y: number;
  state: KeypointState;
  confidence?: number;
}

/**
 * The predicted points that may fill a sample: only keypoints that are missing now (labelled and occluded ones keep
 * their value), that the model predicts (finite), and that fall inside the image (-0.5 .. size - 0.5).
 */
export function fillablePoints(
  keypoints: readonly LabelledKeypoint[],
  coords: readonly number[] | null,
  width: number,
  height: number,
  confidence?: readonly (number | null)[] | null,
): PredictedPoint[] {
  if (!coords) return [];
  const out: PredictedPoint[] = [];
  keypoints.forEach((k, i) => {
    if (k.state !== 'missing') return;
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) return;
    const c = confidence?.[i];
    out.push({ index: i, x, y, ...(typeof c === 'number' ? { confidence: c } : {}) });
  });
  return out;
}

/** Edits writing predicted points as labelled keypoints, rounded to 1/100 px like pointer edits (confidence to 1e-4). */
export function fillEdits(points: readonly PredictedPoint[]): PredictedEdit[] {
  return points.map((g) => ({
    index: g.index,
    x: Math.round(g.x * 100) / 100,
    y: Math.round(g.y * 100) / 100,
    state: 'labelled' as const,
    ...(g.confidence !== undefined ? { confidence: Math.round(g.confidence * 1e4) / 1e4 } : {}),
  }));
}
