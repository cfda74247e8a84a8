// Request shape checks for every service operation, so a bad call from any transport gets a clear bad-input error.
import { KpsError } from '../core/errors.js';
import { ON_REPEAT, type OpName } from '../api/ops.js';
import { EXPORT_FORMAT_IDS, IMPORT_FORMAT_IDS } from '../api/formats.js';
import { validateExportExtras } from './export-subset.js';

type Obj = Record<string, unknown>;
export type Validator = (req: Obj, op: string) => void;

function fail(op: string, message: string): never {
  throw new KpsError('bad-input', `${op}: ${message}`);
}

const SPLITS = ['train', 'val', 'test', 'unassigned'];
const STATES = ['labelled', 'missing', 'occluded'];
const SORTS = ['id', 'missing-desc', 'missing-asc', 'source', 'error-desc'];

function str(req: Obj, op: string, key: string, optional = false): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || v.length === 0) fail(op, `"${key}" must be a non-empty string`);
}

function oneOf(req: Obj, op: string, key: string, allowed: readonly string[], optional = false): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || !allowed.includes(v)) fail(op, `"${key}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

function int(req: Obj, op: string, key: string, optional = false, min = 0): void {
  const v = req[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(op, `"${key}" must be an integer >= ${min}`);
}

function idList(req: Obj, op: string, key: string): void {
  const v = req[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) fail(op, `"${key}" must be an array of sample ids`);
}

function strList(req: Obj, op: string, key: string): void {
  const v = req[key];
  if (v === undefined) return;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) fail(op, `"${key}" must be an array of non-empty strings`);
}

const none: Validator = () => {};
const jobRef: Validator = (r, op) => str(r, op, 'jobId');

function query(r: Obj, op: string): void {
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

function edits(r: Obj, op: string): void {
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
    if (typeof o.state !== 'string' || !STATES.includes(o.state)) fail(op, `edits[${i}].state must be one of ${STATES.join(', ')}`);
    if (o.state !== 'missing' && !(Number.isFinite(o.x) && Number.isFinite(o.y)))
      fail(op, `edits[${i}]: a ${o.state} keypoint needs finite x and y`);
    if (o.confidence !== undefined && !(typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1)) fail(op, `edits[${i}].confidence must be a number in [0, 1]`);
  });
  str(r, op, 'actor', true);
  str(r, op, 'label', true);
  str(r, op, 'project', true);
}

/** One validator per operation this service implements; ops added by others bring their own (registerOp). */
export const validators: Partial<Record<OpName, Validator>> = {
  'app.info': none,
  'schema.list': none,
  'project.create': (r, op) => {
    str(r, op, 'path');
    const s = r.schema;
    if (typeof s === 'string') {
      if (s.length === 0) fail(op, '"schema" must not be empty');
    } else if (s === null || typeof s !== 'object') fail(op, '"schema" must be a schema id, a path to a schema JSON file, or a schema object');
  },
  'project.open': (r, op) => {
    str(r, op, 'path');
    if (r.readOnly !== undefined && typeof r.readOnly !== 'boolean') fail(op, '"readOnly" must be true or false');
  },
  'project.info': none,
  'project.close': none,
  'import.start': (r, op) => {
    str(r, op, 'path');
    oneOf(r, op, 'format', IMPORT_FORMAT_IDS);
    oneOf(r, op, 'onRepeat', [...ON_REPEAT], true);
  },
  'export.start': (r, op) => {
    str(r, op, 'out');
    oneOf(r, op, 'format', EXPORT_FORMAT_IDS);
    if (r.overwrite !== undefined && typeof r.overwrite !== 'boolean') fail(op, '"overwrite" must be true or false');
    validateExportExtras(r, op);
  },
  'job.get': jobRef,
  'job.list': none,
  'job.cancel': jobRef,
  'job.pause': jobRef,
  'job.resume': jobRef,
  'job.wait': (r, op) => {
    jobRef(r, op);
    int(r, op, 'timeoutMs', true);
  },
  'stats.get': none,
  'samples.list': query,
  'samples.ids': query,
  'sample.get': (r, op) => int(r, op, 'id'),
  'sample.history': (r, op) => int(r, op, 'id'),
  'labels.set': edits,
  'samples.tag': (r, op) => {
    idList(r, op, 'ids');
    strList(r, op, 'add');
    strList(r, op, 'remove');
    if (r.add === undefined && r.remove === undefined) fail(op, 'give "add" or "remove"');
    str(r, op, 'actor', true);
  },
  'samples.setSplit': (r, op) => {
    idList(r, op, 'ids');
    oneOf(r, op, 'split', SPLITS);
    str(r, op, 'actor', true);
  },
  'samples.delete': (r, op) => {
    idList(r, op, 'ids');
    str(r, op, 'actor', true);
  },
  'labels.confirm': (r, op) => {
    if (r.ids !== undefined) idList(r, op, 'ids');
    if (r.keypoints !== undefined && (!Array.isArray(r.keypoints) || !r.keypoints.every((k) => Number.isInteger(k) && (k as number) >= 0))) fail(op, '"keypoints" must be an array of keypoint indices');
    str(r, op, 'actor', true);
  },
  'history.undo': none,
  'history.redo': none,
};

/** The request must be a plain object (an empty one for ops without parameters). */
export function requireObject(op: string, req: unknown): Obj {
  if (req === undefined || req === null) return {};
  if (typeof req !== 'object' || Array.isArray(req)) fail(op, 'the request must be a JSON object');
  return req as Obj;
}
