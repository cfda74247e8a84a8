// The data pipeline: project samples -> model-ready tensors (crop, resize, [0,1] pixels, normalised coordinates) and seeded splits.
import type { KeypointSchema, Split } from '../core/types.js';
import type { ProjectStore } from '../store/types.js';
import { KpsError } from '../core/errors.js';
import { Rng, subSeed } from './rng.js';

/** What the trainer reads from a project: a narrow slice of the store, so tests can give a small fake. */
export type TrainSource = Pick<ProjectStore, 'path' | 'schema' | 'dataVersion' | 'sampleIds' | 'getSample' | 'getPixels' | 'getImagePath'>;

/**
 * A square crop of the original image in continuous coordinates (the top-left pixel covers [0, 1)):
 * it spans [x0, x0 + side) x [y0, y0 + side) and is resized to the model input.
 * Pixel coordinate x (centres at integers) maps to normalised u = 2 (x + 0.5 - x0) / side - 1, in [-1, 1].
 */
export interface CropBox {
  x0: number;
  y0: number;
  side: number;
}

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

/** Where to crop: the whole image (padded to a square) for small images or when no labels are given, else the landmark box with a margin. */
export function cropBoxFor(width: number, height: number, labelledXY: number[] | null, inputSize: number, margin: number): CropBox {
  // Images already at the model size (Kaggle 96x96) are used as they are: the labels' frame is the image frame.
  if (width === inputSize && height === inputSize) return { x0: 0, y0: 0, side: inputSize };
  // Small images (at most twice the input: Kaggle faces, pre-cropped faces) are used whole, so that the crop
  // never depends on which keypoints happen to be labelled; only large photos are cropped around the face.
  const small = Math.max(width, height) <= 2 * inputSize;
  if (!small && labelledXY && labelledXY.length >= 4) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < labelledXY.length; i += 2) {
      minX = Math.min(minX, labelledXY[i]);
      maxX = Math.max(maxX, labelledXY[i]);
      minY = Math.min(minY, labelledXY[i + 1]);
      maxY = Math.max(maxY, labelledXY[i + 1]);
    }
    const side = Math.max(8, Math.max(maxX - minX, maxY - minY) * (1 + 2 * margin));
    return { x0: (minX + maxX + 1) / 2 - side / 2, y0: (minY + maxY + 1) / 2 - side / 2, side };
  }
  const side = Math.max(width, height);
  return { x0: (width - side) / 2, y0: (height - side) / 2, side };
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

/** Grey pixels of a sample: embedded, or decoded from its file with sharp. Null for label-only samples. */
export async function loadGrey(source: Pick<TrainSource, 'getPixels' | 'getImagePath'>, id: number): Promise<{ pixels: Uint8Array; width: number; height: number } | null> {
  const embedded = source.getPixels(id);
  if (embedded) {
    const s = (source as Partial<Pick<TrainSource, 'getSample'>>).getSample?.(id);
    if (s) return { pixels: embedded, width: s.width, height: s.height };
    const side = Math.round(Math.sqrt(embedded.length));
    return { pixels: embedded, width: side, height: side };
  }
  const path = source.getImagePath(id);
  if (!path) return null;
  return decodeGreyFile(path);
}

export async function decodeGreyFile(path: string): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { default: sharp } = await import('sharp');
  try {
    const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
    // greyscale() may still leave an alpha channel: keep the first channel only.
    const ch = info.channels;
    const px = new Uint8Array(info.width * info.height);
    for (let i = 0; i < px.length; i++) px[i] = data[i * ch];
    return { pixels: px, width: info.width, height: info.height };
  } catch (err) {
    throw new KpsError('bad-input', `${path}: cannot read the image (${(err as Error).message})`, { file: path });
  }
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
  const keep: { id: number; split: Split; group: string | null; truth: number[]; box: CropBox; pixels: Uint8Array; w: number; h: number }[] = [];
  let done = 0;
  for (const id of all) {
    if (opts.signal?.aborted) throw new KpsError('cancelled', 'cancelled while loading samples');
    done += 1;
    const s = source.getSample(id);
    const truth: number[] = [];
    const labelled: number[] = [];
    for (const k of opts.keypointIndices) {
      const kp = s.keypoints[k];
      const ok = kp && kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y);
      truth.push(ok ? kp.x : NaN, ok ? kp.y : NaN);
    }
    for (const kp of s.keypoints) if (kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y)) labelled.push(kp.x, kp.y);
    if (!truth.some((v) => Number.isFinite(v))) continue;
    const img = await loadGrey(source, id);
    if (!img) continue;
    const box = cropBoxFor(img.width, img.height, labelled, S, opts.cropMargin);
    keep.push({ id, split: s.split, group: s.groupId, truth, box, pixels: img.pixels, w: img.width, h: img.height });
    if (opts.progress && done % 100 === 0) opts.progress(done, all.length);
  }
  if (keep.length === 0) throw new KpsError('bad-input', `project ${source.path}: no sample has both pixels and a labelled keypoint to train on`);
  const n = keep.length;
  const images = new Float32Array(n * S * S);
  const targets = new Float32Array(n * 2 * K);
  const truthPx = new Float32Array(n * 2 * K);
  const boxes = new Float32Array(n * 3);
  keep.forEach((k, i) => {
    cropResize(k.pixels, k.w, k.h, k.box, S, images, i * S * S);
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
  return { inputSize: S, keypointIndices: opts.keypointIndices, ids, splits, images, targets, truthPx, boxes };
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
