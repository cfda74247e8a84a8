// The model zoo: every builder gives [N, 2K] outputs, seeds fix the initial weights, bad names and sizes are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, MODEL_NAMES, DEFAULT_MODEL } from '../../../src-main/train/models/index.js';
import { loadModel, saveModel } from '../../../src-main/train/modelfile.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model zoo', () => {
  it('has the issue names and a default', () => {
    expect([...MODEL_NAMES].sort()).toEqual(['face68', 'kpnet', 'resnet18', 'resnet5', 'smallnet', 'unet', 'vgg']);
    expect(DEFAULT_MODEL).toBe('kpnet');
  });
  for (const name of MODEL_NAMES) {
    it(`${name}: 1-channel input, 2K outputs`, () => {
      const k = name === 'smallnet' ? 1 : 15;
      const m = buildModel(name, { inputSize: 64, numKeypoints: k, seed: 3 });
      expect(m.inputs[0].shape).toEqual([null, 64, 64, 1]);
      const y = m.predict(tf.zeros([2, 64, 64, 1])) as tf.Tensor;
      expect(y.shape).toEqual([2, 2 * k]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      m.dispose();
    });
  }
  it('the VGG-style net has the issue layout: 6 convs of 32, 32, 64, 64, 128, 128 and dense 256, dense 2K', () => {
    const m = buildModel('vgg', { inputSize: 96, numKeypoints: 15, seed: 1 });
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters);
    const dense = m.layers.filter((l) => l.getClassName() === 'Dense').map((l) => (l.getConfig() as { units: number }).units);
    expect(convs).toEqual([32, 32, 64, 64, 128, 128]);
    expect(dense).toEqual([256, 30]);
  });
  it('resnet5 has 5 stages of 2 residual blocks from 32 to 512 channels, a 7x7 stem and batch norm', () => {
    const m = buildModel('resnet5', { inputSize: 96, numKeypoints: 15, seed: 1 });
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.getConfig() as { filters: number; kernelSize: number[] });
    expect(convs[0].kernelSize).toEqual([7, 7]);
    expect(m.layers.filter((l) => l.getClassName() === 'Add')).toHaveLength(10);
    expect(new Set(convs.map((c) => c.filters))).toEqual(new Set([32, 64, 128, 256, 512]));
    expect(m.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
  });
  it('the same seed gives the same initial weights, another seed others', () => {
    const w = (seed: number) => Array.from(buildModel('kpnet', { inputSize: 32, numKeypoints: 2, seed }).getWeights()[0].dataSync().slice(0, 20));
    expect(w(4)).toEqual(w(4));
    expect(w(5)).not.toEqual(w(4));
  });
  it('refuses unknown names and unusable sizes', () => {
    expect(() => buildModel('alexnet', { inputSize: 96, numKeypoints: 15 })).toThrow(/unknown model "alexnet"/);
    expect(() => buildModel('unet', { inputSize: 90, numKeypoints: 15 })).toThrow(/divisible by 8/);
  });
  it('saves to the TF.js layers format and loads back (custom soft-argmax layer included)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kps-model-')), 'unet');
    const m = buildModel('unet', { inputSize: 32, numKeypoints: 3, seed: 2 });
    await saveModel(m, dir, { note: 'test' });
    const { model, metadata } = await loadModel(dir);
    expect(metadata).toEqual({ note: 'test' });
    const x = tf.randomUniform([1, 32, 32, 1], 0, 1, 'float32', 9);
    expect(Array.from((model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((m.predict(x) as tf.Tensor).dataSync()));
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/no model file here/);
  });
});
