// Predicted, unconfirmed keypoints: values a model filled (provenance `model:...`) that no person has confirmed or
// changed. Their confidence (table label_confidence, schema v7) and the edits that confirm them.
import { PREDICTED_LABEL_SQL } from '../core/provenance.js';
import type { KeypointState } from '../core/types.js';
import type { KeypointEdit } from '../api/ops.js';
import type { StoreCtx } from './rows.js';

/** Records the model's confidence for a value it wrote; it holds while the label keeps this provenance. */
export function writeConfidence(ctx: StoreCtx, sampleId: number, index: number, provenance: string, confidence: number): void {
  ctx
    .st(`INSERT INTO label_confidence(sample_id, kp_index, provenance, confidence) VALUES (?, ?, ?, ?)
      ON CONFLICT(sample_id, kp_index) DO UPDATE SET provenance = excluded.provenance, confidence = excluded.confidence`)
    .run(sampleId, index, provenance, confidence);
}

/** The confidence of each predicted value of a sample, where one was recorded and still holds (index to confidence). */
export function sampleConfidences(ctx: StoreCtx, sampleId: number): Map<number, number> {
  const rows = ctx
    .st(`SELECT c.kp_index, c.confidence FROM label_confidence c JOIN labels l ON l.sample_id = c.sample_id AND l.kp_index = c.kp_index
      WHERE c.sample_id = ? AND l.provenance = c.provenance AND ${PREDICTED_LABEL_SQL}`)
    .raw()
    .all(sampleId) as [number, number][];
  return new Map(rows);
}

/** Confidences of many samples at once (export): sample id to (index to confidence). */
export function confidencesOf(ctx: StoreCtx, ids: number[]): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  if (ids.length === 0) return out;
  const rows = ctx
    .st(`SELECT c.sample_id, c.kp_index, c.confidence FROM label_confidence c JOIN labels l ON l.sample_id = c.sample_id AND l.kp_index = c.kp_index
      WHERE c.sample_id IN (SELECT value FROM json_each(?)) AND l.provenance = c.provenance AND ${PREDICTED_LABEL_SQL}`)
    .raw()
    .all(JSON.stringify(ids)) as [number, number, number][];
  for (const [sid, i, c] of rows) {
    let m = out.get(sid);
    if (!m) out.set(sid, (m = new Map()));
    m.set(i, c);
  }
  return out;
}

/**
 * The edits that confirm predicted values as they are (same coordinates and state; the writer's actor becomes the
 * provenance): of the given samples, or of every live sample when `ids` is null; of the given keypoints only, if any.
 */
export function confirmEdits(ctx: StoreCtx, ids: number[] | null, keypoints?: number[]): { sampleId: number; edits: KeypointEdit[] }[] {
  const rows = ctx
    .st(`SELECT l.sample_id, l.kp_index, l.x, l.y, l.state FROM labels l JOIN samples s ON s.id = l.sample_id
      WHERE s.deleted = 0 AND ${PREDICTED_LABEL_SQL} AND (? IS NULL OR l.sample_id IN (SELECT value FROM json_each(?)))
      ORDER BY l.sample_id, l.kp_index`)
    .raw()
    .all(ids === null ? null : 1, ids === null ? '[]' : JSON.stringify(ids)) as [number, number, number, number, KeypointState][];
  const only = keypoints ? new Set(keypoints) : null;
  const bySample = new Map<number, KeypointEdit[]>();
  for (const [sid, index, x, y, state] of rows) {
    if (only && !only.has(index)) continue;
    let list = bySample.get(sid);
    if (!list) bySample.set(sid, (list = []));
    list.push({ index, x, y, state });
  }
  return [...bySample].map(([sampleId, edits]) => ({ sampleId, edits }));
}

/** Samples holding at least one predicted, unconfirmed value. */
export function predictedSampleCount(ctx: StoreCtx): number {
  return (
    ctx.st(`SELECT count(DISTINCT l.sample_id) AS n FROM labels l JOIN samples s ON s.id = l.sample_id WHERE s.deleted = 0 AND ${PREDICTED_LABEL_SQL}`).get() as { n: number }
  ).n;
}
