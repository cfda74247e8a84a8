// The rules every label edit is checked by before the store writes it, and the undo label it gets. Pure.
import { KpsError } from '../core/errors.js';
import type { KeypointSchema } from '../core/types.js';
import type { KeypointEdit } from '../api/ops.js';
import { STATES, type StoredKeypoint } from './rows.js';

export function checkActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '') throw new KpsError('bad-input', 'actor must be a non-empty string (e.g. "annotator" or "model:<run id>")');
}

/** Validates one edit and returns the value to store; missing keypoints drop their coordinates. */
export function normaliseEdit(schema: KeypointSchema, sampleId: number, e: KeypointEdit, actor: string): { index: number; value: StoredKeypoint } {
  const where = `sample ${sampleId}`;
  if (!e || typeof e !== 'object') throw new KpsError('bad-input', `${where}: an edit must be an object {index, x, y, state}`);
  if (!Number.isInteger(e.index) || e.index < 0 || e.index >= schema.keypoints.length) {
    throw new KpsError('bad-input', `${where}: keypoint index ${String(e.index)} is outside 0..${schema.keypoints.length - 1} of schema ${schema.id}`);
  }
  if (!STATES.includes(e.state)) throw new KpsError('bad-input', `${where}: keypoint ${e.index} has unknown state ${JSON.stringify(e.state)}`);
  if (e.confidence !== undefined && !(typeof e.confidence === 'number' && e.confidence >= 0 && e.confidence <= 1)) {
    throw new KpsError('bad-input', `${where}: keypoint ${e.index} has confidence ${String(e.confidence)}; it must be a number in [0, 1]`);
  }
  if (e.state === 'missing') return { index: e.index, value: { x: null, y: null, state: 'missing', provenance: actor } };
  if (typeof e.x !== 'number' || typeof e.y !== 'number' || !Number.isFinite(e.x) || !Number.isFinite(e.y)) {
    throw new KpsError('bad-input', `${where}: keypoint ${e.index} is ${e.state} but its coordinates (${String(e.x)}, ${String(e.y)}) are not finite numbers`);
  }
  return { index: e.index, value: { x: e.x, y: e.y, state: e.state, provenance: actor } };
}

export function editLabel(schema: KeypointSchema, edits: KeypointEdit[], sampleCount: number): string {
  if (sampleCount > 1) return `Edit keypoints of ${sampleCount} samples`;
  const names = [...new Set(edits.map((e) => schema.keypoints[e.index]?.name ?? `#${e.index}`))];
  const states = new Set(edits.map((e) => e.state));
  const verb = states.size === 1 && states.has('missing') ? 'Mark missing' : states.size === 1 && states.has('occluded') ? 'Mark occluded' : 'Move';
  return names.length <= 3 ? `${verb} ${names.join(', ')}` : `${verb} ${names.length} keypoints`;
}
