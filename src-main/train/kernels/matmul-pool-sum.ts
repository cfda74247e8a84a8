// BatchMatMul with transposes, MaxPoolGrad and leading-axis Sum for wasm: the stock kernels fall back to slow loops for these cases.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { alloc, free, runWasmKernel, view, type TensorInfo, type WasmKernelArgs } from './wasm-util.js';

/** Swaps the last two axes of a float32 tensor in plain JS (the stock Transpose is several times slower). */
function swapLastTwo(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const R = t.shape[r - 2];
  const C = t.shape[r - 1];
  const batches = t.shape.slice(0, r - 2).reduce((a, b) => a * b, 1);
  const outShape = [...t.shape.slice(0, r - 2), C, R];
  const out = alloc(backend, outShape);
  const src = view(backend, t);
  const dst = view(backend, out);
  const T = 32; // 32x32 tiles keep both the reads and the writes within a few cache lines
  for (let b = 0; b < batches; b++) {
    const base = b * R * C;
    for (let i0 = 0; i0 < R; i0 += T) {
      const i1 = Math.min(R, i0 + T);
      for (let j0 = 0; j0 < C; j0 += T) {
        const j1 = Math.min(C, j0 + T);
        for (let i = i0; i < i1; i++) {
          const s = base + i * C;
          for (let j = j0; j < j1; j++) dst[base + j * R + i] = src[s + j];
        }
      }
    }
  }
  return out;
}

const sizeOf = (t: TensorInfo): number => t.shape.reduce((a, b) => a * b, 1);

/**
 * The stock kernel uses XNNPACK only without transposes and otherwise a scalar loop (about 30x slower for a dense
 * layer's weight gradient). We transpose explicitly, choosing between op(A)·op(B) and (op(B)^T·op(A)^T)^T by the
 * number of values to move (dy·W^T of a wide dense layer becomes (W·dy^T)^T: only the small operands move).
 */
export function batchMatMulWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a;
  const b = inputs.b;
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  if (!ta && !tb) return runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  const rank = Math.max(a.shape.length, b.shape.length);
  const m = ta ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = tb ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const batch = Math.max(sizeOf(a) / (a.shape[a.shape.length - 1] * a.shape[a.shape.length - 2]), sizeOf(b) / (b.shape[b.shape.length - 1] * b.shape[b.shape.length - 2]));
  const outSize = batch * m * n;
  // Values moved: direct = transposed operands; swapped = the other operands plus the output.
  const direct = (ta ? sizeOf(a) : 0) + (tb ? sizeOf(b) : 0);
  const swapped = (ta ? 0 : sizeOf(a)) + (tb ? 0 : sizeOf(b)) + outSize;
  const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  const temps: TensorInfo[] = [];
  let out: TensorInfo;
  if (swapped < direct && sameBatch && rank >= 2) {
    // C = op(A)·op(B) = (op(B)^T · op(A)^T)^T, and op(B)^T is B itself when tb (likewise A).
    const left = tb ? b : swapLastTwo(backend, b);
    const right = ta ? a : swapLastTwo(backend, a);
    if (left !== b) temps.push(left);
    if (right !== a) temps.push(right);
    const ct = runWasmKernel('BatchMatMul', backend, { a: left, b: right }, { transposeA: false, transposeB: false });
    temps.push(ct);
    out = swapLastTwo(backend, ct);
  } else {
    const left = ta ? swapLastTwo(backend, a) : a;
    const right = tb ? swapLastTwo(backend, b) : b;
    if (left !== a) temps.push(left);
    if (right !== b) temps.push(right);
    out = runWasmKernel('BatchMatMul', backend, { a: left, b: right }, { transposeA: false, transposeB: false });
  }
  free(backend, ...temps);
  return out;
}

/**
 * Max-pool gradient: dy goes to the first maximum of each window (row-major order, as the cpu backend does).
 * One pass over the input with per-channel running maxima.
 */
export function maxPoolGradWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const input = inputs.input;
  const dyInfo = inputs.dy;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number, 1, attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw,
    filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dxInfo = alloc(backend, input.shape);
  const x = view(backend, input);
  const dy = view(backend, dyInfo);
  const dx = view(backend, dxInfo);
  dx.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let yR = 0; yR < oh; yR++) {
      const r0 = yR * sh - pt;
      const rStart = Math.max(0, r0);
      const rEnd = Math.min(H, r0 + fh);
      for (let yC = 0; yC < ow; yC++) {
        const c0 = yC * sw - pl;
        const cStart = Math.max(0, c0);
        const cEnd = Math.min(W, c0 + fw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = rStart; r < rEnd; r++) {
          for (let q = cStart; q < cEnd; q++) {
            const base = ((b * H + r) * W + q) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const o = ((b * oh + yR) * ow + yC) * C;
        for (let c = 0; c < C; c++) {
          const i = where[c];
          if (i >= 0) dx[i] += dy[o + c];
        }
      }
    }
  }
  return dxInfo;
}

/**
 * Sum over leading axes (bias gradients: dy summed over batch, rows and columns) as one streaming pass; the stock
 * kernel transposes the whole tensor first. Other reductions go to the stock kernel.
 */
export function sumWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return runWasmKernel('Sum', backend, inputs, attrs);
  const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
  const rest = x.shape.slice(axes.length);
  const cols = rest.reduce((p, q) => p * q, 1);
  const outShape = attrs.keepDims ? [...Array(axes.length).fill(1), ...rest] : rest;
  const out = alloc(backend, outShape);
  const src = view(backend, x);
  const dst = view(backend, out);
  // Accumulate in float64 so long sums (590k rows) stay as exact as the reference's pairwise-free float32 loop.
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += src[base + c];
  }
  for (let c = 0; c < cols; c++) dst[c] = acc[c];
  return out;
}



/** Identity that shares the input's buffer (as the cpu backend does) instead of copying it; tensors are immutable. */
export function identityWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Tile of a tensor whose leading axes are 1 along the leading axes only (batch-norm gradients tile a [1,1,1,C]
 * vector to the activation's shape): repeated block copies. Other tilings go to the stock kernel.
 */
export function tileWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const reps = attrs.reps as number[];
  const rank = x.shape.length;
  // First axis that is not repeated; every axis before it must have size 1 in x.
  let k = 0;
  while (k < rank && reps[k] !== 1) k++;
  const simple = x.dtype === 'float32' && reps.length === rank && reps.slice(k).every((r) => r === 1) && x.shape.slice(0, k).every((d) => d === 1);
  if (!simple || k === 0) return runWasmKernel('Tile', backend, inputs, attrs);
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const copies = reps.slice(0, k).reduce((a, b) => a * b, 1);
  const out = alloc(backend, outShape);
  const src = view(backend, x);
  const dst = view(backend, out);
  const n = src.length;
  dst.set(src, 0);
  // Doubling copies: log2(copies) memmoves instead of one small copy per repetition.
  let filled = 1;
  while (filled < copies) {
    const m = Math.min(filled, copies - filled);
    dst.copyWithin(filled * n, 0, m * n);
    filled += m;
  }
  return out;
}

/** Mean over leading axes (batch-norm moments) as one streaming pass; other reductions go to the stock kernel. */
export function meanWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') return runWasmKernel('Mean', backend, inputs, attrs);
  const out = sumWasm({ inputs, backend, attrs: { axis: axes, keepDims: attrs.keepDims } });
  const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
  const v = view(backend, out);
  for (let i = 0; i < v.length; i++) v[i] /= rows;
  return out;
}
