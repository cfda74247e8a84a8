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
  const own = o.numKeypoints === FACE68_POINTS;
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
