// The data pipeline: project samples -> model-ready tensors (crop, resize, [0,1] pixels, normalised coordinates) and seeded splits.
import type { KeypointSchema, Split } from '../core/types.js';
import type { ProjectStore } from '../store/types.js';
import { KpsError } from '../core/errors.js';
import { decodeGrey } from '../imaging/grey.js';
import { Rng, subSeed } from './rng.js';
import { FACE_CROP_RULE, type BoxJitter, type CropBox, type CropPlacement, type FaceBoxLike } from './facecrop.js';

export type { CropBox } from './facecrop.js';

/**
 * What the trainer reads from a project: a narrow slice of the store, so tests can give a small fake. A source with
 * photo samples (images larger than the model input) needs the stored face boxes (getFaces; saveFaces to find missing ones).
 */
export type TrainSource = Pick<ProjectStore, 'path' | 'schema' | 'dataVersion' | 'sampleIds' | 'getSample' | 'getPixels' | 'getImagePath'> &
  Partial<Pick<ProjectStore, 'getFaces' | 'saveFaces'>>;

export function toNormalised(x: number, origin: number, side: number): number {
  return (2 * (x + 0.5 - origin)) / side - 1;
}

export function fromNormalised(u: number, origin: number, side: number): number {
  return ((u + 1) * side) / 2 + origin - 0.5;
}

/** Model-ready samples: flat typed arrays so they can move to a worker thread without copying. */
export interface PreparedData {
  inputSize: number;
  /** Schema indices of the keypoints the model predicts, in output order. */
  keypointIndices: number[];
  ids: number[];
  splits: Split[];
  /** N x S x S grey levels in [0, 1]. */
  images: Float32Array;
  /** N x 2K normalised targets (NaN = missing). */
  targets: Float32Array;
  /** N x 2K labels in original image pixels (NaN = missing): metrics are computed against these. */
  truthPx: Float32Array;
  /** N x 3: x0, y0, side of each sample's crop. */
  boxes: Float32Array;
  /** How each sample's crop was placed by the face-crop rule (train/facecrop.ts). */
  placements?: CropPlacement[];
  /**
   * Photo samples' context squares (the crop scaled by FACE_CROP_RULE.context about its centre, at `size` px), which
   * training cuts bounding-box-jittered crops from; `rows[i]` is sample i's index here, -1 for samples used whole.
   */
  context?: { size: number; rows: Int32Array; images: Float32Array };
}

export interface SplitSpec {
  kind: 'random' | 'group' | 'stored';
  test: number;
  val: number;
}

export function parseSplit(text: string): SplitSpec {
  const [kind, t, v] = text.split(':');
  if (kind !== 'random' && kind !== 'group' && kind !== 'stored') throw new KpsError('bad-input', `split "${text}": use random[:test[:val]], group[:test[:val]] or stored`);
  const test = t === undefined ? 0.1 : Number(t);
  const val = v === undefined ? 0.1 : Number(v);
  for (const [name, f] of [['test', test], ['val', val]] as const) {
    if (!(f >= 0 && f < 1)) throw new KpsError('bad-input', `split "${text}": the ${name} fraction must be in [0, 1), got ${f}`);
  }
  return { kind, test, val };
}

/**
 * Assigns train / val / test. `random`: a seeded shuffle of the samples; `group`: a seeded shuffle of the
 * group ids (a sample without one is its own group), so one person never sits on two sides; `stored`: the
 * samples' own splits, with `unassigned` as train and validation carved from train when none is marked.
 * Validation is taken from inside the training part: by default 90/10 train/test, then 10% of train is val.
 */
export function assignSplits(ids: number[], groups: (string | null)[], stored: Split[], spec: SplitSpec, seed: number): Split[] {
  const n = ids.length;
  const out: Split[] = new Array(n).fill('train');
  const order = ids.map((_, i) => i).sort((a, b) => ids[a] - ids[b]);
  if (spec.kind === 'stored') {
    order.forEach((i) => (out[i] = stored[i] === 'unassigned' ? 'train' : stored[i]));
    if (!out.includes('val')) {
      const train = order.filter((i) => out[i] === 'train');
      new Rng(subSeed(seed, 2)).shuffle(train);
      train.slice(0, Math.round(train.length * spec.val)).forEach((i) => (out[i] = 'val'));
    }
    return out;
  }
  // Units to shuffle: single samples, or whole groups.
  const units: number[][] = [];
  if (spec.kind === 'random') order.forEach((i) => units.push([i]));
  else {
    const byGroup = new Map<string, number[]>();
    for (const i of order) {
      const g = groups[i] ?? `#${ids[i]}`;
      const list = byGroup.get(g);
      if (list) list.push(i);
      else byGroup.set(g, [i]);
    }
    [...byGroup.keys()].sort().forEach((g) => units.push(byGroup.get(g) as number[]));
  }
  new Rng(subSeed(seed, 1)).shuffle(units);
  const nTest = Math.round(n * spec.test);
  const nVal = Math.round((n - nTest) * spec.val);
  let taken = 0;
  for (const unit of units) {
    const side: Split = taken < nTest ? 'test' : taken < nTest + nVal ? 'val' : 'train';
    for (const i of unit) out[i] = side;
    taken += unit.length;
  }
  return out;
}

/** Picks the keypoints a model trains on: explicit indices, or smallnet's nose tip, or all. */
export function selectKeypoints(schema: KeypointSchema, requested: number[] | null, fixed: number | undefined): number[] {
  const K = schema.keypoints.length;
  if (requested) {
    for (const k of requested) if (k >= K) throw new KpsError('bad-input', `keypoint index ${k} is outside the schema "${schema.id}" (0..${K - 1})`);
    if (fixed !== undefined && requested.length !== fixed) throw new KpsError('bad-input', `this model predicts ${fixed} keypoint(s), ${requested.length} were chosen`);
    return requested;
  }
  if (fixed === undefined) return schema.keypoints.map((_, i) => i);
  const nose = schema.keypoints.findIndex((k) => k.name === 'nose_tip');
  const pick = nose >= 0 ? nose : schema.keypoints.findIndex((k) => k.group === 'nose');
  if (pick < 0) throw new KpsError('bad-input', `schema "${schema.id}" has no nose keypoint for smallnet: choose one with keypoints`);
  return [pick];
}

/**
 * Resamples a grey image into an S x S crop with values in [0, 1]. Downscaling averages
 * ceil(side / S)^2 sub-samples per output pixel (bilinear each) so that large photos do not alias.
 * Outside the image reads 0.
 */
export function cropResize(pixels: Uint8Array, width: number, height: number, box: CropBox, size: number, out: Float32Array, offset = 0): void {
  const step = box.side / size;
  if (step === 1 && box.x0 === 0 && box.y0 === 0 && width === size && height === size) {
    for (let i = 0; i < size * size; i++) out[offset + i] = pixels[i] / 255;
    return;
  }
  const sub = Math.max(1, Math.ceil(step));
  const read = (x: number, y: number): number => {
    if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) return 0;
    const xc = Math.min(width - 1, Math.max(0, x));
    const yc = Math.min(height - 1, Math.max(0, y));
    const x0 = Math.floor(xc), y0 = Math.floor(yc);
    const x1 = Math.min(width - 1, x0 + 1), y1 = Math.min(height - 1, y0 + 1);
    const fx = xc - x0, fy = yc - y0;
    const a = pixels[y0 * width + x0], b = pixels[y0 * width + x1];
    const c = pixels[y1 * width + x0], d = pixels[y1 * width + x1];
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  };
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let acc = 0;
      for (let sy = 0; sy < sub; sy++) {
        // Continuous position of the sub-sample, converted to pixel-centre coordinates (- 0.5).
        const y = box.y0 + (r + (sy + 0.5) / sub) * step - 0.5;
        for (let sx = 0; sx < sub; sx++) {
          const x = box.x0 + (c + (sx + 0.5) / sub) * step - 0.5;
          acc += read(x, y);
        }
      }
      out[offset + r * size + c] = acc / (sub * sub) / 255;
    }
  }
}

/**
 * Grey pixels of a sample: embedded, or decoded from its file upright (imaging/grey.ts, the one grey decoding that
 * prediction uses too). Null for label-only samples. A file whose upright size is not the size the sample was imported
 * with is refused: its labels would be in another frame than its pixels.
 */
export async function loadGrey(source: Pick<TrainSource, 'getPixels' | 'getImagePath'>, id: number): Promise<{ pixels: Uint8Array; width: number; height: number } | null> {
  const embedded = source.getPixels(id);
  const s = (source as Partial<Pick<TrainSource, 'getSample'>>).getSample?.(id);
  if (embedded) {
    if (s) return { pixels: embedded, width: s.width, height: s.height };
    const side = Math.round(Math.sqrt(embedded.length));
    return { pixels: embedded, width: side, height: side };
  }
  const path = source.getImagePath(id);
  if (!path) return null;
  const grey = await decodeGrey(path, { what: `the image of sample ${id}` });
  if (s && (grey.width !== s.width || grey.height !== s.height)) {
    throw new KpsError('conflict', `${path}: the image is ${grey.width} x ${grey.height} upright but sample ${id} was imported as ${s.width} x ${s.height}; import it again`, { file: path });
  }
  return grey;
}

export interface PrepareOptions {
  inputSize: number;
  keypointIndices: number[];
  split: SplitSpec;
  seed: number;
  cropMargin: number;
  /** Called as samples load: (done, total). */
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Reads every usable sample (pixels present, at least one selected keypoint labelled) and makes the arrays.
 * Samples without pixels or labels are skipped: they cannot teach anything.
 */
export async function prepareData(source: TrainSource, opts: PrepareOptions): Promise<PreparedData> {
  const S = opts.inputSize;
  const K = opts.keypointIndices.length;
  const all = source.sampleIds({});
  // The face of each photo sample, found once per image and stored (train/faces.ts): looked for now where missing.
  let faces = new Map<number, FaceBoxLike | null>();
  if (source.getFaces) {
    const { ensureFaces, storedFaceBoxes } = await import('./faces.js');
    if (source.saveFaces) await ensureFaces(source as Parameters<typeof ensureFaces>[0], { inputSize: S, sampleIds: all, signal: opts.signal });
    faces = storedFaceBoxes(source as Parameters<typeof storedFaceBoxes>[0], all);
  }
  const keep: { id: number; split: Split; group: string | null; truth: number[]; box: CropBox; placement: CropPlacement; pixels: Uint8Array; w: number; h: number }[] = [];
  let done = 0;
  for (const id of all) {
    if (opts.signal?.aborted) throw new KpsError('cancelled', 'cancelled while loading samples');
    done += 1;
    const s = source.getSample(id);
    const truth: number[] = [];
    for (const k of opts.keypointIndices) {
      const kp = s.keypoints[k];
      const ok = kp && kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y);
      truth.push(ok ? kp.x : NaN, ok ? kp.y : NaN);
    }
    if (!truth.some((v) => Number.isFinite(v))) continue;
    const img = await loadGrey(source, id);
    if (!img) continue;
    // The crop comes from the stored face box, never from the labels (the same rule evaluation and prediction use).
    const needs = FACE_CROP_RULE.needsFace(img.width, img.height, S);
    if (needs && !faces.has(id)) throw new KpsError('bad-input', `sample ${id} (${s.source}): no face detection stored for this photo; run faces.detect first`);
    const { placement, ...box } = FACE_CROP_RULE.cropBox(img.width, img.height, needs ? (faces.get(id) ?? null) : null, S, opts.cropMargin);
    keep.push({ id, split: s.split, group: s.groupId, truth, box, placement, pixels: img.pixels, w: img.width, h: img.height });
    if (opts.progress && done % 100 === 0) opts.progress(done, all.length);
  }
  if (keep.length === 0) throw new KpsError('bad-input', `project ${source.path}: no sample has both pixels and a labelled keypoint to train on`);
  const n = keep.length;
  const images = new Float32Array(n * S * S);
  const targets = new Float32Array(n * 2 * K);
  const truthPx = new Float32Array(n * 2 * K);
  const boxes = new Float32Array(n * 3);
  const photoRows = keep.filter((k) => k.placement !== 'whole').length;
  const C = Math.round(S * FACE_CROP_RULE.context);
  const context = photoRows > 0 ? { size: C, rows: new Int32Array(n).fill(-1), images: new Float32Array(photoRows * C * C) } : undefined;
  let ci = 0;
  keep.forEach((k, i) => {
    cropResize(k.pixels, k.w, k.h, k.box, S, images, i * S * S);
    if (context && k.placement !== 'whole') {
      cropResize(k.pixels, k.w, k.h, FACE_CROP_RULE.contextBox(k.box), C, context.images, ci * C * C);
      context.rows[i] = ci++;
    }
    boxes.set([k.box.x0, k.box.y0, k.box.side], i * 3);
    for (let j = 0; j < K; j++) {
      const x = k.truth[2 * j], y = k.truth[2 * j + 1];
      truthPx[i * 2 * K + 2 * j] = x;
      truthPx[i * 2 * K + 2 * j + 1] = y;
      targets[i * 2 * K + 2 * j] = Number.isFinite(x) ? toNormalised(x, k.box.x0, k.box.side) : NaN;
      targets[i * 2 * K + 2 * j + 1] = Number.isFinite(y) ? toNormalised(y, k.box.y0, k.box.side) : NaN;
    }
  });
  const ids = keep.map((k) => k.id);
  const splits = assignSplits(ids, keep.map((k) => k.group), keep.map((k) => k.split), opts.split, opts.seed);
  opts.progress?.(all.length, all.length);
  return { inputSize: S, keypointIndices: opts.keypointIndices, ids, splits, images, targets, truthPx, boxes, placements: keep.map((k) => k.placement), ...(context ? { context } : {}) };
}

/** Maps normalised predictions [N x 2K] of the given rows back to original-image pixels. */
export function predictionsToPixels(pred: Float32Array, rows: number[], boxes: Float32Array, k: number): Float32Array {
  const out = new Float32Array(rows.length * 2 * k);
  rows.forEach((row, i) => {
    const x0 = boxes[row * 3], y0 = boxes[row * 3 + 1], side = boxes[row * 3 + 2];
    for (let j = 0; j < k; j++) {
      out[i * 2 * k + 2 * j] = fromNormalised(pred[i * 2 * k + 2 * j], x0, side);
      out[i * 2 * k + 2 * j + 1] = fromNormalised(pred[i * 2 * k + 2 * j + 1], y0, side);
    }
  });
  return out;
}

/**
 * Bounding-box jitter for one photo sample: cuts the S x S crop whose centre is shifted by (dx, dy) crop sides and whose
 * side is scaled by `scale` out of the sample's context square (bilinear), and moves its normalised targets to match:
 * u' = (u - 2 dx) / scale. `targets` (2K values, NaN = missing) are changed in place.
 */
export function jitteredCrop(context: NonNullable<PreparedData['context']>, contextRow: number, S: number, j: BoxJitter, out: Float32Array, offset: number, targets: Float32Array): void {
  const C = context.size;
  const ratio = FACE_CROP_RULE.context;
  const base = contextRow * C * C;
  const img = context.images;
  for (let r = 0; r < S; r++) {
    const vBase = 2 * j.dy + j.scale * ((2 * (r + 0.5)) / S - 1);
    const py = Math.min(C - 1, Math.max(0, ((vBase / ratio + 1) * C) / 2 - 0.5));
    const y0 = Math.floor(py), y1 = Math.min(C - 1, y0 + 1), fy = py - y0;
    for (let c = 0; c < S; c++) {
      const uBase = 2 * j.dx + j.scale * ((2 * (c + 0.5)) / S - 1);
      const px = Math.min(C - 1, Math.max(0, ((uBase / ratio + 1) * C) / 2 - 0.5));
      const x0 = Math.floor(px), x1 = Math.min(C - 1, x0 + 1), fx = px - x0;
      const a = img[base + y0 * C + x0], b = img[base + y0 * C + x1];
      const d = img[base + y1 * C + x0], e = img[base + y1 * C + x1];
      out[offset + r * S + c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
    }
  }
  for (let i = 0; i < targets.length; i += 2) {
    if (Number.isFinite(targets[i])) targets[i] = (targets[i] - 2 * j.dx) / j.scale;
    if (Number.isFinite(targets[i + 1])) targets[i + 1] = (targets[i + 1] - 2 * j.dy) / j.scale;
  }
}
