// face68 (train/models/face68.ts): face-api's landmark net as a LayersModel with the shipped weights, checked against
// face-api's own computation (its denseBlock4 and fully connected layer, written out with tf ops on the same weights).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, hasTrainedHead, MODEL_INFO } from '../../../src-main/train/models/index.js';
import { faceApiModelDir, startFace68Head } from '../../../src-main/train/models/face68.js';

type W = Record<string, tf.Tensor>;

/** face-api's FaceLandmark68Net on a [N, S, S, 3] input of 0-255 values: [N, 136] in [0, 1] of the input square. */
function faceApiNet(x255: tf.Tensor4D, w: W): tf.Tensor2D {
  const sep = (x: tf.Tensor4D, p: string, s: 1 | 2): tf.Tensor4D =>
    tf.add(tf.separableConv2d(x, w[`${p}/depthwise_filter`] as tf.Tensor4D, w[`${p}/pointwise_filter`] as tf.Tensor4D, s, 'same'), w[`${p}/bias`]);
  const dense = (x: tf.Tensor4D, p: string, first: boolean): tf.Tensor4D => {
    const a = tf.relu<tf.Tensor4D>(first ? tf.add(tf.conv2d(x, w[`${p}/conv0/filters`] as tf.Tensor4D, 2, 'same'), w[`${p}/conv0/bias`]) : sep(x, `${p}/conv0`, 2));
    const b = sep(a, `${p}/conv1`, 1);
    const c = sep(tf.relu<tf.Tensor4D>(tf.add(a, b)), `${p}/conv2`, 1);
    const d = sep(tf.relu<tf.Tensor4D>(tf.add(a, tf.add(b, c))), `${p}/conv3`, 1);
    return tf.relu<tf.Tensor4D>(tf.add(a, tf.add(b, tf.add(c, d))));
  };
  const norm = tf.div(tf.sub(x255, tf.tensor1d([122.782, 117.001, 104.298])), 255) as tf.Tensor4D;
  let h = dense(norm, 'dense0', true);
  for (const p of ['dense1', 'dense2', 'dense3']) h = dense(h, p, false);
  // face-api: avgPool([7, 7], [2, 2], 'valid') of the 7 x 7 map at 112 px: one mean per channel.
  const pooled = tf.avgPool(h, [7, 7], [2, 2], 'valid').reshape([x255.shape[0], -1]) as tf.Tensor2D;
  return tf.add(tf.matMul(pooled, w['fc/weights'] as tf.Tensor2D), w['fc/bias']) as tf.Tensor2D;
}

function shipped(): W {
  const dir = faceApiModelDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'face_landmark_68_model-weights_manifest.json'), 'utf8')) as tf.io.WeightsManifestConfig;
  const bin = readFileSync(join(dir, manifest[0].paths[0]));
  return tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights) as W;
}

/** A smooth grey test image (a face-sized blob and gradients), values in [0, 1]. */
function greyImage(n: number, size: number): Float32Array {
  const out = new Float32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = (x - size * (0.45 + 0.1 * b)) / size;
        const dy = (y - size * 0.5) / size;
        out[(b * size + y) * size + x] = 0.25 + 0.5 * Math.exp(-(dx * dx + dy * dy) * 8) + 0.1 * Math.sin((x + 3 * b) / 5) * Math.cos(y / 7);
      }
    }
  }
  return out;
}

describe('face68: the pretrained landmark net as a trainable model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("gives face-api's own output on a grey image, folded onto the trainer's [-1, 1] coordinates", () => {
    const S = 112;
    const grey = greyImage(2, S);
    const model = buildModel('face68', { inputSize: S, numKeypoints: 68, seed: 1 });
    expect(MODEL_INFO.face68.heatmaps).toBe(false);
    const w = shipped();
    const [ours, ref] = tf.tidy(() => {
      const x = tf.tensor4d(grey, [2, S, S, 1]);
      const x255 = tf.mul(tf.tile(x, [1, 1, 1, 3]), 255) as tf.Tensor4D;
      const p = faceApiNet(x255, w);
      return [(model.predict(x) as tf.Tensor).dataSync().slice(), tf.sub(tf.mul(p, 2), 1).dataSync().slice()];
    });
    tf.dispose(Object.values(w));
    expect(ours).toHaveLength(2 * 136);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) {
      expect(Number.isFinite(ours[i])).toBe(true);
      worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
    }
    // The same float32 operations in another order (1x1 conv for the normalisation): rounding only.
    expect(worst).toBeLessThan(1e-4);
    // And not a constant: the two images give different shapes.
    expect(Math.abs(ours[0] - ours[136])).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('another layout gets a fresh head on the pretrained features; the input layer stays fixed in training', () => {
    const model = buildModel('face68', { inputSize: 96, numKeypoints: 15, seed: 1 });
    const out = tf.tidy(() => (model.predict(tf.tensor4d(greyImage(1, 96), [1, 96, 96, 1])) as tf.Tensor).dataSync().slice());
    expect(out).toHaveLength(30);
    expect([...out].every((v) => v === 0)).toBe(true);
    const trainable = model.trainableWeights.map((v) => v.originalName);
    expect(trainable.some((n) => n.startsWith('face68_input'))).toBe(false);
    expect(trainable.filter((n) => n.includes('depthwise_kernel'))).toHaveLength(15);
    model.dispose();
  });

  it('saves and loads as a checkpoint does, and one training step moves it toward the targets', async () => {
    const S = 32;
    const model = buildModel('face68', { inputSize: S, numKeypoints: 68, seed: 1 });
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.tensor4d(greyImage(2, S), [2, S, S, 1]);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    const target = tf.zeros([2, 136]);
    const opt = tf.train.adam(1e-3);
    const loss = () => tf.losses.meanSquaredError(target, model.predict(x) as tf.Tensor) as tf.Scalar;
    const before = loss().dataSync()[0];
    for (let i = 0; i < 2; i++) opt.minimize(loss);
    const after = loss().dataSync()[0];
    expect(after).toBeLessThan(before);
    tf.dispose([x, target]);
    model.dispose();
    loaded.dispose();
  });

  it("a fresh head starts from the net's own 68 points mapped onto the layout (ridge on the training crops), keeping the start of unlabelled columns", () => {
    const S = 32;
    const N = 40;
    const K = 3;
    const images = new Float32Array(N * S * S);
    for (let b = 0; b < N; b += 4) images.set(greyImage(4, S).map((v, i) => v * (0.6 + 0.01 * b) + 0.02 * Math.sin(i / (5 + b))), b * S * S);
    const own = buildModel('face68', { inputSize: S, numKeypoints: 68, seed: 1 });
    const p68 = tf.tidy(() => (own.predict(tf.tensor4d(images, [N, S, S, 1])) as tf.Tensor).dataSync().slice());
    own.dispose();
    // A layout whose points are linear in the net's: a mean of three points, one point shifted, one point scaled; the
    // last coordinate is labelled on 5 crops only (too few to fit), so it keeps the value the head had.
    const targets = new Float32Array(N * 2 * K);
    for (let i = 0; i < N; i++) {
      const q = (k: number, c: number) => p68[i * 136 + 2 * k + c];
      targets.set([(q(36, 0) + q(39, 0) + q(30, 0)) / 3, (q(36, 1) + q(39, 1) + q(30, 1)) / 3, q(48, 0) + 0.1, q(48, 1) - 0.05, 0.5 * q(8, 0), i < 5 ? 0.3 : NaN], i * 2 * K);
    }
    const model = buildModel('face68', { inputSize: S, numKeypoints: K, seed: 1 });
    const head = model.getLayer('coords');
    head.setWeights([tf.zeros([256, 2 * K]), tf.tensor1d([0, 0, 0, 0, 0, 0.7])]);
    const rows = Array.from({ length: N }, (_, i) => i);
    const res = startFace68Head(model, images, targets, rows, S, K);
    expect(res).not.toBeNull();
    expect(res!.rows).toBe(N);
    const out = tf.tidy(() => (model.predict(tf.tensor4d(images, [N, S, S, 1])) as tf.Tensor).dataSync().slice());
    let worst = 0;
    for (let i = 0; i < N; i++) for (let c = 0; c < 2 * K - 1; c++) worst = Math.max(worst, Math.abs(out[i * 2 * K + c] - targets[i * 2 * K + c]));
    // Exactly representable maps, fitted with a small ridge penalty: within a few thousandths of the crop's half-width.
    expect(worst).toBeLessThan(0.01);
    for (let i = 0; i < N; i++) expect(out[i * 2 * K + 5]).toBeCloseTo(0.7, 5);
    model.dispose();
  });

  it('the trainer keeps the net\'s trained 68-point head: no mean-shape start for face68 on 68 points', () => {
    expect(hasTrainedHead('face68', 68)).toBe(true);
    expect(hasTrainedHead('face68', 58)).toBe(false);
    expect(hasTrainedHead('kpnet', 68)).toBe(false);
  });
});
