// Profiles one training step per kernel (run: node --import tsx src-main/train/kernels/profile.ts vgg [batch] [backend]).
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../backend.js';
import { buildModel } from '../models/index.js';

export interface KernelTime {
  name: string;
  ms: number;
  calls: number;
}

/** Milliseconds per kernel name over one forward+backward+Adam step of `model` on random data. */
export async function profileTrainStep(model: tf.LayersModel, batch: number): Promise<{ total: number; kernels: KernelTime[] }> {
  const [h, w, c] = (model.inputs[0].shape as number[]).slice(1);
  const outDim = (model.outputs[0].shape as number[])[1];
  const x = tf.randomUniform([batch, h, w, c]);
  const y = tf.randomUniform([batch, outDim]);
  const opt = tf.train.adam(1e-3);
  const step = (): void => {
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };
  step(); // warm-up: creates optimizer slots and XNNPACK operators
  const t0 = performance.now();
  const info = await tf.profile(step);
  const total = performance.now() - t0;
  const by = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls += 1;
    by.set(k.name, e);
  }
  x.dispose();
  y.dispose();
  opt.dispose();
  return { total, kernels: [...by.values()].sort((a, b) => b.ms - a.ms) };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (isMain) {
  const name = process.argv[2] ?? 'vgg';
  const batch = Number(process.argv[3] ?? 64);
  const be = await initBackend((process.argv[4] ?? 'auto') as BackendPreference);
  const model = buildModel(name, { inputSize: 96, numKeypoints: 15, seed: 1 });
  const r = await profileTrainStep(model, batch);
  console.log(`${name} batch ${batch} on ${be.name}: step ${r.total.toFixed(0)} ms (${((batch * 1000) / r.total).toFixed(1)} samples/s, profiled)`);
  for (const k of r.kernels.slice(0, 25)) console.log(`${k.name.padEnd(24)} ${k.ms.toFixed(1).padStart(9)} ms  x${k.calls}`);
}
