// The building blocks of the request checks in ops.ts (OP_CHECKS): each throws a bad-input KpsError that names the op
// and the field, so a bad call from any transport gets the same clear message. Checks may normalise values in place
// (null coordinates become NaN, repeated ids are dropped).
import { KpsError } from '../core/errors.js';
import { OTHER_SIZES, PREDICTED_EXPORTS } from './export.js';

export type Obj = Record<string, unknown>;
/** Checks one request's shape; throws a bad-input KpsError naming the op and the field. */
export type Validator = (req: Obj, op: string) => void;

export function fail(op: string, message: string): never {
  throw new KpsError('bad-input', `${op}: ${message}`);
}

export { SPLITS } from '../core/types.js';
import { KEYPOINT_STATES as STATES, RUN_SIDES, SPLITS } from '../core/types.js';
const SORTS = ['id', 'missing-desc', 'missing-asc', 'source', 'error-desc'];

export function str(req: Obj, op: string, key: string, optional = false): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || v.length === 0) fail(op, `"${key}" must be a non-empty string`);
}

export function oneOf(req: Obj, op: string, key: string, allowed: readonly string[], optional = false): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || !allowed.includes(v)) fail(op, `"${key}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

export function int(req: Obj, op: string, key: string, optional = false, min = 0): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(op, `"${key}" must be an integer >= ${min}`);
}

export function idList(req: Obj, op: string, key: string): void {
  const v = req[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) fail(op, `"${key}" must be an array of sample ids`);
}

export function strList(req: Obj, op: string, key: string): void {
  const v = req[key];
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) fail(op, `"${key}" must be an array of non-empty strings`);
}

export const none: Validator = () => {};
export const jobRef: Validator = (r, op) => str(r, op, 'jobId');

export function query(r: Obj, op: string): void {
  int(r, op, 'offset', true);
  int(r, op, 'limit', true);
  int(r, op, 'minMissing', true);
  int(r, op, 'maxMissing', true);
  int(r, op, 'missingKeypoint', true);
  oneOf(r, op, 'split', SPLITS, true);
  str(r, op, 'tag', true);
  if (r.text !== undefined && typeof r.text !== 'string') fail(op, '"text" must be a string');
  oneOf(r, op, 'sort', SORTS, true);
  str(r, op, 'runId', true);
  if (r.predicted !== undefined && typeof r.predicted !== 'boolean') fail(op, '"predicted" must be true or false');
  if (r.sort === 'error-desc' && r.runId === undefined) fail(op, 'sort "error-desc" needs "runId"');
}

export function edits(r: Obj, op: string): void {
  int(r, op, 'sampleId');
  int(r, op, 'mergeInto', true, 1);
  const list = r.edits;
  if (!Array.isArray(list) || list.length === 0) fail(op, '"edits" must be a non-empty array');
  list.forEach((e: unknown, i: number) => {
    if (e === null || typeof e !== 'object') fail(op, `edits[${i}] must be an object`);
    const o = e as Obj;
    if (typeof o.index !== 'number' || !Number.isInteger(o.index) || o.index < 0) fail(op, `edits[${i}].index must be a keypoint index`);
    // null is accepted for a missing coordinate (hand-written JSON has no NaN).
    if (o.x === null) o.x = NaN;
    if (o.y === null) o.y = NaN;
    if (typeof o.x !== 'number' || typeof o.y !== 'number') fail(op, `edits[${i}].x and .y must be numbers (NaN or null when missing)`);
    if (typeof o.state !== 'string' || !STATES.includes(o.state as never)) fail(op, `edits[${i}].state must be one of ${STATES.join(', ')}`);
    if (o.state !== 'missing' && !(Number.isFinite(o.x) && Number.isFinite(o.y)))
      fail(op, `edits[${i}]: a ${o.state} keypoint needs finite x and y`);
    if (o.confidence !== undefined && !(typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1)) fail(op, `edits[${i}].confidence must be a number in [0, 1]`);
  });
  str(r, op, 'actor', true);
  str(r, op, 'label', true);
  str(r, op, 'project', true);
}

/** The request must be a plain object (an empty one for ops without parameters). */
export function requireObject(op: string, req: unknown): Obj {
  if (req === undefined || req === null) return {};
  if (typeof req !== 'object' || Array.isArray(req)) fail(op, 'the request must be a JSON object');
  return req as Obj;
}

/** An optional true/false field. */
export function bool(req: Obj, op: string, key: string): void {
  if (req[key] !== undefined && typeof req[key] !== 'boolean') fail(op, `"${key}" must be true or false`);
}

/** An optional integer of at least `min`. */
export function optInt(req: Obj, op: string, key: string, min: number): void {
  const v = req[key];
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < min)) fail(op, `"${key}" must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
}

/** A non-empty list of sample ids (at most `max`); repeats are dropped in place. */
export function sampleIds(req: Obj, op: string, key: string, max = Infinity): void {
  const v = req[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) fail(op, `"${key}" must be a non-empty list of sample ids`);
  if (v.length > max) fail(op, `at most ${max} samples per request, got ${v.length}`);
  req[key] = [...new Set(v as number[])];
}


/** Shape checks of export.start's `subset`, `otherSizes` and `predicted`. */
export function exportExtras(r: Obj, op: string): void {
  if (r.otherSizes !== undefined && !OTHER_SIZES.includes(r.otherSizes as never)) {
    fail(op, `"otherSizes" must be one of ${OTHER_SIZES.join(', ')} (got ${JSON.stringify(r.otherSizes)})`);
  }
  if (r.predicted !== undefined && !PREDICTED_EXPORTS.includes(r.predicted as never)) {
    fail(op, `"predicted" must be one of ${PREDICTED_EXPORTS.join(', ')} (got ${JSON.stringify(r.predicted)})`);
  }
  if (r.predicted === 'flag' && r.format !== 'coco') {
    fail(op, `"predicted": "flag" needs COCO (it carries keypoint_predicted per annotation); ${String(r.format)} can include or exclude predicted keypoints`);
  }
  if (r.subset === undefined) return;
  const s = r.subset as Obj;
  if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(op, '"subset" must be an object');
  const known = ['ids', 'split', 'runSplit', 'reviewedOnly', 'tag'];
  for (const k of Object.keys(s)) if (!known.includes(k)) fail(op, `subset.${k} is not a subset criterion; use ${known.join(', ')}`);
  if (s.ids !== undefined && (!Array.isArray(s.ids) || !s.ids.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1))) fail(op, 'subset.ids must be an array of sample ids');
  if (s.split !== undefined && !SPLITS.includes(s.split as never)) fail(op, `subset.split must be one of ${SPLITS.join(', ')} (got ${JSON.stringify(s.split)})`);
  if (s.runSplit !== undefined) {
    const rs = s.runSplit as Obj;
    if (rs === null || typeof rs !== 'object' || typeof rs.runId !== 'string' || rs.runId === '') fail(op, 'subset.runSplit must be {runId, side}');
    if (!RUN_SIDES.includes(rs.side as never)) fail(op, `subset.runSplit.side must be one of ${RUN_SIDES.join(', ')} (got ${JSON.stringify(rs.side)})`);
  }
  if (s.reviewedOnly !== undefined && typeof s.reviewedOnly !== 'boolean') fail(op, 'subset.reviewedOnly must be true or false');
  if (s.tag !== undefined && (typeof s.tag !== 'string' || s.tag === '')) fail(op, 'subset.tag must be a non-empty string');
}
