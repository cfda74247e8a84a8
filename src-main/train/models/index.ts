// The model zoo: one builder per architecture, each returning a tf.LayersModel that outputs normalised (x, y) pairs.
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../../core/errors.js';
import { buildFace68, face68KeepsHead, FACE68_SCHEMA } from './face68.js';

export { FACE68_SCHEMA };
import { SoftArgmax } from './softargmax.js';

export { SoftArgmax };

import { MODEL_NAMES, DEFAULT_MODEL, type ModelName } from './names.js';

export { MODEL_NAMES, DEFAULT_MODEL, type ModelName };

export interface ModelOptions {
  /** Square input side in pixels (96 for Kaggle faces). */
  inputSize: number;
  /** Keypoints predicted; the output has 2 * numKeypoints values x0, y0, x1, y1, ... */
  numKeypoints: number;
  /** Seed for weight initialisation: same seed, same initial weights. */
  seed?: number;
  /** Width multiplier for kpnet and unet (1 = the measured default). */
  width?: number;
}

export interface ModelInfo {
  name: ModelName;
  description: string;
  /** True when the model emits heatmaps too (the heatmap loss needs them). */
  heatmaps: boolean;
  /** Keypoints the model is built for when it has a fixed count (smallnet: the nose tip). */
  fixedKeypoints?: number;
}

export const MODEL_INFO: Record<ModelName, ModelInfo> = {
  kpnet: { name: 'kpnet', description: 'efficient default: two strided convs, 4 more convs with 2 pools, flatten, dense 256', heatmaps: false },
  smallnet: { name: 'smallnet', description: "the seeds' nose-tip SmallNet: 3 conv-pool blocks, dense 128, one keypoint", heatmaps: false, fixedKeypoints: 1 },
  vgg: { name: 'vgg', description: 'VGG-style: conv32-conv32-pool, conv64-conv64-pool, conv128-conv128-pool, dense 256, dense 2K', heatmaps: false },
  resnet5: { name: 'resnet5', description: 'ResNet of 5 stages x 2 residual blocks, 32 to 512 channels, 7x7 stem, batch norm, pool', heatmaps: false },
  resnet18: { name: 'resnet18', description: 'ResNet-18 (4 stages x 2 basic blocks, 64 to 512 channels) with a 1-channel input', heatmaps: false },
  unet: { name: 'unet', description: 'U-Net with one heatmap per keypoint, read out by soft-argmax', heatmaps: true },
  face68: { name: 'face68', description: "face-api's pretrained 68-point landmark net (depthwise-separable dense blocks), fine-tuned from its shipped weights; its own head for 68 points, a fresh one for other layouts", heatmaps: false },
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** Hands out seeded initialisers, one fresh seed per layer, so a whole model is reproducible from one seed. */
class Seeds {
  private n = 0;
  constructor(private readonly seed: number | undefined) {}
  private next(): number | undefined {
    this.n += 1;
    return this.seed === undefined ? undefined : (this.seed * 7919 + this.n * 104729) % 2147483647;
  }
  he(): ReturnType<typeof tf.initializers.heNormal> {
    const seed = this.next();
    return tf.initializers.heNormal(seed === undefined ? {} : { seed });
  }
  glorot(): ReturnType<typeof tf.initializers.heNormal> {
    const seed = this.next();
    return tf.initializers.glorotUniform(seed === undefined ? {} : { seed });
  }
}

type T = tf.SymbolicTensor;

function conv(s: Seeds, x: T, filters: number, kernel: number, opts: { strides?: number; activation?: 'relu' | 'linear'; useBias?: boolean; name?: string } = {}): T {
  return tf.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides: opts.strides ?? 1,
      padding: 'same',
      activation: opts.activation ?? 'relu',
      useBias: opts.useBias ?? true,
      kernelInitializer: s.he(),
      ...(opts.name === undefined ? {} : { name: opts.name }),
    })
    .apply(x) as T;
}

function bn(x: T): T {
  return tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as T;
}

function relu(x: T): T {
  return tf.layers.activation({ activation: 'relu' }).apply(x) as T;
}

function maxPool(x: T, size = 2): T {
  return tf.layers.maxPooling2d({ poolSize: size, strides: size, padding: 'same' }).apply(x) as T;
}

function dense(s: Seeds, x: T, units: number, activation: 'relu' | 'linear', name?: string): T {
  return tf.layers
    .dense({ units, activation, kernelInitializer: activation === 'relu' ? s.he() : s.glorot(), ...(name === undefined ? {} : { name }) })
    .apply(x) as T;
}

function coordsHead(s: Seeds, x: T, k: number, hidden: number): T {
  const f = tf.layers.flatten().apply(x) as T;
  const h = dense(s, f, hidden, 'relu');
  return dense(s, h, 2 * k, 'linear', 'coords');
}

function input(size: number): T {
  return tf.input({ shape: [size, size, 1], name: 'image' });
}

function buildKpnet(o: ModelOptions, s: Seeds): tf.LayersModel {
  const w = o.width ?? 1;
  const c = (n: number) => Math.max(4, Math.round(n * w));
  const inp = input(o.inputSize);
  // Strided convolutions instead of conv + pool at the two largest sizes: the full-resolution layers
  // cost the most per channel, and a stride cuts their work 4x (measured in docs/training.md).
  let x = conv(s, inp, c(16), 3, { strides: 2 });
  x = conv(s, x, c(32), 3, { strides: 2 });
  x = conv(s, x, c(32), 3);
  x = maxPool(x);
  x = conv(s, x, c(64), 3);
  x = conv(s, x, c(64), 3);
  x = maxPool(x);
  x = conv(s, x, c(128), 3);
  // Flatten keeps where things are; global pooling would throw away the positions we regress.
  return tf.model({ inputs: inp, outputs: coordsHead(s, x, o.numKeypoints, 256), name: 'kpnet' });
}

function buildSmallnet(o: ModelOptions, s: Seeds): tf.LayersModel {
  const inp = input(o.inputSize);
  let x = conv(s, inp, 16, 5);
  x = maxPool(x);
  x = conv(s, x, 32, 3);
  x = maxPool(x);
  x = conv(s, x, 64, 3);
  x = maxPool(x);
  return tf.model({ inputs: inp, outputs: coordsHead(s, x, o.numKeypoints, 128), name: 'smallnet' });
}

function buildVgg(o: ModelOptions, s: Seeds): tf.LayersModel {
  const inp = input(o.inputSize);
  let x: T = inp;
  for (const f of [32, 64, 128]) {
    x = conv(s, x, f, 3);
    x = conv(s, x, f, 3);
    x = maxPool(x);
  }
  return tf.model({ inputs: inp, outputs: coordsHead(s, x, o.numKeypoints, 256), name: 'vgg' });
}

/** Basic residual block: conv-bn-relu-conv-bn plus a 1x1 projection when the shape changes. */
function residual(s: Seeds, x: T, filters: number, stride: number): T {
  let y = conv(s, x, filters, 3, { strides: stride, activation: 'linear', useBias: false });
  y = relu(bn(y));
  y = bn(conv(s, y, filters, 3, { activation: 'linear', useBias: false }));
  const inC = x.shape[3];
  let shortcut = x;
  if (stride !== 1 || inC !== filters) shortcut = bn(conv(s, x, filters, 1, { strides: stride, activation: 'linear', useBias: false }));
  return relu(tf.layers.add().apply([y, shortcut]) as T);
}

function buildResnet(o: ModelOptions, s: Seeds, stages: number[], name: string): tf.LayersModel {
  const inp = input(o.inputSize);
  let x = relu(bn(conv(s, inp, stages[0], 7, { strides: 2, activation: 'linear', useBias: false })));
  x = maxPool(x);
  stages.forEach((filters, i) => {
    x = residual(s, x, filters, i === 0 ? 1 : 2);
    x = residual(s, x, filters, 1);
  });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  return tf.model({ inputs: inp, outputs: dense(s, pooled, 2 * o.numKeypoints, 'linear', 'coords'), name });
}

function buildUnet(o: ModelOptions, s: Seeds): tf.LayersModel {
  const w = o.width ?? 1;
  const c = (n: number) => Math.max(4, Math.round(n * w));
  const inp = input(o.inputSize);
  const skips: T[] = [];
  let x: T = inp;
  for (const f of [16, 32, 64]) {
    x = conv(s, x, c(f), 3);
    x = conv(s, x, c(f), 3);
    skips.push(x);
    x = maxPool(x);
  }
  x = conv(s, x, c(128), 3);
  x = conv(s, x, c(128), 3);
  for (const f of [64, 32, 16]) {
    x = tf.layers.upSampling2d({ size: [2, 2] }).apply(x) as T;
    x = conv(s, x, c(f), 3);
    x = tf.layers.concatenate().apply([x, skips.pop() as T]) as T;
    x = conv(s, x, c(f), 3);
  }
  const heat = conv(s, x, o.numKeypoints, 1, { activation: 'linear', name: 'heatmaps' });
  const coords = new SoftArgmax({ name: 'coords' }).apply(heat) as T;
  return tf.model({ inputs: inp, outputs: coords, name: 'unet' });
}

/** Builds a fresh model. Output: [N, 2 * numKeypoints] normalised coordinates (see data.ts). */
export function buildModel(name: string, o: ModelOptions): tf.LayersModel {
  if (!isModelName(name)) throw new KpsError('bad-input', `unknown model "${name}": choose one of ${MODEL_NAMES.join(', ')}`);
  if (!(o.inputSize >= 16) || !Number.isInteger(o.inputSize)) throw new KpsError('bad-input', `input size must be an integer of at least 16, got ${o.inputSize}`);
  if (!(o.numKeypoints >= 1)) throw new KpsError('bad-input', 'a model needs at least one keypoint');
  if (name === 'unet' && o.inputSize % 8 !== 0) throw new KpsError('bad-input', `unet needs an input size divisible by 8, got ${o.inputSize}`);
  const s = new Seeds(o.seed);
  switch (name) {
    case 'kpnet':
      return buildKpnet(o, s);
    case 'smallnet':
      return buildSmallnet(o, s);
    case 'vgg':
      return buildVgg(o, s);
    case 'resnet5':
      return buildResnet(o, s, [32, 64, 128, 256, 512], 'resnet5');
    case 'resnet18':
      return buildResnet(o, s, [64, 128, 256, 512], 'resnet18');
    case 'unet':
      return buildUnet(o, s);
    case 'face68':
      return buildFace68(o);
  }
}

/** True when the built model's coordinate head is already trained (face68's own head for 68 points): training keeps it as it is. */
export function hasTrainedHead(name: ModelName, numKeypoints: number): boolean {
  return name === 'face68' && face68KeepsHead(numKeypoints);
}

/** For the heatmap loss: the same weights, with the heatmap layer exposed as a second output. */
export function withHeatmapOutput(model: tf.LayersModel): tf.LayersModel {
  const heat = model.getLayer('heatmaps');
  return tf.model({ inputs: model.inputs, outputs: [model.outputs[0], heat.output as T] });
}
