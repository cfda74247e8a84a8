// Our wasm DepthwiseConv2dNativeBackpropFilter/Input against the reference 'cpu' backend, elementwise |a-b| <= atol + rtol*|b| (no NaN/Inf).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initBackend } from '../../../src-main/train/backend.js';

const RTOL = 1e-4;
/** Absolute floor per unit of scale; the scale is that of the sums being compared (see atolFor and docs/kernels.md). */
const ATOL = 1e-5;

/** Deterministic pseudo-random values in [-1, 1) (mulberry32), so failures reproduce. */
function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  }
  return out;
}

interface Input {
  shape: number[];
  values: Float32Array;
}

function input(shape: number[], seed: number): Input {
  return { shape, values: randomValues(shape.reduce((a, b) => a * b, 1), seed) };
}

/**
 * Elementwise closeness: every |got - ref| <= atol + rtol * |ref|, and every value of both finite. Returns null when
 * close, else a one-line description of the worst element (and how many fail), for the assertion message.
 * (Local until the shared test/helpers/allclose.ts lands; same semantics.)
 */
function allclose(got: ArrayLike<number>, ref: ArrayLike<number>, rtol: number, atol: number): string | null {
  if (got.length !== ref.length) return `length ${got.length} != reference length ${ref.length}`;
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    const a = got[i];
    const b = ref[i];
    const bound = atol + rtol * Math.abs(b);
    const d = Math.abs(a - b);
    const ok = Number.isFinite(a) && Number.isFinite(b) && d <= bound;
    if (ok) continue;
    bad++;
    const excess = Number.isFinite(d) ? d - bound : Infinity;
    if (worst < 0 || excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (bad === 0) return null;
  return `${bad} of ${ref.length} values off; worst at ${worst}: got ${got[worst]}, cpu ${ref[worst]}, bound ${atol + rtol * Math.abs(ref[worst])}`;
}

/**
 * The absolute floor for values that are sums of `terms` products of numbers in [-1, 1): such sums have a typical
 * size of about sqrt(terms), and their float32 rounding (and cancellation near zero) scales with it.
 */
function atolFor(terms: number): number {
  return ATOL * Math.sqrt(Math.max(1, terms));
}

/** Runs one kernel on a backend with the given inputs and attributes; returns its output values and shape. */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, 'float32');
  try {
    const out = tf.engine().runKernel(kernel, ts as tf.NamedTensorMap, attrs) as tf.Tensor;
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    return { values, shape };
  } finally {
    tf.dispose(Object.values(ts));
  }
}

async function expectMatchesCpu(kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap, terms: number): Promise<void> {
  const ref = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(ref.shape);
  // A result of all zeros would match a zero reference; the cases are chosen so the reference is not.
  expect(ref.values.some((v) => v !== 0)).toBe(true);
  expect(allclose(got.values, ref.values, RTOL, atolFor(terms))).toBeNull();
}

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'same' | 'valid' | number | Explicit;
interface DwCase {
  /** Input, NHWC. */
  x: [number, number, number, number];
  /** Filter height, width and channel multiplier (the filter is [kh, kw, C, M]). */
  k: [number, number, number];
  s: number | [number, number];
  pad: Pad;
}

function filterShape(c: DwCase): [number, number, number, number] {
  return [c.k[0], c.k[1], c.x[3], c.k[2]];
}

function outShape(c: DwCase): [number, number, number, number] {
  return tf.backend_util.computeConv2DInfo(c.x, filterShape(c), c.s, 1, c.pad, undefined, true).outShape as [number, number, number, number];
}

function label(c: DwCase): string {
  const pad = typeof c.pad === 'object' ? JSON.stringify(c.pad.slice(1, 3)) : String(c.pad);
  return `x${c.x.join('x')} k${c.k[0]}x${c.k[1]} M${c.k[2]} s${JSON.stringify(c.s)} pad ${pad}`;
}

// The grid of the issue: odd and even sizes, strides 1 and 2, same and valid, multiplier 1 and 2, batch 1 and 3,
// channels 1, 3 and 8, with 3x3 filters (the register-accumulator path of the filter gradient).
const grid: DwCase[] = [];
for (const [h, w] of [[7, 9], [8, 10]] as const) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const M of [1, 2]) {
        for (const b of [1, 3]) {
          for (const ch of [1, 3, 8]) grid.push({ x: [b, h, w, ch], k: [3, 3, M], s, pad });
        }
      }
    }
  }
}

const explicitA: Explicit = [[0, 0], [1, 2], [0, 1], [0, 0]];
// A top padding larger than the filter allows: the transposed padding is negative, so dy is cropped.
const explicitB: Explicit = [[0, 0], [3, 0], [2, 2], [0, 0]];
const extra: DwCase[] = [
  // Explicit and numeric paddings, non-square strides.
  { x: [2, 9, 8, 3], k: [3, 3, 1], s: 1, pad: explicitA },
  { x: [2, 9, 8, 3], k: [3, 3, 2], s: 2, pad: explicitA },
  { x: [2, 9, 8, 3], k: [3, 3, 1], s: 1, pad: explicitB },
  { x: [2, 9, 8, 3], k: [3, 3, 2], s: 2, pad: explicitB },
  { x: [2, 9, 8, 3], k: [3, 3, 1], s: [1, 2], pad: explicitB },
  { x: [2, 9, 8, 4], k: [3, 3, 1], s: 1, pad: 1 },
  { x: [2, 10, 9, 4], k: [3, 3, 2], s: [2, 1], pad: 'same' },
  // Other filter sizes (the per-tap path of the filter gradient), stride 3, a filter as large as the input.
  { x: [2, 11, 9, 3], k: [5, 5, 1], s: 1, pad: 'same' },
  { x: [2, 11, 9, 3], k: [5, 5, 2], s: 2, pad: 'valid' },
  { x: [3, 8, 8, 5], k: [2, 2, 1], s: 2, pad: 'same' },
  { x: [3, 8, 7, 5], k: [1, 1, 3], s: 1, pad: 'valid' },
  { x: [3, 8, 7, 5], k: [1, 1, 1], s: 2, pad: 'same' },
  { x: [1, 9, 9, 2], k: [3, 1, 2], s: 1, pad: 'same' },
  { x: [2, 13, 12, 3], k: [3, 3, 1], s: 3, pad: 'same' },
  { x: [2, 5, 5, 3], k: [5, 5, 1], s: 1, pad: 'valid' },
  { x: [4, 1, 1, 3], k: [3, 3, 1], s: 1, pad: 'same' },
  // Layers shaped like face-api's landmark net (smaller batch), and a long reduction for the filter gradient.
  { x: [2, 28, 28, 32], k: [3, 3, 1], s: 2, pad: 'same' },
  { x: [1, 14, 14, 128], k: [3, 3, 1], s: 1, pad: 'same' },
  { x: [32, 16, 16, 8], k: [3, 3, 1], s: 1, pad: 'same' },
];

beforeAll(async () => {
  const info = await initBackend('wasm');
  expect(info.name).toBe('wasm');
});

describe('depthwise gradient kernels are registered on wasm', () => {
  it('registers DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput', () => {
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    expect(names).toContain('DepthwiseConv2dNativeBackpropFilter');
    expect(names).toContain('DepthwiseConv2dNativeBackpropInput');
  });
});

for (const [group, cases] of [['grid', grid], ['paddings, strides and filter sizes', extra]] as const) {
  describe(`DepthwiseConv2dNativeBackpropFilter matches cpu (${group})`, () => {
    for (const [i, c] of cases.entries()) {
      it(label(c), async () => {
        const dy = outShape(c);
        await expectMatchesCpu('DepthwiseConv2dNativeBackpropFilter', { x: input(c.x, 10 + i), dy: input(dy, 500 + i) }, {
          strides: c.s, pad: c.pad, dilations: 1, filterShape: filterShape(c),
        } as tf.NamedAttrMap, dy[0] * dy[1] * dy[2]);
      });
    }
  });

  describe(`DepthwiseConv2dNativeBackpropInput matches cpu (${group})`, () => {
    for (const [i, c] of cases.entries()) {
      it(label(c), async () => {
        await expectMatchesCpu('DepthwiseConv2dNativeBackpropInput', { dy: input(outShape(c), 900 + i), filter: input(filterShape(c), 1300 + i) }, {
          strides: c.s, pad: c.pad, dilations: 1, inputShape: c.x,
        } as tf.NamedAttrMap, c.k[0] * c.k[1] * c.k[2]);
      });
    }
  });
}

describe('depthwise gradient kernels refuse what they do not support', () => {
  const x = input([1, 9, 9, 2], 1);
  const dy = input([1, 9, 9, 2], 2);
  const f = input([3, 3, 2, 1], 3);
  it('dilation 2, with a clear error', async () => {
    await expect(runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 2, 1] }))
      .rejects.toThrow('DepthwiseConv2dNativeBackpropFilter on the wasm backend supports only dilation 1 (got dilations 2)');
    await expect(runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 1, pad: 'same', dilations: [1, 2], inputShape: [1, 9, 9, 2] }))
      .rejects.toThrow('DepthwiseConv2dNativeBackpropInput on the wasm backend supports only dilation 1 (got dilations [1,2])');
  });
  it('NCHW data, with a clear error', async () => {
    await expect(runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 9, 9, 2] }))
      .rejects.toThrow('DepthwiseConv2dNativeBackpropInput on the wasm backend supports only NHWC data (got NCHW)');
  });
});

describe('depthwise gradient kernels free their temporaries', () => {
  it('leaves no wasm data behind (stride 2, multiplier 2, a padding that crops dy)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(input([2, 9, 8, 3], 1).values, [2, 9, 8, 3]);
    const f = tf.tensor4d(input([3, 3, 3, 2], 2).values, [3, 3, 3, 2]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, explicitB).square().sum());
    tf.dispose(g([x, f])); // the first call may allocate what the backend keeps
    const before = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) tf.dispose(g([x, f]));
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([x, f]);
  });
});

describe('tf.grads of a depthwise-separable block matches cpu (the path fine-tuning takes)', () => {
  // Shaped like a face-api dense block: a strided separable conv, then two stride-1 ones fed by the sum of the
  // earlier outputs, each with bias and ReLU; plus a fused depthwise conv (multiplier 2) and a valid padding.
  const shapes = {
    x: [3, 12, 11, 4], dw0: [3, 3, 4, 1], pw0: [1, 1, 4, 8], b0: [8], dw1: [3, 3, 8, 1], pw1: [1, 1, 8, 8], b1: [8],
    dw2: [3, 3, 8, 2], bf: [16], dw3: [3, 3, 16, 1], pw3: [1, 1, 16, 5],
  } as const;
  const names = Object.keys(shapes) as Array<keyof typeof shapes>;
  const block = (v: Record<keyof typeof shapes, tf.Tensor>): tf.Scalar => {
    const t4 = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D;
    const o0 = tf.relu<tf.Tensor4D>(tf.add(tf.separableConv2d(t4(v.x), t4(v.dw0), t4(v.pw0), 2, 'same'), v.b0));
    const o1 = tf.relu<tf.Tensor4D>(tf.add(tf.separableConv2d(o0, t4(v.dw1), t4(v.pw1), 1, 'same'), v.b1));
    const o2 = tf.fused.depthwiseConv2d({ x: tf.add<tf.Tensor4D>(o0, o1), filter: t4(v.dw2), strides: 1, pad: 'same', bias: v.bf, activation: 'relu' });
    const o3 = tf.separableConv2d(o2, t4(v.dw3), t4(v.pw3), 1, 'valid');
    return tf.mul(tf.sum(tf.square(o3)), 0.5) as tf.Scalar;
  };
  it('gradients w.r.t. the input and every filter and bias', async () => {
    const inputs = Object.fromEntries(names.map((n, i) => [n, input([...shapes[n]], 4000 + i)])) as Record<keyof typeof shapes, Input>;
    const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const ts = names.map((n) => tf.tensor(inputs[n].values, inputs[n].shape));
      const g = tf.grads((...args: tf.Tensor[]) => block(Object.fromEntries(names.map((n, i) => [n, args[i]])) as Record<keyof typeof shapes, tf.Tensor>));
      const out = g(ts);
      const vals = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([...ts, ...out]);
      return vals;
    };
    const ref = await grads('cpu');
    const got = await grads('wasm');
    for (const [i, n] of names.entries()) {
      // Gradients here are sums over the whole chain; the floor scales with the largest reference value.
      const scale = ref[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale, n).toBeGreaterThan(0);
      expect(allclose(got[i], ref[i], RTOL, ATOL * Math.max(1, scale)), n).toBeNull();
    }
  });
});

describe("tf.grads through face-api's pretrained 68-point landmark net matches cpu", () => {
  // The net as face-api builds it (FaceFeatureExtractor: four dense blocks of 3x3 separable convolutions, then a
  // dense layer), with its shipped weights. Input 48x48 instead of 112x112 and a global mean instead of the 7x7
  // average pool, so the cpu reference takes seconds, not a minute; every layer and weight is the real one.
  const nodeRequire = createRequire(import.meta.url);
  const dir = join(dirname(nodeRequire.resolve('@vladmandic/face-api/package.json')), 'model');
  type W = Record<string, tf.Tensor>;
  const sep = (x: tf.Tensor4D, w: W, p: string, s: 1 | 2): tf.Tensor4D =>
    tf.add(tf.separableConv2d(x, w[`${p}/depthwise_filter`] as tf.Tensor4D, w[`${p}/pointwise_filter`] as tf.Tensor4D, s, 'same'), w[`${p}/bias`]);
  const dense = (x: tf.Tensor4D, w: W, p: string, first: boolean): tf.Tensor4D => {
    const a = tf.relu<tf.Tensor4D>(first ? tf.add(tf.conv2d(x, w[`${p}/conv0/filters`] as tf.Tensor4D, 2, 'same'), w[`${p}/conv0/bias`]) : sep(x, w, `${p}/conv0`, 2));
    const b = sep(a, w, `${p}/conv1`, 1);
    const c = sep(tf.relu<tf.Tensor4D>(tf.add(a, b)), w, `${p}/conv2`, 1);
    const d = sep(tf.relu<tf.Tensor4D>(tf.add(a, tf.add(b, c))), w, `${p}/conv3`, 1);
    return tf.relu<tf.Tensor4D>(tf.add(a, tf.add(b, tf.add(c, d))));
  };
  const net = (x: tf.Tensor4D, w: W): tf.Tensor => {
    let h = dense(x, w, 'dense0', true);
    for (const p of ['dense1', 'dense2', 'dense3']) h = dense(h, w, p, false);
    return tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, w['fc/weights'] as tf.Tensor2D), w['fc/bias']);
  };

  it('gradients of every weight, batch 2', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'face_landmark_68_model-weights_manifest.json'), 'utf8')) as tf.io.WeightsManifestConfig;
    const bin = readFileSync(join(dir, manifest[0].paths[0]));
    await tf.setBackend('cpu');
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights);
    const names = Object.keys(decoded);
    expect(names.filter((n) => n.endsWith('depthwise_filter'))).toHaveLength(15);
    const weights = names.map((n) => ({ shape: decoded[n].shape, values: decoded[n].dataSync().slice() as Float32Array }));
    tf.dispose(Object.values(decoded));
    const x = input([2, 48, 48, 3], 7000);
    const target = input([2, 136], 7001);
    const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const ws = weights.map((w) => tf.tensor(w.values, w.shape));
      const xt = tf.tensor4d(x.values, [2, 48, 48, 3]);
      const tt = tf.tensor2d(target.values, [2, 136]);
      const g = tf.grads((...a: tf.Tensor[]) => {
        const w = Object.fromEntries(names.map((n, i) => [n, a[i]]));
        return tf.mul(tf.sum(tf.square(tf.sub(net(xt, w), tt))), 0.5) as tf.Scalar;
      });
      const out = g(ws);
      const vals = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([...ws, xt, tt, ...out]);
      return vals;
    };
    const ref = await grads('cpu');
    const got = await grads('wasm');
    for (const [i, n] of names.entries()) {
      const scale = ref[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale, n).toBeGreaterThan(0);
      expect(allclose(got[i], ref[i], RTOL, ATOL * Math.max(1, scale)), n).toBeNull();
    }
  });
});
