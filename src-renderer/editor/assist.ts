// Model-assisted labelling in the editor: which predictions show as ghosts, the edits that accept them, which runs qualify.
import type { LabelledKeypoint } from '../../src-main/core/types.js';
import type { FillBatchResult, KeypointEdit } from '../../src-main/api/ops.js';
import type { RunRecord } from '../../src-main/api/records.js';
import { fillEdits, fillablePoints, type PredictedPoint } from '../../src-main/core/prediction-edits.js';

/** A model's prediction shown as a ghost for a missing keypoint (image pixels). */
export type GhostPoint = PredictedPoint;

/** Journal actor of an accepted prediction: the history panel shows it as "model <run id>". */
export { modelActor } from '../../src-main/core/provenance.js';

/**
 * Ghosts for the missing keypoints of a sample: the one fill rule of core/prediction-edits.ts (a run's finite
 * predictions inside the image, for keypoints that are missing), so accepting one makes its ghost go away.
 */
export function ghostsFor(kps: readonly LabelledKeypoint[], coords: readonly number[] | null, width: number, height: number, confidence?: readonly (number | null)[] | null): GhostPoint[] {
  return fillablePoints(kps, coords, width, height, confidence);
}

/** Edits writing ghosts as labelled keypoints, rounded to 1/100 px like pointer edits (and like assist.fillBatch). */
export function acceptEdits(ghosts: readonly GhostPoint[]): KeypointEdit[] {
  return fillEdits(ghosts);
}

/** The ghost under a click: the nearest within `radiusPx` screen pixels (`scale` = screen px per image px), or null. */
export function ghostAt(ghosts: readonly GhostPoint[], p: { x: number; y: number }, scale: number, radiusPx = 10): GhostPoint | null {
  let best: GhostPoint | null = null;
  let bestD = Infinity;
  for (const g of ghosts) {
    const d = Math.hypot(g.x - p.x, g.y - p.y) * scale;
    if (d <= radiusPx && d < bestD) {
      best = g;
      bestD = d;
    }
  }
  return best;
}

/** The ghost Enter accepts: the selected keypoint's, else the fill-mode target's. */
export function ghostToAccept(ghosts: readonly GhostPoint[], selected: number | null, fillTarget: number | null): GhostPoint | null {
  for (const i of [selected, fillTarget]) {
    if (i === null) continue;
    const g = ghosts.find((x) => x.index === i);
    if (g) return g;
  }
  return null;
}

/** Runs that have a model to predict with: finished, or stopped after at least one epoch (their best checkpoint). */
export function usableRuns(runs: readonly RunRecord[]): RunRecord[] {
  return runs
    .filter((r) => r.checkpointDir !== null && (r.status === 'done' || r.epochs.length > 0))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** What a batch fill did, for the editor's flash line: `asked` samples were sent, from run `runId`. */
export function fillBatchText(r: FillBatchResult, asked: number, runId: string): string {
  const below = r.belowThreshold ? `; ${r.belowThreshold} below the confidence threshold stay missing` : '';
  if (r.actionId === null) return `Nothing to fill: none of the ${asked} samples has a missing keypoint that run ${runId} predicts${below ? ' above the threshold' : ''}.`;
  return `Filled ${r.keypoints} keypoints in ${r.samples.length} samples from run ${runId}${r.tag ? `, tagged "${r.tag}"` : ''}${below}. Undo reverts the whole batch.`;
}
