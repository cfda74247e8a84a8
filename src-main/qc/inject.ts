// Seeded injection of known label errors (left/right swaps, moved keypoints, wrong features) into a Kaggle-layout CSV or a project's stored labels: for the QC benchmark and tests.
import type { KeypointSchema, SampleDetail } from '../core/types.js';
import type { KeypointEdit, SampleQuery } from '../api/ops.js';
import { KpsError } from '../core/errors.js';
import { Rng } from '../train/rng.js';
import { eyeKeypoints } from '../train/pretrained/mapping.js';
import { labelledIndices, swapChanges, swapPairs } from './shape.js';

/**
 * `swap`: every flip pair exchanged (a mirrored annotation). `move`: one keypoint moved minMove..maxMove px.
 * `swap-one`: one flip pair exchanged, on a row with at least two labelled flip pairs. `move-small`: one keypoint moved by
 * the small range (pixels or a share of the inter-ocular distance) on a row with more than 4 labelled keypoints.
 * `sparse`: the same small move on a row with at most 4 labelled keypoints. `wrong-feature`: one keypoint put exactly on
 * another labelled keypoint's position, one of the 3 nearest that are at least the small range's minimum away.
 */
/** What the store injector needs of a project store (structural, so qc does not import the store layer). */
export interface InjectStore {
  readonly schema: KeypointSchema;
  sampleIds(q: SampleQuery): number[];
  getSample(id: number): SampleDetail;
  setLabelsBatch(edits: { sampleId: number; edits: KeypointEdit[] }[], actor: string, label: string): { actionId: number | null };
}

export type InjectedKind = 'swap' | 'move' | 'swap-one' | 'move-small' | 'sparse' | 'wrong-feature';
export const HARD_KINDS = ['swap-one', 'move-small', 'sparse', 'wrong-feature'] as const satisfies readonly InjectedKind[];

export interface InjectedError {
  /** 1-based row of the input (CSV data row, header excluded; for a store, the position in sample id order). */
  record: number;
  kind: InjectedKind;
  /** For the moves and `wrong-feature`: the keypoint moved and by how much (pixels). */
  keypoint?: number;
  dx?: number;
  dy?: number;
  /** For `swap-one`: the flip pair exchanged. */
  pair?: [number, number];
  /** For `wrong-feature`: the keypoint whose position the moved one took. */
  onto?: number;
}

export interface InjectOptions {
  seed: number;
  /** Fraction of rows whose left and right keypoints are exchanged (only rows where that changes something). */
  swapFraction?: number;
  /** Fraction of other rows where one labelled keypoint is moved by minMove..maxMove pixels. */
  moveFraction?: number;
  minMove?: number;
  maxMove?: number;
  /** Image side: a moved keypoint stays inside [0, side - 1]. */
  side?: number;
  /** The harder kinds (default 0 each: the output for the options above is unchanged). Fractions of all rows. */
  swapOneFraction?: number;
  moveSmallFraction?: number;
  sparseFraction?: number;
  wrongFeatureFraction?: number;
  /** Range of `move-small` and `sparse` (default 6..10), in pixels or as a share of the inter-ocular distance. */
  minSmall?: number;
  maxSmall?: number;
  smallUnit?: 'px' | 'iod';
}

/** The distance between the eye centres (mean of each eye's labelled keypoints), NaN when an eye has none. */
export function interOcular(shape: ArrayLike<number>, schema: KeypointSchema): number {
  const eyes = eyeKeypoints(schema);
  if (!eyes) return NaN;
  const centre = (idx: number[]): [number, number] | null => {
    let x = 0, y = 0, n = 0;
    for (const k of idx) {
      if (!Number.isFinite(shape[2 * k]) || !Number.isFinite(shape[2 * k + 1])) continue;
      x += shape[2 * k];
      y += shape[2 * k + 1];
      n += 1;
    }
    return n > 0 ? [x / n, y / n] : null;
  };
  const l = centre(eyes.left), r = centre(eyes.right);
  return l && r ? Math.hypot(l[0] - r[0], l[1] - r[1]) : NaN;
}

/**
 * Injects errors into shapes (flat xy, NaN missing; copies are changed, not the input). `bounds` gives each row's image
 * width and height (a moved keypoint stays inside). Returns the new shapes, the rows changed (0-based) and the errors.
 */
export function injectShapes(input: readonly Float64Array[], bounds: (row: number) => [number, number], schema: KeypointSchema, o: InjectOptions): { shapes: Float64Array[]; touched: Set<number>; errors: InjectedError[] } {
  const K = schema.keypoints.length;
  const shapes = input.map((s) => Float64Array.from(s));
  const rows: { shape: Float64Array }[] = shapes.map((shape) => ({ shape }));
  const rng = new Rng(o.seed);
  const minMove = o.minMove ?? 8;
  const maxMove = o.maxMove ?? 15;
  const order = rng.shuffle(rows.map((_, i) => i));
  const nSwap = Math.round((o.swapFraction ?? 0.05) * rows.length);
  const nMove = Math.round((o.moveFraction ?? 0.05) * rows.length);
  const errors: InjectedError[] = [];
  const used = new Set<number>();
  for (const r of order) {
    if (errors.length >= nSwap) break;
    if (!swapChanges(rows[r].shape, schema.flipPairs)) continue;
    const swapped = swapPairs(rows[r].shape, schema.flipPairs);
    // A symmetric-looking change is still a change only where some value differs.
    if (swapped.every((v, j) => (Number.isNaN(v) && Number.isNaN(rows[r].shape[j])) || v === rows[r].shape[j])) continue;
    rows[r].shape = swapped;
    used.add(r);
    errors.push({ record: r + 1, kind: 'swap' });
  }
  const labelledOf = (s: Float64Array): number[] => [...Array(K).keys()].filter((k) => Number.isFinite(s[2 * k]) && Number.isFinite(s[2 * k + 1]));
  /** Moves keypoint k of row r by a distance drawn from [lo, hi] in a random direction, inside the image; false after 100 tries. */
  const moveOne = (r: number, k: number, lo: number, hi: number, kind: InjectedKind): boolean => {
    const s = rows[r].shape;
    const [w, h] = bounds(r);
    for (let attempt = 0; attempt < 100; attempt++) {
      const dist = lo + rng.next() * (hi - lo);
      const ang = rng.next() * 2 * Math.PI;
      const dx = dist * Math.cos(ang), dy = dist * Math.sin(ang);
      const x = s[2 * k] + dx, y = s[2 * k + 1] + dy;
      if (x < 0 || y < 0 || x > w - 1 || y > h - 1) continue;
      s[2 * k] = x;
      s[2 * k + 1] = y;
      errors.push({ record: r + 1, kind, keypoint: k, dx, dy });
      return true;
    }
    return false;
  };
  let moved = 0;
  for (const r of order) {
    if (moved >= nMove) break;
    if (used.has(r)) continue;
    const labelled = labelledOf(rows[r].shape);
    if (labelled.length === 0) continue;
    const k = labelled[rng.int(labelled.length)];
    if (!moveOne(r, k, minMove, maxMove, 'move')) continue;
    used.add(r);
    moved += 1;
  }

  // The harder kinds, each on rows not yet used, in a fresh order (no random draw at all when their fractions are 0).
  const hard: [InjectedKind, number][] = [
    ['swap-one', o.swapOneFraction ?? 0],
    ['move-small', o.moveSmallFraction ?? 0],
    ['sparse', o.sparseFraction ?? 0],
    ['wrong-feature', o.wrongFeatureFraction ?? 0],
  ];
  const lo = o.minSmall ?? 6, hi = o.maxSmall ?? 10;
  if (!(lo > 0) || !(hi >= lo)) throw new KpsError('bad-input', `inject: the small move range must be positive and ordered, got ${lo}..${hi}`);
  const scaleOf = (s: Float64Array): number => (o.smallUnit === 'iod' ? interOcular(s, schema) : 1);
  for (const [kind, fraction] of hard) {
    const want = Math.round(fraction * rows.length);
    if (want === 0) continue;
    let done = 0;
    for (const r of rng.shuffle(rows.map((_, i) => i))) {
      if (done >= want) break;
      if (used.has(r)) continue;
      const s = rows[r].shape;
      const labelled = labelledOf(s);
      let ok = false;
      if (kind === 'swap-one') {
        const pairs = schema.flipPairs.filter(([a, b]) => a !== b && labelled.includes(a) && labelled.includes(b) && (s[2 * a] !== s[2 * b] || s[2 * a + 1] !== s[2 * b + 1]));
        if (pairs.length < 2) continue;
        const pair = pairs[rng.int(pairs.length)];
        rows[r].shape = swapPairs(s, [pair]);
        errors.push({ record: r + 1, kind, pair: [pair[0], pair[1]] });
        ok = true;
      } else if (kind === 'move-small' || kind === 'sparse') {
        if (kind === 'move-small' ? labelled.length <= 4 : labelled.length > 4 || labelled.length < 3) continue;
        const scale = scaleOf(s);
        if (!(scale > 0)) continue;
        ok = moveOne(r, labelled[rng.int(labelled.length)], lo * scale, hi * scale, kind);
      } else {
        if (labelled.length < 3) continue;
        const k = labelled[rng.int(labelled.length)];
        const near = labelled
          .filter((j) => j !== k)
          .map((j) => ({ j, d: Math.hypot(s[2 * j] - s[2 * k], s[2 * j + 1] - s[2 * k + 1]) }))
          .filter((c) => c.d >= lo * scaleOf(s))
          .sort((a, b) => a.d - b.d)
          .slice(0, 3);
        if (near.length === 0) continue;
        const { j } = near[rng.int(near.length)];
        const dx = s[2 * j] - s[2 * k], dy = s[2 * j + 1] - s[2 * k + 1];
        s[2 * k] = s[2 * j];
        s[2 * k + 1] = s[2 * j + 1];
        errors.push({ record: r + 1, kind, keypoint: k, onto: j, dx, dy });
        ok = true;
      }
      if (!ok) continue;
      used.add(r);
      done += 1;
    }
  }
  errors.sort((a, b) => a.record - b.record);
  return { shapes: rows.map((r) => r.shape), touched: used, errors };
}

/**
 * Returns the CSV with errors injected, and the list of what was done. `fileName` names the input in errors.
 * Coordinates are written with full precision; untouched rows are copied byte for byte.
 */
export function injectKaggleErrors(csv: string, schema: KeypointSchema, fileName: string, o: InjectOptions): { csv: string; errors: InjectedError[] } {
  const lines = csv.split('\n');
  const header = lines[0].replace(/\r$/, '').split(',');
  const K = schema.keypoints.length;
  const col = schema.keypoints.flatMap((k) => [header.indexOf(`${k.name}_x`), header.indexOf(`${k.name}_y`)]);
  const absent = col.findIndex((c) => c < 0);
  if (absent >= 0) throw new KpsError('bad-input', `${fileName}: no column ${schema.keypoints[absent >> 1].name}_${absent % 2 ? 'y' : 'x'} in the header`, { file: fileName, record: 1 });
  const rows: { line: number; cells: string[]; shape: Float64Array }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text === '') continue;
    const cells = text.split(',');
    const shape = new Float64Array(2 * K);
    for (let j = 0; j < 2 * K; j++) shape[j] = cells[col[j]] === '' || cells[col[j]] === undefined ? NaN : Number(cells[col[j]]);
    rows.push({ line: i, cells, shape });
  }
  const side = o.side ?? 96;
  const { shapes, touched, errors } = injectShapes(
    rows.map((r) => r.shape),
    () => [side, side],
    schema,
    o,
  );
  for (const r of touched) {
    const { cells, line } = rows[r];
    const shape = shapes[r];
    for (let j = 0; j < 2 * K; j++) cells[col[j]] = Number.isFinite(shape[j]) ? String(shape[j]) : '';
    lines[line] = cells.join(',');
  }
  return { csv: lines.join('\n'), errors };
}

/**
 * Injects errors into a project's stored labels, rows in sample id order, as one undoable edit (`store.undo()` restores
 * the labels). Occluded keypoints stay occluded; samples without pixels keep their labels but count as rows. Returns the
 * errors with each one's sample id, and the edit's action id.
 */
export function injectStoreErrors(
  store: InjectStore,
  o: InjectOptions,
): { errors: (InjectedError & { sampleId: number })[]; actionId: number | null } {
  const K = store.schema.keypoints.length;
  const ids = store.sampleIds({});
  const samples = ids.map((id) => store.getSample(id));
  const shapes = samples.map((s) => {
    const shape = new Float64Array(2 * K).fill(NaN);
    s.keypoints.forEach((kp, k) => {
      if (k < K && kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y)) {
        shape[2 * k] = kp.x;
        shape[2 * k + 1] = kp.y;
      }
    });
    return shape;
  });
  const { shapes: out, touched, errors } = injectShapes(
    shapes,
    (r) => [samples[r].width || Infinity, samples[r].height || Infinity],
    store.schema,
    o,
  );
  const edits = [...touched].sort((a, b) => a - b).map((r) => ({
    sampleId: ids[r],
    edits: labelledIndices(out[r])
      .filter((k) => out[r][2 * k] !== shapes[r][2 * k] || out[r][2 * k + 1] !== shapes[r][2 * k + 1])
      .map((k): KeypointEdit => ({ index: k, x: out[r][2 * k], y: out[r][2 * k + 1], state: samples[r].keypoints[k].state === 'occluded' ? 'occluded' : 'labelled' })),
  }));
  const { actionId } = edits.length > 0 ? store.setLabelsBatch(edits, 'qc-inject', 'inject QC test errors') : { actionId: null };
  return { errors: errors.map((e) => ({ ...e, sampleId: ids[e.record - 1] })), actionId };
}
