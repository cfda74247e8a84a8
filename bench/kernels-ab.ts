// Times each of our wasm kernels against the stock one on training-sized inputs, alternating runs (run: node --import tsx bench/kernels-ab.ts).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src-main/train/backend.js';
import { WASM_KERNELS } from '../src-main/train/kernels/index.js';
import { runWasmKernel } from '../src-main/train/kernels/wasm-util.js';

interface AbCase {
  kernel: string;
  label: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: tf.NamedAttrMap;
  /** Compare with this stock kernel instead of the same name (for kernels the stock backend lacks). */
  yardstick?: { kernel: string; inputs: () => Record<string, tf.Tensor>; attrs: tf.NamedAttrMap; label: string };
}

const r = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', 3);

export const AB_CASES: AbCase[] = [
  {
    kernel: 'Conv2DBackpropInput', label: 'vgg conv 48x48 64->64, 3x3 s1 same',
    inputs: () => ({ dy: r([64, 48, 48, 64]), filter: r([3, 3, 64, 64]) }), attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 48, 48, 64] },
  },
  {
    kernel: 'Conv2DBackpropInput', label: 'resnet conv 24->12 32->64, 3x3 s2 same',
    inputs: () => ({ dy: r([64, 12, 12, 64]), filter: r([3, 3, 32, 64]) }), attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 24, 24, 32] },
  },
  {
    kernel: 'Conv2DBackpropFilter', label: 'vgg conv 48x48 64->64, 3x3 s1 same',
    inputs: () => ({ x: r([64, 48, 48, 64]), dy: r([64, 48, 48, 64]) }), attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 64] },
    yardstick: { kernel: 'Conv2D', label: 'forward Conv2D of the same layer', inputs: () => ({ x: r([64, 48, 48, 64]), filter: r([3, 3, 64, 64]) }), attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } },
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropFilter', label: 'face-api dense0 56x56x32, 3x3 s1 same',
    inputs: () => ({ x: r([32, 56, 56, 32]), dy: r([32, 56, 56, 32]) }), attrs: { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 32, 1] },
    yardstick: { kernel: 'DepthwiseConv2dNative', label: 'forward DepthwiseConv2dNative of the same layer', inputs: () => ({ x: r([32, 56, 56, 32]), filter: r([3, 3, 32, 1]) }), attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } },
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropInput', label: 'face-api dense1 56->28 x32, 3x3 s2 same',
    inputs: () => ({ dy: r([32, 28, 28, 32]), filter: r([3, 3, 32, 1]) }), attrs: { strides: 2, pad: 'same', dilations: 1, inputShape: [32, 56, 56, 32] },
    yardstick: { kernel: 'DepthwiseConv2dNative', label: 'forward DepthwiseConv2dNative of the same layer', inputs: () => ({ x: r([32, 56, 56, 32]), filter: r([3, 3, 32, 1]) }), attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 } },
  },
  {
    kernel: 'BatchMatMul', label: 'dense 18432->256 weight gradient (x^T dy)',
    inputs: () => ({ a: r([1, 64, 18432]), b: r([1, 64, 256]) }), attrs: { transposeA: true, transposeB: false },
  },
  {
    kernel: 'BatchMatMul', label: 'dense 18432->256 input gradient (dy W^T)',
    inputs: () => ({ a: r([1, 64, 256]), b: r([1, 18432, 256]) }), attrs: { transposeA: false, transposeB: true },
  },
  {
    kernel: 'MaxPoolGrad', label: '2x2 pool of 64x96x96x32',
    inputs: () => {
      const x = r([64, 96, 96, 32]);
      return { dy: r([64, 48, 48, 32]), input: x, output: tf.maxPool(x as tf.Tensor4D, 2, 2, 'same') };
    },
    attrs: { filterSize: 2, strides: 2, pad: 'same' },
  },
  { kernel: 'Sum', label: 'bias gradient: 64x96x96x32 over 0,1,2', inputs: () => ({ x: r([64, 96, 96, 32]) }), attrs: { axis: [0, 1, 2], keepDims: false } },
  { kernel: 'Mean', label: 'batch-norm moments: 64x24x24x32 over 0,1,2', inputs: () => ({ x: r([64, 24, 24, 32]) }), attrs: { axis: [0, 1, 2], keepDims: true } },
  { kernel: 'Tile', label: 'batch-norm gradient: 1x1x1x32 to 64x24x24x32', inputs: () => ({ x: r([1, 1, 1, 32]) }), attrs: { reps: [64, 24, 24, 1] } },
  { kernel: 'Identity', label: '64x96x96x32', inputs: () => ({ x: r([64, 96, 96, 32]) }), attrs: {} },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface AbResult {
  kernel: string;
  label: string;
  ours_ms: number;
  stock_ms: number;
  stock: string;
  speedup: number;
}

export async function runAb(reps = 5): Promise<AbResult[]> {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as BackendWasm;
  const results: AbResult[] = [];
  for (const c of AB_CASES) {
    const ours = WASM_KERNELS.find((k) => k.name === c.kernel);
    if (!ours) throw new Error(`no kernel of ours named ${c.kernel}`);
    const ins = c.inputs();
    const stockIns = c.yardstick ? c.yardstick.inputs() : ins;
    const info = (m: Record<string, tf.Tensor>): Record<string, tf.TensorInfo> =>
      Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { dataId: t.dataId, shape: t.shape, dtype: t.dtype }]));
    const once = (f: () => tf.TensorInfo): number => {
      const t0 = performance.now();
      const out = f();
      const ms = performance.now() - t0;
      backend.disposeData(out.dataId);
      return ms;
    };
    const runOurs = (): number => once(() => ours.func({ inputs: info(ins), backend, attrs: c.attrs }) as tf.TensorInfo);
    const runStock = (): number =>
      once(() => runWasmKernel(c.yardstick?.kernel ?? c.kernel, backend, info(stockIns), c.yardstick?.attrs ?? c.attrs));
    runOurs();
    runStock();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < reps; i++) {
      a.push(runOurs());
      b.push(runStock());
    }
    const oursMs = median(a);
    const stockMs = median(b);
    results.push({ kernel: c.kernel, label: c.label, ours_ms: oursMs, stock_ms: stockMs, stock: c.yardstick ? c.yardstick.label : 'stock wasm kernel', speedup: stockMs / oursMs });
    tf.dispose(Object.values(ins));
    if (c.yardstick) tf.dispose(Object.values(stockIns));
  }
  return results;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '');
if (isMain) {
  for (const r of await runAb(Number(process.argv[2] ?? 5))) {
    console.log(`${r.kernel.padEnd(22)} ${r.label.padEnd(46)} ours ${r.ours_ms.toFixed(1).padStart(8)} ms  ${r.stock}: ${r.stock_ms.toFixed(1).padStart(8)} ms  x${r.speedup.toFixed(1)}`);
  }
}
