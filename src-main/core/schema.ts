// Validation of keypoint schema objects (built-in or user-defined JSON) and small lookups over them. Pure.
import { boundMessage, KpsError, quoteExcerpt } from './errors.js';
import type { KeypointDef, KeypointGroup, KeypointSchema } from './types.js';

/** The built-in layout of the Kaggle Facial Keypoints faces (96x96 grey, 15 keypoints). */
export const KAGGLE_SCHEMA_ID = 'kaggle-15';

export const KEYPOINT_GROUPS: readonly KeypointGroup[] = ['eye', 'brow', 'nose', 'mouth', 'jaw', 'other'];
const SIDES: readonly KeypointDef['side'][] = ['left', 'right', 'center'];
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Names become CSV column stems (`<name>_x`) and COCO keypoint names: keep them to one safe token.
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const TITLE_MAX = 120;
const DESCRIPTION_MAX = 300;
// Control characters (newlines, ESC, NUL, C1, line separators): a name or title goes into CSV headers, files and terminals.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const COLOR_PATTERN = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]+|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\))$/;

/** A user's value quoted in an error: short and escaped, whatever its type or size. */
function got(v: unknown): string {
  return typeof v === 'string' ? quoteExcerpt(v) : boundMessage(JSON.stringify(v) ?? String(v), 60);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Check that `value` is a well-formed keypoint schema and return it as a fresh typed object.
 * `source` names the file (or "schema") in error messages. Every problem throws KpsError('bad-input').
 */
export function validateSchema(value: unknown, source = 'schema'): KeypointSchema {
  const fail = (problem: string): never => {
    throw new KpsError('bad-input', `${source}: ${problem}`, { file: source });
  };
  if (!isRecord(value)) return fail('a schema must be a JSON object with id, title, keypoints, flipPairs and edges');
  const { id, title, keypoints, flipPairs, edges } = value;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    fail(`"id" must be a short name of letters, digits, '.', '_' or '-' (got ${got(id)})`);
  }
  if (typeof title !== 'string' || title.trim() === '') return fail('"title" must be a non-empty string');
  if (title.length > TITLE_MAX || CONTROL_CHARS.test(title)) {
    fail(`"title" must be at most ${TITLE_MAX} characters on one line, without control characters (got ${got(title)})`);
  }
  if (!Array.isArray(keypoints) || keypoints.length === 0) return fail('"keypoints" must be a non-empty array');

  const defs: KeypointDef[] = [];
  const seen = new Map<string, number>();
  keypoints.forEach((k: unknown, i: number) => {
    const where = `keypoints[${i}]`;
    if (!isRecord(k)) return fail(`${where} must be an object with name, group, side and color`);
    if (typeof k.name !== 'string' || !NAME_PATTERN.test(k.name)) {
      fail(`${where}.name must be 1-64 letters, digits, '_', '.' or '-' (got ${got(k.name)})`);
    }
    const name = k.name as string;
    const earlier = seen.get(name);
    if (earlier !== undefined) fail(`${where}.name "${name}" is also the name of keypoints[${earlier}]; names must be unique`);
    seen.set(name, i);
    if (typeof k.group !== 'string' || !KEYPOINT_GROUPS.includes(k.group as KeypointGroup)) {
      fail(`${where}.group must be one of ${KEYPOINT_GROUPS.join(', ')} (got ${got(k.group)})`);
    }
    if (typeof k.side !== 'string' || !SIDES.includes(k.side as KeypointDef['side'])) {
      fail(`${where}.side must be one of left, right, center (got ${got(k.side)})`);
    }
    if (typeof k.color !== 'string' || !COLOR_PATTERN.test(k.color)) {
      fail(`${where}.color must be a CSS colour such as "#29b6f6" (got ${got(k.color)})`);
    }
    const def: KeypointDef = { name, group: k.group as KeypointGroup, side: k.side as KeypointDef['side'], color: k.color as string };
    if (k.description !== undefined) {
      if (typeof k.description !== 'string' || k.description.trim() === '' || k.description.length > DESCRIPTION_MAX || CONTROL_CHARS.test(k.description)) {
        fail(`${where}.description must be a non-empty string of at most ${DESCRIPTION_MAX} characters on one line (got ${got(k.description)})`);
      }
      def.description = k.description as string;
    }
    defs.push(def);
  });

  const n = defs.length;
  const readPairs = (v: unknown, field: 'flipPairs' | 'edges'): [number, number][] => {
    if (!Array.isArray(v)) return fail(`"${field}" must be an array of [i, j] index pairs (use [] for none)`);
    return v.map((p: unknown, k: number): [number, number] => {
      if (!Array.isArray(p) || p.length !== 2) return fail(`${field}[${k}] must be a pair [i, j]`);
      for (const x of p) {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= n) {
          fail(`${field}[${k}] = ${JSON.stringify(p)}: indices must be integers from 0 to ${n - 1}`);
        }
      }
      if (p[0] === p[1]) fail(`${field}[${k}] = ${JSON.stringify(p)} joins a keypoint to itself`);
      return [p[0] as number, p[1] as number];
    });
  };
  const pairs = readPairs(flipPairs, 'flipPairs');
  const edgeList = readPairs(edges, 'edges');

  const pairOf = new Map<number, number>();
  pairs.forEach(([i, j], k) => {
    for (const x of [i, j]) {
      const other = pairOf.get(x);
      if (other !== undefined) fail(`flipPairs[${k}]: keypoint ${x} (${defs[x].name}) is already in flipPairs[${other}]; a keypoint can be in one pair only`);
      pairOf.set(x, k);
    }
    // A horizontal flip turns the subject's left into their right: a pair must be one of each.
    const a = defs[i].side, b = defs[j].side;
    if (!((a === 'left' && b === 'right') || (a === 'right' && b === 'left'))) {
      fail(`flipPairs[${k}] pairs ${defs[i].name} (side ${a}) with ${defs[j].name} (side ${b}); a flip pair must join a left and a right keypoint`);
    }
  });
  const edgeSeen = new Set<string>();
  edgeList.forEach(([i, j], k) => {
    const key = i < j ? `${i},${j}` : `${j},${i}`;
    if (edgeSeen.has(key)) fail(`edges[${k}] = [${i},${j}] repeats an earlier edge`);
    edgeSeen.add(key);
  });

  return { id: id as string, title: title as string, keypoints: defs, flipPairs: pairs, edges: edgeList };
}

/** Index of the keypoint named `name`, or -1. */
export function keypointIndex(schema: KeypointSchema, name: string): number {
  return schema.keypoints.findIndex((k) => k.name === name);
}

/** For each keypoint index, the index it swaps with under a horizontal flip (itself when unpaired). */
export function flipPermutation(schema: KeypointSchema): number[] {
  const perm = schema.keypoints.map((_, i) => i);
  for (const [i, j] of schema.flipPairs) {
    perm[i] = j;
    perm[j] = i;
  }
  return perm;
}

/**
 * How a layout's face-alignment errors are normalised (train/evaluate.ts), in schema indices.
 * `outer`: the outer eye corners (the 300-W convention); for ibug-68 points 36 and 45, for kaggle-15 the
 * `*_eye_outer_corner` points, for other layouts with eye contours each eye's point farthest from the other eye's centre
 * (`farthest`, chosen per face from the labels). `pupil`: the inter-pupil distance, from named pupils or eye centres,
 * else the centres of the eye contours. `headline`: the figure a run is judged by; Kaggle 96x96 keeps its pixel RMSE.
 */
export interface FaceNormalisers {
  outer: { kind: 'points'; left: number; right: number } | { kind: 'farthest'; left: number[]; right: number[] } | null;
  pupil: { left: number[]; right: number[] } | null;
  headline: 'nme_outer' | 'rmse_px';
}

export function faceNormalisers(schema: KeypointSchema): FaceNormalisers {
  const eye = (side: 'left' | 'right') => schema.keypoints.map((k, i) => ({ k, i })).filter(({ k }) => k.group === 'eye' && k.side === side);
  const left = eye('left');
  const right = eye('right');
  const named = (list: typeof left, re: RegExp) => list.filter(({ k }) => re.test(k.name)).map(({ i }) => i);
  let outer: FaceNormalisers['outer'] = null;
  let pupil: FaceNormalisers['pupil'] = null;
  if (schema.id === 'ibug-68' && schema.keypoints.length === 68) {
    outer = { kind: 'points', left: 45, right: 36 };
    pupil = { left: [42, 43, 44, 45, 46, 47], right: [36, 37, 38, 39, 40, 41] };
  } else if (left.length > 0 && right.length > 0) {
    const lo = named(left, /outer_corner/);
    const ro = named(right, /outer_corner/);
    const centre = /pupil|eye_cent(er|re)/;
    const contour = (list: typeof left) => list.filter(({ k }) => !centre.test(k.name) && !/corner/.test(k.name)).map(({ i }) => i);
    if (lo.length === 1 && ro.length === 1) outer = { kind: 'points', left: lo[0], right: ro[0] };
    else if (contour(left).length >= 3 && contour(right).length >= 3) outer = { kind: 'farthest', left: contour(left), right: contour(right) };
    const lp = named(left, centre);
    const rp = named(right, centre);
    if (lp.length > 0 && rp.length > 0) pupil = { left: lp, right: rp };
    else if (contour(left).length >= 3 && contour(right).length >= 3) pupil = { left: contour(left), right: contour(right) };
  }
  const headline = schema.id === KAGGLE_SCHEMA_ID || outer === null ? 'rmse_px' : 'nme_outer';
  return { outer, pupil, headline };
}
