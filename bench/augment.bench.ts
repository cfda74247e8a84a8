// Augmentation cost: samples/s at 96x96 per preset, and the slowdown it adds to training in the default (data-parallel) configuration,
// decided on a direct A/B: interleaved blocks of training steps with augmentation on and off in one process (KPS_BENCH_AB_ROUNDS, KPS_BENCH_AB_STEPS).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Augmenter } from '../src-main/augment/index.js';
import { DEFAULT_CONFIG, resolveWorkers } from '../src-main/train/config.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { abSlowdown, roundOrder, type AbRound } from './ab.js';
import { median, report } from './util.js';

const S = 96;
const K = 15;
const BATCH = 64;

function randomBatch(n: number, seed: number): { images: Float32Array; coords: Float32Array } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const images = new Float32Array(n * S * S);
  for (let i = 0; i < images.length; i++) images[i] = rnd();
  const coords = new Float32Array(n * K * 2);
  for (let i = 0; i < coords.length; i++) coords[i] = 20 + 56 * rnd();
  return { images, coords };
}

/** Pure augmentation throughput, the way the trainer calls it (applyBatch on a batch of 64). */
function measureAugment(preset: string): { samplesPerS: number; cpuSamplesPerS: number; usPerSample: number } {
  const aug = new Augmenter({ params: preset, keypointCount: K, seed: 1 });
  const src = randomBatch(BATCH, 3);
  const images = new Float32Array(src.images.length);
  const coords = new Float32Array(src.coords.length);
  const run = (batches: number, epoch: number) => {
    for (let b = 0; b < batches; b++) {
      images.set(src.images);
      coords.set(src.coords);
      aug.applyBatch(images, coords, BATCH, S, S, 1, (i) => [epoch, b * BATCH + i]);
    }
  };
  run(20, 0);
  const batches = 120;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  run(batches, 1);
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  const n = batches * BATCH;
  return { samplesPerS: n / wall, cpuSamplesPerS: n / cpu, usPerSample: (wall / n) * 1e6 };
}

interface AbMeasurement {
  model: string;
  backend: string;
  workers: number;
  rounds: AbRound[];
  /** Process CPU seconds per step (all threads, the workers' included), summed over rounds. */
  cpuOff: number;
  cpuOn: number;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Training steps of the default model in the default configuration: the trainer's worker count (data-parallel
 * on WebAssembly, where augmentation runs on the trainer thread while the workers wait for their shards), the
 * default augmentation built exactly as the trainer builds it, and the trainer's step. Blocks of steps with
 * augmentation off and on alternate within each round, in one process, so both sides see the same machine.
 */
async function measureAb(rounds: number, perBlock: number): Promise<AbMeasurement> {
  const { initBackend } = await import('../src-main/train/backend.js');
  const { buildModel } = await import('../src-main/train/models/index.js');
  const { makeAugmenter, augmentNormalised } = await import('../src-main/train/trainer.js');
  const { createParallelStepper, parallelTrainStep } = await import('../src-main/train/parallel/index.js');
  const { coordLoss } = await import('../src-main/train/losses.js');
  const config = DEFAULT_CONFIG;
  const info = await initBackend('auto');
  const schema = loadBuiltinSchema('kaggle-15');
  const augment = await makeAugmenter(config, schema, schema.keypoints.map((_, i) => i));
  if (!augment) throw new Error(`the default augmentation is "${config.augment}": there is nothing to compare`);
  const workers = resolveWorkers(config.workers, info.name, os.availableParallelism());
  const modelOpts = { inputSize: S, numKeypoints: K, seed: 1, width: config.width };
  const model = buildModel(config.model, modelOpts);
  const optimizer = tf.train.adam(config.lr);
  const coordLossName = config.loss === 'heatmap' ? null : config.loss;
  if (!coordLossName) throw new Error('the default loss is the heatmap loss, which trains on one thread: not the configuration this bench measures');
  const stepper = workers > 1 ? await createParallelStepper({ workers, modelName: config.model, modelOpts, loss: coordLossName, huberDelta: config.huberDelta }) : null;
  const src = randomBatch(BATCH, 5);
  const images = new Float32Array(src.images.length);
  const coords = new Float32Array(src.coords.length);
  let step = 0;
  const oneStep = async (augmented: boolean) => {
    images.set(src.images);
    // Targets normalised as the trainer keeps them.
    for (let j = 0; j < coords.length; j++) coords[j] = (2 * (src.coords[j] + 0.5)) / S - 1;
    if (augmented) augmentNormalised(augment, images, coords, BATCH, S, (i) => [step, i]);
    const xs = tf.tensor4d(images, [BATCH, S, S, 1]);
    if (stepper) {
      // NaN (a point pushed out of the frame) is a missing value for the workers.
      const ys = tf.tensor2d(coords, [BATCH, 2 * K]);
      await parallelTrainStep(stepper, model, optimizer, xs, ys);
      tf.dispose(ys);
    } else {
      const mask = Float32Array.from(coords, (v) => (Number.isFinite(v) ? 1 : 0));
      const ys = tf.tensor2d(coords.map((v) => (Number.isFinite(v) ? v : 0)), [BATCH, 2 * K]);
      const ms = tf.tensor2d(mask, [BATCH, 2 * K]);
      const loss = optimizer.minimize(() => coordLoss(coordLossName, model.apply(xs, { training: true }) as tf.Tensor, ys, { mask: ms, huberDelta: config.huberDelta }), true);
      loss?.dataSync();
      loss?.dispose();
      tf.dispose([ys, ms]);
    }
    tf.dispose(xs);
    step++;
  };
  const measured: AbRound[] = [];
  let cpuOff = 0;
  let cpuOn = 0;
  try {
    // Warm-up on both sides: compilation, optimizer slots, the workers' first steps.
    for (let i = 0; i < 2; i++) for (const a of [false, true]) await oneStep(a);
    for (let r = 0; r < rounds; r++) {
      const round: AbRound = { off: NaN, on: NaN };
      for (const augmented of roundOrder(r)) {
        const c0 = cpuSeconds();
        const w0 = performance.now();
        for (let i = 0; i < perBlock; i++) await oneStep(augmented);
        const perStep = (performance.now() - w0) / 1000 / perBlock;
        const cpu = (cpuSeconds() - c0) / perBlock;
        if (augmented) {
          round.on = perStep;
          cpuOn += cpu;
        } else {
          round.off = perStep;
          cpuOff += cpu;
        }
      }
      measured.push(round);
    }
  } finally {
    await stepper?.close();
    optimizer.dispose();
    model.dispose();
  }
  return { model: config.model, backend: info.name, workers, rounds: measured, cpuOff: cpuOff / rounds, cpuOn: cpuOn / rounds };
}

const TARGET_SLOWDOWN = 0.15;
const target = `augmentation slows a training step by at most ${TARGET_SLOWDOWN * 100}% (direct A/B, default configuration)`;
for (const preset of [...new Set([DEFAULT_CONFIG.augment, 'default', 'strong'])]) {
  const a = measureAugment(preset);
  report({ bench: 'augment.samples_per_s', preset, training_default: preset === DEFAULT_CONFIG.augment, size: `${S}x${S}x1`, samples_per_s: Math.round(a.samplesPerS), cpu_samples_per_s: Math.round(a.cpuSamplesPerS), us_per_sample: Number(a.usPerSample.toFixed(1)) });
}

const rounds = Number(process.env.KPS_BENCH_AB_ROUNDS ?? 6);
const perBlock = Number(process.env.KPS_BENCH_AB_STEPS ?? 4);
try {
  const m = await measureAb(rounds, perBlock);
  const v = abSlowdown(m.rounds, TARGET_SLOWDOWN);
  const common = { bench: 'augment.training_slowdown', model: m.model, backend: m.backend, workers: m.workers, augment: DEFAULT_CONFIG.augment, batch: BATCH, rounds, steps_per_block: perBlock, target };
  if ('error' in v) report({ ...common, error: v.error });
  else {
    report({
      ...common,
      augmentation_thread: m.workers > 1 ? 'the trainer thread (the workers wait for their shards)' : 'the training thread',
      basis: 'wall time per step; median over interleaved rounds of (on / off - 1)',
      step_ms_off_median: Number((median(m.rounds.map((r) => r.off)) * 1000).toFixed(1)),
      step_ms_on_median: Number((median(m.rounds.map((r) => r.on)) * 1000).toFixed(1)),
      train_samples_per_s_off: Math.round(BATCH / median(m.rounds.map((r) => r.off))),
      slowdown_fraction: Number(v.slowdown.toFixed(4)),
      slowdown_by_round: v.perRound.map((x) => Number(x.toFixed(3))),
      // Informational: extra process CPU (all threads) per step; not the basis, since the workers' CPU is in it.
      cpu_slowdown_fraction: Number((m.cpuOn / m.cpuOff - 1).toFixed(4)),
      load_average_1min: os.loadavg()[0],
      pass: v.pass,
    });
  }
} catch (err) {
  // Without a measured training step there is no slowdown to judge: an error, never an assumed figure.
  report({ bench: 'augment.training_slowdown', target, error: `training steps not measurable: ${(err as Error).message.split('\n')[0]}` });
}
