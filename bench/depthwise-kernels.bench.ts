// Depthwise convolution gradients on WebAssembly (our kernels) vs the cpu backend, per call, for face-api-like layers; the wasm forward depthwise convolution as yardstick.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { initBackend } from '../src-main/train/backend.js';
import { median, report } from './util.js';

/** One worker's share of a fine-tuning batch of 32 on two workers. Times of both backends scale about linearly. */
const BATCH = 16;
const REPS = 5;
const CPU_REPS = 2;

interface Layer {
  label: string;
  /** Input height = width, channels, stride; 3x3 filter, multiplier 1, same padding (as in face-api). */
  size: number;
  channels: number;
  stride: number;
}

const layers: Layer[] = [
  // The shapes named in the issue (wider than face-api's own layers at those sizes).
  { label: 'issue 56x56x128 s1', size: 56, channels: 128, stride: 1 },
  { label: 'issue 28x28x256 s2', size: 28, channels: 256, stride: 2 },
  // face_landmark_68_model at its 112x112 input: dense0 at 56x56x32, then dense1..3 each open with a stride-2 layer.
  { label: 'face-api dense0 56x56x32 s1', size: 56, channels: 32, stride: 1 },
  { label: 'face-api dense1 56x56x32 s2', size: 56, channels: 32, stride: 2 },
  { label: 'face-api dense1 28x28x64 s1', size: 28, channels: 64, stride: 1 },
  { label: 'face-api dense2 28x28x64 s2', size: 28, channels: 64, stride: 2 },
  { label: 'face-api dense2 14x14x128 s1', size: 14, channels: 128, stride: 1 },
  { label: 'face-api dense3 14x14x128 s2', size: 14, channels: 128, stride: 2 },
  { label: 'face-api dense3 7x7x256 s1', size: 7, channels: 256, stride: 1 },
];

function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Wall and process-CPU milliseconds of one kernel call (the output disposed, outside the timing). */
function timeCall(run: () => tf.Tensor): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = run();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  out.dispose();
  return { wall, cpu: (c.user + c.system) / 1000 };
}

await initBackend('wasm');
for (const l of layers) {
  const xShape: [number, number, number, number] = [BATCH, l.size, l.size, l.channels];
  const fShape: [number, number, number, number] = [3, 3, l.channels, 1];
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, l.stride, 1, 'same', undefined, true);
  const dyShape = info.outShape;
  const xv = randomValues(xShape.reduce((a, b) => a * b), 1);
  const dyv = randomValues(dyShape.reduce((a, b) => a * b), 2);
  const fv = randomValues(9 * l.channels, 3);
  const attrs = { strides: l.stride, pad: 'same', dilations: 1 };
  const kernels = {
    DepthwiseConv2dNativeBackpropFilter: (t: Record<string, tf.Tensor>) =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: t.x, dy: t.dy }, { ...attrs, filterShape: fShape }) as tf.Tensor,
    DepthwiseConv2dNativeBackpropInput: (t: Record<string, tf.Tensor>) =>
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: t.dy, filter: t.filter }, { ...attrs, inputShape: xShape }) as tf.Tensor,
  };
  const forward = (t: Record<string, tf.Tensor>) => tf.depthwiseConv2d(t.x as tf.Tensor4D, t.filter as tf.Tensor4D, l.stride as 1 | 2, 'same');
  const make = () => ({ x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, dyShape), filter: tf.tensor(fv, fShape) });

  await tf.setBackend('wasm');
  const w = make();
  await tf.setBackend('cpu');
  const c = make();
  const times: Record<string, { wall: number[]; cpu: number[] }> = {};
  const push = (key: string, t: { wall: number; cpu: number }) => {
    const e = (times[key] ??= { wall: [], cpu: [] });
    e.wall.push(t.wall);
    e.cpu.push(t.cpu);
  };
  // One warm-up call of each wasm kernel, then alternate, so a change of machine load hits all of them alike.
  for (let r = -1; r < REPS; r++) {
    await tf.setBackend('wasm');
    for (const [name, k] of Object.entries(kernels)) {
      const t = timeCall(() => k(w));
      if (r >= 0) push(`wasm ${name}`, t);
    }
    const tf0 = timeCall(() => forward(w));
    if (r >= 0) push('wasm forward', tf0);
    // The cpu backend's kernels are plain loops (up to ~20 s a call here): no warm-up, fewer calls.
    if (r < 0 || r >= CPU_REPS) continue;
    await tf.setBackend('cpu');
    for (const [name, k] of Object.entries(kernels)) push(`cpu ${name}`, timeCall(() => k(c)));
  }
  tf.dispose([...Object.values(w), ...Object.values(c)]);
  const fwd = median(times['wasm forward'].cpu);
  for (const name of Object.keys(kernels)) {
    const ours = times[`wasm ${name}`];
    const ref = times[`cpu ${name}`];
    const oursCpu = median(ours.cpu);
    const refCpu = median(ref.cpu);
    report({
      bench: `depthwise-kernels/${name}/${l.label}`,
      batch: BATCH,
      input: xShape,
      stride: l.stride,
      wasm_ms: median(ours.wall),
      wasm_cpu_ms: oursCpu,
      cpu_backend_ms: median(ref.wall),
      cpu_backend_cpu_ms: refCpu,
      wasm_forward_cpu_ms: fwd,
      speedup_vs_cpu_backend: refCpu / oursCpu,
      forward_convolutions: oursCpu / fwd,
      load_average_1min: os.loadavg()[0],
      target: 'faster than the cpu backend (process CPU time per call)',
      pass: oursCpu < refCpu,
    });
  }
}
