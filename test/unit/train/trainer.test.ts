// The training loop on synthetic data (cpu backend, in-process): determinism, divergence, crash and resume, pause and cancel.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type TrainConfig } from '../../../src-main/train/config.js';
import { parseSplit, prepareData, type PreparedData } from '../../../src-main/train/data.js';
import { runTraining, TrainingDivergedError, type EpochMetrics } from '../../../src-main/train/trainer.js';
import { loadModel } from '../../../src-main/train/modelfile.js';
import { syntheticStore, twoPointSchema } from './synthetic.js';

let data: PreparedData;
const SIZE = 16;

beforeAll(async () => {
  await tf.setBackend('cpu');
  data = await prepareData(syntheticStore(80, SIZE), { inputSize: SIZE, keypointIndices: [0, 1], split: parseSplit('random'), seed: 1, cropMargin: 0.25 });
});

function cfg(over: Partial<Record<keyof TrainConfig, unknown>> = {}): TrainConfig {
  return resolveConfig({ model: 'kpnet', width: 0.25, epochs: 3, batch: 16, lr: 3e-3, inputSize: SIZE, schedule: 'cosine', ...over });
}

/** Fresh copies: a job may transfer or mutate nothing, but each run gets its own arrays to be safe. */
function copy(d: PreparedData): PreparedData {
  return { ...d, images: d.images.slice(), targets: d.targets.slice(), truthPx: d.truthPx.slice(), boxes: d.boxes.slice() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kps-train-'));

describe('runTraining', () => {
  it('is reproducible: same seed, same losses; another seed, other losses', async () => {
    const a = await runTraining({ config: cfg(), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    const b = await runTraining({ config: cfg(), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    const c = await runTraining({ config: cfg({ seed: 2 }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    expect(a.epochs.map((e) => e.train_loss)).toEqual(b.epochs.map((e) => e.train_loss));
    expect(a.epochs.map((e) => e.val_rmse_px)).toEqual(b.epochs.map((e) => e.val_rmse_px));
    expect(c.epochs.map((e) => e.train_loss)).not.toEqual(a.epochs.map((e) => e.train_loss));
    expect(a.final?.split).toEqual({ train: 65, val: 7, test: 8 });
  });

  it('trains data-parallel across worker threads (--workers 2) to the same losses as one thread, within tolerance', async () => {
    const one = await runTraining({ config: cfg({ epochs: 2, augment: 'none' }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    const two = await runTraining({ config: cfg({ epochs: 2, augment: 'none', workers: 2 }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    expect(two.epochs).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const a = one.epochs[i].train_loss;
      const b = two.epochs[i].train_loss;
      expect(Math.abs(a - b) / a).toBeLessThan(1e-3);
    }
  });

  it('stops with a clear error when the loss becomes NaN or infinite', async () => {
    const run = runTraining({ config: cfg({ lr: 1e12, optimizer: 'sgd', clipNorm: 0, epochs: 5 }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    await expect(run).rejects.toThrow(TrainingDivergedError);
    await expect(run).rejects.toThrow(/training diverged: the loss became (NaN|Infinity|-Infinity) at epoch \d+, step \d+/);
  });

  it('resumes after a crash from the last checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const config = cfg({ epochs: 4, optimizer: 'adamw' });
    const whole = await runTraining({ config, data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    const dir = tmp();
    let epochsSeen = 0;
    // The "crash": after epoch 2 is checkpointed, the next control poll throws, as a dying process would stop.
    const crashed = runTraining({ config, data: copy(data), schema: twoPointSchema, runDir: dir, resume: false }, {
      epoch: () => void (epochsSeen += 1),
      control: () => {
        if (epochsSeen >= 2) throw new Error('simulated crash');
        return 'run';
      },
    });
    await expect(crashed).rejects.toThrow('simulated crash');
    expect(existsSync(join(dir, 'last', 'state.json'))).toBe(true);
    const resumedEpochs: EpochMetrics[] = [];
    const resumed = await runTraining({ config, data: copy(data), schema: twoPointSchema, runDir: dir, resume: true }, { epoch: (e) => void resumedEpochs.push(e) });
    expect(resumedEpochs.map((e) => e.epoch)).toEqual([3, 4]);
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 4; i++) {
      expect(resumed.epochs[i].train_loss).toBeCloseTo(whole.epochs[i].train_loss, 6);
      expect(resumed.epochs[i].val_rmse_px as number).toBeCloseTo(whole.epochs[i].val_rmse_px as number, 4);
    }
    expect(resumed.final?.best_val_rmse_px as number).toBeCloseTo(whole.final?.best_val_rmse_px as number, 4);
  });

  it('pauses without losing its place, and cancels between steps', async () => {
    let polls = 0;
    let pausedPolls = 0;
    const paused = await runTraining({ config: cfg({ epochs: 1 }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false }, {
      control: () => {
        polls += 1;
        if (polls >= 3 && polls < 8) {
          pausedPolls += 1;
          return 'pause';
        }
        return 'run';
      },
    });
    expect(pausedPolls).toBe(5);
    expect(paused.status).toBe('done');
    expect(paused.epochs).toHaveLength(1);
    const cancelled = await runTraining({ config: cfg({ epochs: 3 }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false }, { control: () => (polls++ > 10 ? 'cancel' : 'run') });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.final).toBeNull();
  });

  it('keeps the best model in the TF.js layers format; it loads and predicts what the run predicted, in original pixels', async () => {
    const dir = tmp();
    const out = await runTraining({ config: cfg({ epochs: 2 }), data: copy(data), schema: twoPointSchema, runDir: dir, resume: false });
    const f = out.final!;
    expect(f.baseline.val_rmse_px).toBeGreaterThan(0);
    expect(out.predictions?.ids).toHaveLength(80);
    expect(f.reading.length).toBeGreaterThan(10);
    // The exported best model loads and predicts what the run predicted.
    const { model, metadata } = await loadModel(join(dir, 'best'));
    expect(metadata.inputSize).toBe(SIZE);
    const x = tf.tensor4d(data.images.subarray(0, SIZE * SIZE), [1, SIZE, SIZE, 1]);
    const y = (model.predict(x) as tf.Tensor).dataSync();
    const px = ((y[0] + 1) * SIZE) / 2 - 0.5;
    expect(px).toBeCloseTo(out.predictions!.coords[0], 3);
  });
  it('trains a heatmap model with the heatmap loss to the end (the heatmap head shares the model\'s layers)', async () => {
    const out = await runTraining({ config: cfg({ model: 'unet', loss: 'heatmap', epochs: 2, augment: 'none' }), data: copy(data), schema: twoPointSchema, runDir: tmp(), resume: false });
    expect(out.status).toBe('done');
    expect(out.epochs).toHaveLength(2);
    expect(out.epochs.every((e) => Number.isFinite(e.train_loss))).toBe(true);
    expect(out.predictions?.coords.every((v) => Number.isFinite(v))).toBe(true);
  });
});
