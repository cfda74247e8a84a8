// Our WebAssembly kernels against the reference 'cpu' backend: every element within a float32 bound (F32, or f32Sum for large reductions), none NaN or infinite.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src-main/train/backend.js';
import { WASM_KERNELS } from '../../../src-main/train/kernels/index.js';
import { allclose, type CloseResult, type Tolerance } from '../../helpers/allclose.js';
import { F32, f32Sum } from '../../helpers/tolerance.js';

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

/** Runs one kernel on a backend with the given inputs and attributes; returns its output values and shape. */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const ts: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, 'float32');
  const out = tf.engine().runKernel(kernel, ts as tf.NamedTensorMap, attrs) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  tf.dispose(Object.values(ts));
  return { values, shape };
}

/** Compares our kernel with cpu's; `tol` is f32Sum (large float32 reductions) unless the kernel meets plain F32. */
async function compare(kernel: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap, tol: (ref: Float32Array) => Tolerance = f32Sum): Promise<CloseResult> {
  const ref = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(ref.shape);
  return allclose(got.values, ref.values, tol(ref.values));
}

function expectClose(r: CloseResult): void {
  expect(r.ok, r.message).toBe(true);
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
}

const explicitA: Pad = [[0, 0], [1, 2], [0, 1], [0, 0]];
const explicitB: Pad = [[0, 0], [3, 0], [2, 2], [0, 0]];
const convCases: ConvCase[] = [];
// Conv2DBackpropFilter has two paths: one matrix product for filters of at most 72 taps x input channels (and 1x1
// filters), the XNNPACK convolution in row blocks above that. Each family below runs through both.
for (const s of [1, 2, 3] as const) {
  for (const pad of ['same', 'valid', explicitA, explicitB] as Pad[]) {
    convCases.push({ x: [2, 9, 11, 3], f: [3, 3, 3, 5], s, pad });
    convCases.push({ x: [2, 9, 11, 9], f: [3, 3, 9, 5], s, pad });
    convCases.push({ x: [1, 13, 7, 2], f: [5, 2, 2, 4], s, pad });
    convCases.push({ x: [1, 13, 7, 8], f: [5, 2, 8, 4], s, pad });
  }
}
convCases.push(
  { x: [64, 12, 12, 4], f: [3, 3, 4, 8], s: 1, pad: 'same' },
  { x: [64, 11, 11, 3], f: [3, 3, 3, 6], s: 2, pad: 'same' },
  { x: [64, 16, 16, 1], f: [7, 7, 1, 4], s: 2, pad: 'same' },
  { x: [1, 24, 24, 8], f: [1, 1, 8, 16], s: 2, pad: 'valid' },
  { x: [3, 10, 9, 6], f: [1, 1, 6, 7], s: 1, pad: 'same' },
  { x: [2, 8, 12, 2], f: [3, 3, 2, 3], s: [1, 2], pad: 'same' },
  { x: [2, 12, 8, 2], f: [2, 4, 2, 3], s: [3, 1], pad: 'valid' },
  // Large enough that Conv2DBackpropFilter splits dy into several row blocks (one row each in the 300-wide case).
  { x: [8, 64, 40, 2], f: [3, 3, 2, 3], s: 1, pad: 'same' },
  { x: [32, 70, 33, 2], f: [3, 3, 2, 3], s: 2, pad: 'same' },
  { x: [64, 30, 300, 1], f: [5, 5, 1, 2], s: 1, pad: explicitB },
  { x: [64, 31, 301, 1], f: [3, 3, 1, 2], s: 3, pad: 'valid' },
  { x: [8, 64, 40, 9], f: [3, 3, 9, 3], s: 1, pad: 'same' },
  { x: [32, 70, 33, 9], f: [3, 3, 9, 3], s: 2, pad: 'same' },
  { x: [16, 30, 300, 3], f: [5, 5, 3, 2], s: 1, pad: explicitB },
  { x: [16, 31, 301, 9], f: [3, 3, 9, 2], s: 3, pad: 'valid' },
  { x: [64, 12, 12, 16], f: [3, 3, 16, 8], s: 1, pad: 'same' },
  { x: [2, 6, 6, 100], f: [1, 1, 100, 3], s: 2, pad: 'same' },
  // A filter as large as the input, and an input of one pixel.
  { x: [2, 5, 5, 3], f: [5, 5, 3, 2], s: 1, pad: 'valid' },
  { x: [4, 1, 1, 3], f: [3, 3, 3, 2], s: 1, pad: 'same' },
);

function label(c: ConvCase): string {
  return `x${c.x.join('x')} f${c.f.join('x')} s${JSON.stringify(c.s)} pad ${typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad.slice(1, 3))}`;
}

function dyShape(c: ConvCase): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad);
  return info.outShape as [number, number, number, number];
}

beforeAll(async () => {
  const info = await initBackend('wasm');
  expect(info.name).toBe('wasm');
});

describe('wasm kernel registration', () => {
  it('registers every kernel of ours on the wasm backend, Conv2DBackpropFilter included', () => {
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    for (const k of WASM_KERNELS) expect(names).toContain(k.name);
    expect(names).toContain('Conv2DBackpropFilter');
  });
});

describe('the comparison these tests use', () => {
  it('fails a NaN or infinity planted in the middle of a real kernel output, the rest unchanged', async () => {
    const c = convCases[0];
    const inputs = { x: input(c.x, 10), dy: input(dyShape(c), 500) };
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, filterShape: c.f } as tf.NamedAttrMap;
    const ref = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    expectClose(allclose(got.values, ref.values, f32Sum(ref.values)));
    const mid = got.values.length >> 1;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const planted = Float32Array.from(got.values);
      planted[mid] = bad;
      const r = allclose(planted, ref.values, f32Sum(ref.values));
      expect(r.ok).toBe(false);
      expect(r.first?.i).toBe(mid);
    }
  });
});

describe('Conv2DBackpropFilter matches cpu', () => {
  for (const [i, c] of convCases.entries()) {
    it(label(c), async () => {
      const r = await compare('Conv2DBackpropFilter', { x: input(c.x, 10 + i), dy: input(dyShape(c), 500 + i) }, {
        strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, filterShape: c.f,
      } as tf.NamedAttrMap);
      expectClose(r);
    });
  }
});

describe('Conv2DBackpropInput matches cpu', () => {
  for (const [i, c] of convCases.entries()) {
    it(label(c), async () => {
      const r = await compare('Conv2DBackpropInput', { dy: input(dyShape(c), 900 + i), filter: input(c.f, 1300 + i) }, {
        strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string, inputShape: c.x,
      } as tf.NamedAttrMap);
      expectClose(r);
    });
  }
});

describe('conv2d gradients through tf.grads match cpu (the path training takes)', () => {
  for (const c of [convCases[0], convCases[1], convCases[9], convCases[convCases.length - 8]]) {
    it(label(c), async () => {
      const xs = input(c.x, 77);
      const fs = input(c.f, 78);
      const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
        await tf.setBackend(backend);
        const x = tf.tensor4d(xs.values, c.x);
        const f = tf.tensor4d(fs.values, c.f);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad).square().mean());
        const out = g([x, f]);
        const vals = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
        tf.dispose([x, f, ...out]);
        return vals;
      };
      const ref = await grads('cpu');
      const got = await grads('wasm');
      expectClose(allclose(got[0], ref[0], f32Sum(ref[0])));
      expectClose(allclose(got[1], ref[1], f32Sum(ref[1])));
    });
  }
});

describe('BatchMatMul with transposes matches cpu', () => {
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      cases.push({ a: ta ? [1, 37, 5] : [1, 5, 37], b: tb ? [1, 9, 37] : [1, 37, 9], ta, tb });
      cases.push({ a: ta ? [3, 64, 17] : [3, 17, 64], b: tb ? [3, 33, 64] : [3, 64, 33], ta, tb });
      cases.push({ a: ta ? [1, 300, 64] : [1, 64, 300], b: tb ? [1, 30, 300] : [1, 300, 30], ta, tb });
    }
  }
  for (const [i, c] of cases.entries()) {
    it(`a${c.a.join('x')} b${c.b.join('x')} transposeA=${c.ta} transposeB=${c.tb}`, async () => {
      const r = await compare('BatchMatMul', { a: input(c.a, 40 + i), b: input(c.b, 80 + i) }, { transposeA: c.ta, transposeB: c.tb });
      expectClose(r);
    });
  }
});

describe('MaxPoolGrad matches cpu', () => {
  const cases: Array<{ x: [number, number, number, number]; k: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'same' },
    { x: [2, 9, 7, 3], k: 2, s: 2, pad: 'same' },
    { x: [2, 9, 7, 3], k: 2, s: 2, pad: 'valid' },
    { x: [1, 11, 10, 4], k: 3, s: 2, pad: 'same' },
    { x: [1, 11, 10, 4], k: 3, s: 1, pad: 'valid' },
    { x: [3, 13, 13, 2], k: 3, s: 3, pad: 'same' },
    { x: [2, 10, 12, 5], k: [2, 3], s: [1, 2], pad: 'same' },
    { x: [64, 12, 12, 8], k: 2, s: 2, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`x${c.x.join('x')} k${JSON.stringify(c.k)} s${JSON.stringify(c.s)} ${c.pad}`, async () => {
      // The cpu kernel needs the forward output; compute it on cpu from the same input.
      const xin = input(c.x, 200 + i);
      await tf.setBackend('cpu');
      const xt = tf.tensor4d(xin.values, c.x);
      const y = tf.maxPool(xt, c.k, c.s, c.pad);
      const output: Input = { shape: y.shape, values: (await y.data()) as Float32Array };
      tf.dispose([xt, y]);
      const dy = input(output.shape, 300 + i);
      const r = await compare('MaxPoolGrad', { dy, input: xin, output }, { filterSize: c.k, strides: c.s, pad: c.pad, dimRoundingMode: undefined as unknown as string }, () => F32);
      expectClose(r);
    });
  }
  it('sends the gradient of a tied window to one position only', async () => {
    const x: Input = { shape: [1, 2, 2, 1], values: new Float32Array([1, 1, 1, 1]) };
    const output: Input = { shape: [1, 1, 1, 1], values: new Float32Array([1]) };
    const dy: Input = { shape: [1, 1, 1, 1], values: new Float32Array([5]) };
    const got = await runOn('wasm', 'MaxPoolGrad', { dy, input: x, output }, { filterSize: 2, strides: 2, pad: 'valid' });
    const ref = await runOn('cpu', 'MaxPoolGrad', { dy, input: x, output }, { filterSize: 2, strides: 2, pad: 'valid' });
    expect(Array.from(got.values)).toEqual(Array.from(ref.values));
    expect(got.values.reduce((a, b) => a + b, 0)).toBe(5);
  });
});

describe('Sum matches cpu', () => {
  const cases: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
    { shape: [64, 12, 12, 8], axis: [0, 1, 2], keepDims: false },
    { shape: [64, 12, 12, 8], axis: [0, 1, 2], keepDims: true },
    { shape: [7, 33], axis: [0], keepDims: false },
    { shape: [5, 6, 7], axis: [1], keepDims: false },
    { shape: [5, 6, 7], axis: [2], keepDims: true },
    { shape: [5, 6, 7], axis: [0, 1, 2], keepDims: false },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.shape.join('x')} over ${c.axis.join(',')} keepDims=${c.keepDims}`, async () => {
      const r = await compare('Sum', { x: input(c.shape, 600 + i) }, { axis: c.axis, keepDims: c.keepDims }, () => F32);
      expectClose(r);
    });
  }
});

describe('Mean matches cpu', () => {
  const cases: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
    { shape: [64, 12, 12, 8], axis: [0, 1, 2], keepDims: false },
    { shape: [64, 12, 12, 8], axis: [0, 1, 2], keepDims: true },
    { shape: [5, 6, 7], axis: [0], keepDims: true },
    { shape: [5, 6, 7], axis: [1, 2], keepDims: false },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.shape.join('x')} over ${c.axis.join(',')} keepDims=${c.keepDims}`, async () => {
      const r = await compare('Mean', { x: input(c.shape, 700 + i) }, { axis: c.axis, keepDims: c.keepDims }, () => F32);
      expectClose(r);
    });
  }
});

describe('Tile matches cpu', () => {
  const cases: Array<{ shape: number[]; reps: number[] }> = [
    { shape: [1, 1, 1, 8], reps: [64, 12, 12, 1] },
    { shape: [1, 1, 1, 3], reps: [5, 7, 1, 1] },
    { shape: [1, 5, 3], reps: [3, 1, 1] },
    { shape: [2, 3], reps: [3, 2] },
    { shape: [1, 4], reps: [1, 3] },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.shape.join('x')} by ${c.reps.join('x')}`, async () => {
      const r = await compare('Tile', { x: input(c.shape, 800 + i) }, { reps: c.reps }, () => F32);
      expectClose(r);
    });
  }
});

describe('batch-norm gradients through tf.grads match cpu', () => {
  it('x 16x6x6x5', async () => {
    const xs = input([16, 6, 6, 5], 91);
    const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xs.values, [16, 6, 6, 5]);
      const scale = tf.tensor1d([1, 2, 0.5, -1, 3]);
      const offset = tf.tensor1d([0, 0.1, 0.2, 0.3, 0.4]);
      const g = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a, mean, variance, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3).square().mean();
      });
      const out = g([x, scale, offset]);
      const vals = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([x, scale, offset, ...out]);
      return vals;
    };
    const ref = await grads('cpu');
    const got = await grads('wasm');
    for (let i = 0; i < 3; i++) expectClose(allclose(got[i], ref[i], f32Sum(ref[i])));
  });
});

describe('Identity shares data safely', () => {
  it('a clone survives disposing the original and keeps its values', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    b.dispose();
  });
});
