// face68: @vladmandic/face-api's pretrained 68-point landmark net (FaceLandmark68Net: four dense blocks of 3x3
// depthwise-separable convolutions, average pooling, one dense layer) rebuilt as a tf.LayersModel and loaded with the
// weights shipped in the npm package, so a project model can start from it and be fine-tuned on the project's crops.
//
// The same layers and weights as face-api (see its src/faceFeatureExtractor/denseBlock.ts), with two edits at the ends:
// - in front, a fixed 1x1 convolution turns the trainer's grey [0, 1] input into face-api's input, RGB with the mean
//   colour taken off and divided by 255 (each channel x - mean_c / 255 for a grey x): exact, padding included;
// - at the back, the 68-point layer is folded onto the trainer's coordinates (face-api: [0, 1] of its input square;
//   here: [-1, 1] of the crop, data.ts toNormalised), u = 2p - 1. Another layout gets a fresh dense head.
// The crop is the project's (train/facecrop.ts), which frames the face with more margin than face-api's detector box:
// the net starts from pretrained features and adapts its framing in training.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../../core/errors.js';

/** face-api's mean RGB (FaceFeatureExtractor: normalize(x, [122.782, 117.001, 104.298]).div(255)). */
const MEAN_RGB = [122.782, 117.001, 104.298];
const BLOCKS = [
  { name: 'dense0', filters: 32 },
  { name: 'dense1', filters: 64 },
  { name: 'dense2', filters: 128 },
  { name: 'dense3', filters: 256 },
] as const;
/** Points of the net's own layout (iBUG 300-W). */
export const FACE68_POINTS = 68;
/** The schema whose points are the net's own 68, in its order (keeps the pretrained head). */
export const FACE68_SCHEMA = 'ibug-68';

type T = tf.SymbolicTensor;
type Weights = Record<string, tf.Tensor>;

/** face-api's model folder inside its npm package. */
export function faceApiModelDir(): string {
  const nodeRequire = createRequire(import.meta.url);
  return join(dirname(nodeRequire.resolve('@vladmandic/face-api/package.json')), 'model');
}

let shipped: { names: string[]; shapes: number[][]; values: Float32Array[] } | null = null;

/** The shipped landmark-net weights (dequantised), read once per thread. */
function shippedWeights(): { names: string[]; shapes: number[][]; values: Float32Array[] } {
  if (shipped) return shipped;
  const dir = faceApiModelDir();
  let decoded: Weights;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'face_landmark_68_model-weights_manifest.json'), 'utf8')) as tf.io.WeightsManifestConfig;
    const bin = readFileSync(join(dir, manifest[0].paths[0]));
    decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights) as Weights;
  } catch (err) {
    throw new KpsError('not-found', `face68: cannot read face-api's landmark weights in ${dir} (${(err as Error).message.split('\n')[0]})`, { file: dir });
  }
  const names = Object.keys(decoded);
  shipped = { names, shapes: names.map((n) => decoded[n].shape), values: names.map((n) => decoded[n].dataSync().slice() as Float32Array) };
  tf.dispose(Object.values(decoded));
  return shipped;
}

function weight(name: string): tf.Tensor {
  const w = shippedWeights();
  const i = w.names.indexOf(name);
  if (i < 0) throw new KpsError('internal', `face68: face-api's landmark weights have no ${name}`);
  return tf.tensor(w.values[i], w.shapes[i]);
}

/** face68 keeps the net's own trained head for 68 keypoints; any other count gets a fresh one. */
export function face68KeepsHead(numKeypoints: number): boolean {
  return numKeypoints === FACE68_POINTS;
}

/**
 * Builds face68 with the shipped weights. `numKeypoints` 68 keeps the net's own 68-point head (folded onto the
 * trainer's coordinates); any other count gets a fresh head (zero-initialised, so it starts at the crop's centre).
 */
export function buildFace68(o: { inputSize: number; numKeypoints: number }): tf.LayersModel {
  const inp = tf.input({ shape: [o.inputSize, o.inputSize, 1], name: 'image' });
  const toRgb = tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: true, trainable: false, name: 'face68_input' });
  let x = toRgb.apply(inp) as T;
  const layers: { layer: tf.layers.Layer; weights: string[] }[] = [];
  const sep = (h: T, block: string, conv: string, filters: number, strides: number): T => {
    const layer = tf.layers.separableConv2d({ filters, kernelSize: 3, strides, padding: 'same', depthMultiplier: 1, name: `${block}_${conv}` });
    layers.push({ layer, weights: [`${block}/${conv}/depthwise_filter`, `${block}/${conv}/pointwise_filter`, `${block}/${conv}/bias`] });
    return layer.apply(h) as T;
  };
  const relu = (h: T): T => tf.layers.reLU().apply(h) as T;
  const add = (...hs: T[]): T => tf.layers.add().apply(hs) as T;
  for (const [bi, { name, filters }] of BLOCKS.entries()) {
    let first: T;
    if (bi === 0) {
      const layer = tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', name: `${name}_conv0` });
      layers.push({ layer, weights: [`${name}/conv0/filters`, `${name}/conv0/bias`] });
      first = layer.apply(x) as T;
    } else {
      first = sep(x, name, 'conv0', filters, 2);
    }
    const out1 = relu(first);
    const out2 = sep(out1, name, 'conv1', filters, 1);
    const out3 = sep(relu(add(out1, out2)), name, 'conv2', filters, 1);
    const out4 = sep(relu(add(out1, out2, out3)), name, 'conv3', filters, 1);
    x = relu(add(out1, out2, out3, out4));
  }
  // face-api: a 7x7 average pool of the 7x7 map at its 112 px input, i.e. the mean over the map at any input size.
  const pooled = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  const own = face68KeepsHead(o.numKeypoints);
  const head = tf.layers.dense({ units: 2 * o.numKeypoints, name: 'coords', kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  const model = tf.model({ inputs: inp, outputs: head.apply(pooled) as T, name: 'face68' });

  tf.tidy(() => {
    // Grey x -> (x * 255 - mean_c) / 255 in each of three channels.
    toRgb.setWeights([tf.ones([1, 1, 1, 3]), tf.tensor1d(MEAN_RGB.map((m) => -m / 255))]);
    for (const { layer, weights } of layers) layer.setWeights(weights.map(weight));
    if (own) head.setWeights([tf.mul(weight('fc/weights'), 2), tf.sub(tf.mul(weight('fc/bias'), 2), 1)]);
  });
  return model;
}

/** Ridge penalties tried for the head start, relative to the mean diagonal of the features' Gram matrix. */
const HEAD_LAMBDAS = [1e-4, 1e-3, 1e-2, 1e-1, 1];
/** At most this many training crops are used to fit the head start. */
const HEAD_START_ROWS = 1000;

/**
 * Starts face68's head from the net's trained 68-point head: on the
 * training crops (as they are, no augmentation), the shipped head's 68 points are regressed (ridge, one penalty chosen
 * on a held-out fifth) onto each labelled coordinate of the project's layout, and the composition of the two linear maps
 * becomes the new head. Training then starts where the pretrained mapping would put the points, not at the mean shape.
 * On the net's own 68 points the same fit corrects the head for the project's crop, which frames the face with more
 * margin than face-api's box the head was trained on (kept as it was, its first predictions are shrunk and shifted).
 * `images` N x S x S grey, `targets` N x 2K in the trainer's coordinates (NaN = missing). Returns what it did, or null
 * when there were too few labelled crops (the head is left as it was). Columns with too few labels keep the head they
 * had (the mean-shape start of a fresh head, the net's own for 68 points).
 */
export function startFace68Head(model: tf.LayersModel, images: Float32Array, targets: Float32Array, rows: readonly number[], S: number, K: number): { rows: number; lambda: number; heldOutRmse: number } | null {
  const head = model.getLayer('coords');
  const use = rows.length > HEAD_START_ROWS ? Array.from({ length: HEAD_START_ROWS }, (_, i) => rows[Math.floor((i * rows.length) / HEAD_START_ROWS)]) : [...rows];
  if (use.length < 10) return null;
  const P = 2 * FACE68_POINTS;
  // The backbone's pooled features, then the shipped head's points in the trainer's coordinates (u = 2p - 1).
  const W68 = tf.tidy(() => tf.mul(weight('fc/weights'), 2));
  const b68 = tf.tidy(() => tf.sub(tf.mul(weight('fc/bias'), 2), 1));
  const features = tf.model({ inputs: model.inputs, outputs: head.input as T });
  const n = use.length;
  const X = new Float64Array(n * (P + 1));
  for (let start = 0; start < n; start += 64) {
    const part = use.slice(start, start + 64);
    const x = new Float32Array(part.length * S * S);
    part.forEach((r, j) => x.set(images.subarray(r * S * S, (r + 1) * S * S), j * S * S));
    const p = tf.tidy(() => {
      const f = features.predict(tf.tensor4d(x, [part.length, S, S, 1])) as tf.Tensor;
      return tf.add(tf.matMul(f, W68), b68).dataSync() as Float32Array;
    });
    for (let j = 0; j < part.length; j++) {
      const row = (start + j) * (P + 1);
      for (let c = 0; c < P; c++) X[row + c] = p[j * P + c];
      X[row + P] = 1;
    }
  }
  // Columns that share which rows are labelled are solved together.
  const groups = new Map<string, number[]>();
  for (let c = 0; c < 2 * K; c++) {
    const key = use.map((r) => (Number.isNaN(targets[r * 2 * K + c]) ? '0' : '1')).join('');
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(c);
  }
  const A = new Float64Array((P + 1) * 2 * K);
  const fitted = new Set<number>();
  let sse = 0, count = 0, lambdaUsed = 0;
  for (const [key, cols] of groups) {
    const have = [...key].map((ch, i) => (ch === '1' ? i : -1)).filter((i) => i >= 0);
    if (have.length < 10) continue; // too few labels: those columns keep a zero map (the head's bias, the mean shape)
    const held = have.filter((_, i) => i % 5 === 4);
    const fit = have.filter((_, i) => i % 5 !== 4);
    let best = { lambda: HEAD_LAMBDAS[0], err: Infinity };
    for (const lambda of HEAD_LAMBDAS) {
      const coef = ridge(X, targets, use, fit, cols, P + 1, K, lambda);
      const err = squaredError(X, targets, use, held, cols, coef, P + 1, K);
      if (err < best.err) best = { lambda, err };
    }
    sse += best.err;
    count += held.length * cols.length;
    lambdaUsed = Math.max(lambdaUsed, best.lambda);
    const coef = ridge(X, targets, use, have, cols, P + 1, K, best.lambda);
    cols.forEach((c, j) => {
      fitted.add(c);
      for (let i = 0; i <= P; i++) A[i * 2 * K + c] = coef[i * cols.length + j];
    });
  }
  if (count === 0) {
    tf.dispose([W68, b68]);
    return null;
  }
  tf.tidy(() => {
    const a = tf.tensor2d(Float32Array.from(A.subarray(0, P * 2 * K)), [P, 2 * K]);
    const c = tf.tensor1d(Float32Array.from(A.subarray(P * 2 * K)));
    // Columns without enough labels keep the head's weights as they were (the mean-shape start).
    const keep = tf.tensor1d(Float32Array.from({ length: 2 * K }, (_, col) => (fitted.has(col) ? 0 : 1)));
    const [oldKernel, oldBias] = head.getWeights();
    const kernel = tf.add(tf.mul(tf.matMul(W68, a), tf.sub(1, keep)), tf.mul(oldKernel, keep));
    const bias = tf.add(tf.mul(tf.add(tf.squeeze(tf.matMul(tf.reshape(b68, [1, P]), a), [0]), c), tf.sub(1, keep)), tf.mul(oldBias, keep));
    head.setWeights([kernel, bias]);
  });
  tf.dispose([W68, b68]);
  return { rows: n, lambda: lambdaUsed, heldOutRmse: Math.sqrt(sse / count) };
}

/** Ridge (intercept unpenalised) of the given target columns on X's rows `at` (indices into `use`): (D x cols) coefficients. */
function ridge(X: Float64Array, targets: Float32Array, use: readonly number[], at: readonly number[], cols: readonly number[], D: number, K: number, lambda: number): Float64Array {
  const G = new Float64Array(D * D);
  const B = new Float64Array(D * cols.length);
  for (const i of at) {
    const xi = X.subarray(i * D, (i + 1) * D);
    for (let a = 0; a < D; a++) {
      const va = xi[a];
      if (va === 0) continue;
      for (let b = a; b < D; b++) G[a * D + b] += va * xi[b];
      for (let j = 0; j < cols.length; j++) B[a * cols.length + j] += va * targets[use[i] * 2 * K + cols[j]];
    }
  }
  let diag = 0;
  for (let a = 0; a < D - 1; a++) diag += G[a * D + a];
  const pen = (lambda * diag) / Math.max(1, D - 1);
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) G[a * D + b] = G[b * D + a];
  for (let a = 0; a < D - 1; a++) G[a * D + a] += pen;
  G[(D - 1) * D + (D - 1)] += 1e-9 * Math.max(1, at.length);
  // Cholesky: G = L L^T, then two triangular solves per column.
  for (let j = 0; j < D; j++) {
    let s = G[j * D + j];
    for (let k = 0; k < j; k++) s -= G[j * D + k] * G[j * D + k];
    const d = Math.sqrt(Math.max(s, 1e-12));
    G[j * D + j] = d;
    for (let i = j + 1; i < D; i++) {
      let t = G[i * D + j];
      for (let k = 0; k < j; k++) t -= G[i * D + k] * G[j * D + k];
      G[i * D + j] = t / d;
    }
  }
  const m = cols.length;
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < D; i++) {
      let t = B[i * m + j];
      for (let k = 0; k < i; k++) t -= G[i * D + k] * B[k * m + j];
      B[i * m + j] = t / G[i * D + i];
    }
    for (let i = D - 1; i >= 0; i--) {
      let t = B[i * m + j];
      for (let k = i + 1; k < D; k++) t -= G[k * D + i] * B[k * m + j];
      B[i * m + j] = t / G[i * D + i];
    }
  }
  return B;
}

function squaredError(X: Float64Array, targets: Float32Array, use: readonly number[], at: readonly number[], cols: readonly number[], coef: Float64Array, D: number, K: number): number {
  let s = 0;
  for (const i of at) {
    for (let j = 0; j < cols.length; j++) {
      let p = 0;
      for (let a = 0; a < D; a++) p += X[i * D + a] * coef[a * cols.length + j];
      const e = p - targets[use[i] * 2 * K + cols[j]];
      s += e * e;
    }
  }
  return s;
}
