// DepthwiseConv2dNativeBackpropInput and ...BackpropFilter (both missing in tfjs-backend-wasm 4.22): the input gradient on the backend's XNNPACK depthwise convolution, the filter gradient as a JS pass with register accumulators.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { alloc, free, runWasmKernel, view, type Attrs, type TensorInfo, type WasmKernelArgs } from './wasm-util.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The layer's geometry, after refusing what these kernels do not handle: NCHW data (the stock wasm forward kernel
 * refuses it too) and dilations other than 1 (tfjs refuses gradients of dilated depthwise convolutions itself, and
 * the cpu reference ignores dilation in its loops, so there is nothing to check a dilated result against).
 */
function depthwiseInfo(kernel: string, xShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  const df = attrs.dataFormat;
  if (df !== undefined && df !== 'NHWC' && df !== 'channelsLast') {
    throw new Error(`${kernel} on the wasm backend supports only NHWC data (got ${String(df)})`);
  }
  const d = attrs.dilations as number | number[] | undefined;
  const dil = d === undefined || d === null ? [1, 1] : typeof d === 'number' ? [d, d] : d;
  if (dil.some((v) => v !== 1)) {
    throw new Error(`${kernel} on the wasm backend supports only dilation 1 (got dilations ${JSON.stringify(d)})`);
  }
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) {
    throw new Error(`${kernel}: input ${JSON.stringify(xShape)} and filter ${JSON.stringify(filterShape)} do not fit (NHWC input, [kh, kw, C, multiplier] filter)`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number, 1, attrs.pad as Pad, attrs.dimRoundingMode as Rounding, true, 'channelsLast');
}

/** Stride-1 depthwise convolution (multiplier 1) through the stock wasm kernel (XNNPACK), with explicit padding. */
function xnnDepthwise(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, pad: Explicit): TensorInfo {
  return runWasmKernel('DepthwiseConv2dNative', backend, { x, filter }, {
    strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string,
  } as tf.NamedAttrMap);
}

/**
 * Tap counts for which the XNNPACK build in tfjs-backend-wasm 4.22 has a depthwise microkernel. Other counts fall back
 * to a generic path 5-20x slower per tap (2x1: 21.5 ms, 3x1: 1.8 ms on the same [16,28,28,256] input), which is what
 * the sub-filters of a strided 3x3 layer (2x2, 2x1, 1x2, 1x1) would hit; see docs/kernels.md.
 */
const FAST_TAPS = [1, 3, 4, 9, 25];

/** The smallest filter shape at least mh x mw with a fast tap count (or mh x mw itself when there is none). */
function fastShape(mh: number, mw: number): [number, number] {
  let best: [number, number] = [mh, mw];
  let bestTaps = Infinity;
  for (const taps of FAST_TAPS) {
    if (taps < mh * mw || taps >= bestTaps) continue;
    for (let h = mh; h <= taps; h++) {
      if (taps % h === 0 && taps / h >= mw) {
        best = [h, taps / h];
        bestTaps = taps;
        break;
      }
    }
  }
  return best;
}

/**
 * Full correlation of src (dy, or a crop of it) with the sub-filter of one stride phase rotated by 180 degrees, as a
 * multiplier-1 XNNPACK depthwise convolution over the C*M channels of dy: the filter is
 * f[m', n', ch] = W[rho + sh*(mh-1-m'), kappa + sw*(mw-1-n'), ch] (W viewed as [kh, kw, C*M]), padded with zero taps
 * at the bottom and right to a fast shape; the padding grows by as much there, so the output is the same.
 */
function phaseCorrelation(backend: BackendWasm, src: TensorInfo, filter: TensorInfo, rho: number, kappa: number, sh: number, sw: number,
  mh: number, mw: number, pad: [number, number, number, number]): TensorInfo {
  const [, kw, C, M] = filter.shape;
  const CM = C * M;
  const [fh, fw] = fastShape(mh, mw);
  const f = alloc(backend, [fh, fw, CM, 1]);
  const w = view(backend, filter);
  const dst = view(backend, f);
  dst.fill(0);
  for (let m = 0; m < mh; m++) {
    for (let n = 0; n < mw; n++) {
      const s = ((rho + sh * (mh - 1 - m)) * kw + kappa + sw * (mw - 1 - n)) * CM;
      dst.set(w.subarray(s, s + CM), (m * fw + n) * CM);
    }
  }
  const [top, bottom, left, right] = pad;
  const out = xnnDepthwise(backend, src, f, [[0, 0], [top, bottom + fh - mh], [left, right + fw - mw], [0, 0]]);
  free(backend, f);
  return out;
}

/**
 * dx[b, r, q, c] = sum over taps (i, j) and multipliers m of dy[b, y, x, c*M+m] * W[i, j, c, m], where
 * r = y*sh + i - padTop, q = x*sw + j - padLeft. By stride phases: the rows r with (r + padTop) % sh == rho only
 * receive taps i = rho + sh*m', so each phase is a stride-1 full correlation of dy with a rotated sub-filter (one
 * XNNPACK depthwise call over the C*M channels of dy), whose M channels per input channel are summed while it is
 * copied into dx. With stride 1 and an ordinary padding there is one phase, written straight into dx when M = 1.
 * Same multiply count as the forward pass (zero-inserting dy instead would cost sh*sw times more).
 */
export function depthwiseConv2dNativeBackpropInputWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const filter = inputs.filter;
  const inputShape = attrs.inputShape as number[];
  const info = depthwiseInfo('DepthwiseConv2dNativeBackpropInput', inputShape, filter.shape, attrs);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outChannels: CM, outHeight: oh, outWidth: ow,
    strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const M = CM / C;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  // One phase covering all of dx, with a padding that needs no cropping: the result is dx itself (M = 1).
  const top = kh - 1 - pt;
  const left = kw - 1 - pl;
  const bottom = H - ((oh - 1) * sh + 1) + pt;
  const right = W - ((ow - 1) * sw + 1) + pl;
  if (sh === 1 && sw === 1 && M === 1 && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
    return phaseCorrelation(backend, dy, filter, 0, 0, 1, 1, kh, kw, [top, bottom, left, right]);
  }

  const dxInfo = alloc(backend, [B, H, W, C]);
  view(backend, dxInfo).fill(0);
  for (let rho = 0; rho < sh; rho++) {
    for (let kappa = 0; kappa < sw; kappa++) {
      const mh = Math.ceil((kh - rho) / sh);
      const mw = Math.ceil((kw - kappa) / sw);
      if (mh <= 0 || mw <= 0) continue; // no tap lands on this phase: its gradient stays 0
      // Output rows of dx in this phase: r = t*sh + rho - pt for t in [rMin, rMax] (and likewise columns).
      const rMin = Math.ceil((pt - rho) / sh);
      const rMax = Math.floor((H - 1 + pt - rho) / sh);
      const qMin = Math.ceil((pl - kappa) / sw);
      const qMax = Math.floor((W - 1 + pl - kappa) / sw);
      const nR = rMax - rMin + 1;
      const nQ = qMax - qMin + 1;
      if (nR <= 0 || nQ <= 0) continue;
      // dy rows rMin-(mh-1) .. rMax are read (zero outside [0, oh)); a negative pad means cropping dy instead.
      let pTop = mh - 1 - rMin;
      let pBottom = rMax - (oh - 1);
      let pLeft = mw - 1 - qMin;
      let pRight = qMax - (ow - 1);
      const temps: TensorInfo[] = [];
      let src = dy;
      if (pTop < 0 || pBottom < 0 || pLeft < 0 || pRight < 0) {
        const r0 = Math.max(0, -pTop);
        const c0 = Math.max(0, -pLeft);
        const r1 = oh + Math.min(0, pBottom);
        const c1 = ow + Math.min(0, pRight);
        if (r1 <= r0 || c1 <= c0) continue; // this phase reads no dy at all
        src = runWasmKernel('Slice', backend, { x: dy }, { begin: [0, r0, c0, 0], size: [B, r1 - r0, c1 - c0, CM] });
        temps.push(src);
        pTop = Math.max(0, pTop);
        pBottom = Math.max(0, pBottom);
        pLeft = Math.max(0, pLeft);
        pRight = Math.max(0, pRight);
      }
      const part = phaseCorrelation(backend, src, filter, rho, kappa, sh, sw, mh, mw, [pTop, pBottom, pLeft, pRight]); // [B, nR, nQ, CM]
      temps.push(part);
      const p = view(backend, part);
      const dx = view(backend, dxInfo);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < nR; t++) {
          const r = (rMin + t) * sh + rho - pt;
          for (let u = 0; u < nQ; u++) {
            const q = (qMin + u) * sw + kappa - pl;
            const s0 = ((b * nR + t) * nQ + u) * CM;
            const d0 = ((b * H + r) * W + q) * C;
            if (M === 1) {
              dx.set(p.subarray(s0, s0 + C), d0);
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++) s += p[s0 + c * M + m];
                dx[d0 + c] = s;
              }
            }
          }
        }
      }
      free(backend, ...temps);
    }
  }
  return dxInfo;
}

/**
 * A zero-padded copy of x with exactly the rows and columns the forward pass read: Hp = (oh-1)*sh + kh rows from
 * row -padTop on (a valid padding's unused last rows are left out), so the filter-gradient loops need no bounds tests.
 */
function paddedInput(X: Float32Array, info: tf.backend_util.Conv2DInfo, Hp: number, Wp: number): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = new Float32Array(B * Hp * Wp * C);
  const cols = Math.min(W, Wp - pl);
  if (cols <= 0) return out; // a left padding so large that no real column is read
  for (let b = 0; b < B; b++) {
    for (let rp = 0; rp < Hp; rp++) {
      const r = rp - pt;
      if (r < 0 || r >= H) continue;
      const s = (b * H + r) * W * C;
      out.set(X.subarray(s, s + cols * C), ((b * Hp + rp) * Wp + pl) * C);
    }
  }
  return out;
}

/**
 * dW[i, j, c, m] = sum over b, y, x of xpad[b, y*sh + i, x*sw + j, c] * dy[b, y, x, c*M + m].
 * For 3x3 filters (all of face-api's), one sweep along each dy row per output channel keeps all nine sums in
 * registers (one dy load feeds nine products), about 3x faster than a loop over taps, and at stride 1 the window
 * slides (5-25% less again); other sizes sum one tap at a time. Sums run in float64 (as in the cpu backend). The XNNPACK alternative, a depthwise convolution with dy as an
 * oh x ow filter over batch x channel "channels", was slower (no blocked kernel for filters that large; see
 * docs/kernels.md).
 */
export function depthwiseConv2dNativeBackpropFilterWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const dy = inputs.dy;
  const filterShape = attrs.filterShape as number[];
  const info = depthwiseInfo('DepthwiseConv2dNativeBackpropFilter', x.shape, filterShape, attrs);
  const { batchSize: B, inChannels: C, outChannels: CM, outHeight: oh, outWidth: ow,
    strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const M = CM / C;
  const Hp = (oh - 1) * sh + kh;
  const Wp = (ow - 1) * sw + kw;
  const XP = paddedInput(view(backend, x), info, Hp, Wp);
  const D = view(backend, dy);
  const acc = new Float64Array(kh * kw * CM);
  const xStep = sw * C; // next output column
  const xRow = Wp * C; // next padded input row
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < oh; y++) {
      const dRow = (b * oh + y) * ow * CM;
      const x0 = (b * Hp + y * sh) * xRow;
      if (kh === 3 && kw === 3 && sw === 1) {
        // Stride 1: the window slides one column per output, so each step loads only its three new x values.
        const x1 = x0 + xRow;
        const x2 = x1 + xRow;
        for (let ch = 0; ch < CM; ch++) {
          let s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, s20 = 0, s21 = 0, s22 = 0;
          const c = (ch / M) | 0;
          let a0 = XP[x0 + c], b0 = XP[x0 + c + C];
          let a1 = XP[x1 + c], b1 = XP[x1 + c + C];
          let a2 = XP[x2 + c], b2 = XP[x2 + c + C];
          let o = c + 2 * C;
          let di = dRow + ch;
          for (let q = 0; q < ow; q++) {
            const d = D[di];
            const c0 = XP[x0 + o], c1 = XP[x1 + o], c2 = XP[x2 + o];
            s00 += d * a0; s01 += d * b0; s02 += d * c0;
            s10 += d * a1; s11 += d * b1; s12 += d * c1;
            s20 += d * a2; s21 += d * b2; s22 += d * c2;
            a0 = b0; b0 = c0; a1 = b1; b1 = c1; a2 = b2; b2 = c2;
            o += C;
            di += CM;
          }
          acc[ch] += s00; acc[CM + ch] += s01; acc[2 * CM + ch] += s02;
          acc[3 * CM + ch] += s10; acc[4 * CM + ch] += s11; acc[5 * CM + ch] += s12;
          acc[6 * CM + ch] += s20; acc[7 * CM + ch] += s21; acc[8 * CM + ch] += s22;
        }
      } else if (kh === 3 && kw === 3) {
        const x1 = x0 + xRow;
        const x2 = x1 + xRow;
        for (let ch = 0; ch < CM; ch++) {
          let s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, s20 = 0, s21 = 0, s22 = 0;
          let o = ((ch / M) | 0); // x channel of this output channel
          let di = dRow + ch;
          for (let q = 0; q < ow; q++) {
            const d = D[di];
            s00 += d * XP[x0 + o]; s01 += d * XP[x0 + o + C]; s02 += d * XP[x0 + o + 2 * C];
            s10 += d * XP[x1 + o]; s11 += d * XP[x1 + o + C]; s12 += d * XP[x1 + o + 2 * C];
            s20 += d * XP[x2 + o]; s21 += d * XP[x2 + o + C]; s22 += d * XP[x2 + o + 2 * C];
            o += xStep;
            di += CM;
          }
          acc[ch] += s00; acc[CM + ch] += s01; acc[2 * CM + ch] += s02;
          acc[3 * CM + ch] += s10; acc[4 * CM + ch] += s11; acc[5 * CM + ch] += s12;
          acc[6 * CM + ch] += s20; acc[7 * CM + ch] += s21; acc[8 * CM + ch] += s22;
        }
      } else {
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const a0 = (i * kw + j) * CM;
            const xs = x0 + i * xRow + j * C;
            for (let ch = 0; ch < CM; ch++) {
              let s = 0;
              let o = xs + ((ch / M) | 0);
              let di = dRow + ch;
              for (let q = 0; q < ow; q++) {
                s += D[di] * XP[o];
                o += xStep;
                di += CM;
              }
              acc[a0 + ch] += s;
            }
          }
        }
      }
    }
  }
  // [kh, kw, C*M] is [kh, kw, C, M] in memory: channel ch = c*M + m.
  const dW = alloc(backend, [kh, kw, C, M]);
  view(backend, dW).set(acc);
  return dW;
}
