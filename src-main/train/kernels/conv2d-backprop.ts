// Conv2DBackpropFilter (missing in tfjs-backend-wasm 4.22) and a fast Conv2DBackpropInput, both run on the backend's own XNNPACK Conv2D.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { alloc, free, reshapeInfo, runWasmKernel, view, type TensorInfo, type WasmKernelArgs } from './wasm-util.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Explicit = [[number, number], [number, number], [number, number], [number, number]];

function requireNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on the wasm backend supports only NHWC data (got ${String(dataFormat)})`);
  }
}

/** Plain stride-1 convolution through the stock wasm kernel (XNNPACK), with explicit padding and optional dilation. */
function xnnConv(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, pad: Explicit, dilations: [number, number]): TensorInfo {
  return runWasmKernel('Conv2D', backend, { x, filter }, {
    strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined as unknown as string,
  } as tf.NamedAttrMap);
}

/** Rows/cols [start, start+size) of an NHWC tensor (a copy; used only when a valid padding leaves pixels unused). */
function crop(backend: BackendWasm, x: TensorInfo, h: number, w: number): TensorInfo {
  return runWasmKernel('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], h, w, x.shape[3]] });
}

/** x [B, H, W, C] rows [r0, r1) and columns [0, wc) -> [C, r1-r0, wc, B] (batch last: the "channels" of the conv). */
function xBlockToCHWB(backend: BackendWasm, x: TensorInfo, r0: number, r1: number, wc: number): TensorInfo {
  const [B, H, W, C] = x.shape;
  const h = r1 - r0;
  const out = alloc(backend, [C, h, wc, B]);
  const src = view(backend, x);
  const dst = view(backend, out);
  const batchStride = H * W * C;
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < wc; q++) {
      const sPix = ((r0 + r) * W + q) * C;
      for (let c = 0; c < C; c++) {
        const d = ((c * h + r) * wc + q) * B;
        let si = sPix + c;
        for (let b = 0; b < B; b++) {
          dst[d + b] = src[si];
          si += batchStride;
        }
      }
    }
  }
  return out;
}

/** dy [B, oh, ow, Co] rows [y0, y1) -> [y1-y0, ow, B, Co] (the conv's filter: taps, then batch, then Co). */
function dyBlockToHWBC(backend: BackendWasm, dy: TensorInfo, y0: number, y1: number): TensorInfo {
  const [B, oh, ow, Co] = dy.shape;
  const h = y1 - y0;
  const out = alloc(backend, [h, ow, B, Co]);
  const src = view(backend, dy);
  const dst = view(backend, out);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < h; y++) {
      for (let q = 0; q < ow; q++) {
        const s0 = ((b * oh + y0 + y) * ow + q) * Co;
        const d0 = ((y * ow + q) * B + b) * Co;
        for (let o = 0; o < Co; o++) dst[d0 + o] = src[s0 + o];
      }
    }
  }
  return out;
}

/** Values of a dy block (rows x cols x batch) per call: keeps XNNPACK's packed "filter" panel within L2. */
const BLOCK_VALUES = 16384;

/**
 * Rows of the filter gradient (taps x input channels) at or below which it goes through one matrix product instead
 * of the convolution; 1x1 filters always do. Through the convolution such a layer has only kh*kw*C output "pixels",
 * too few for XNNPACK's tiles: the grey first layer of VGG (3x3, 1 -> 32 at 96x96) cost 5-8 forward convolutions.
 * Measured per case (batch 32, docs/kernels.md): the product wins up to 72 rows and for 1x1 filters up to 256 rows,
 * and loses from about 108 rows of a 3x3 filter on.
 */
const SMALL_ROWS = 72;

/**
 * dW as [kh*kw*C, K] x [K, Co] with K = B*oh*ow: the left factor is the transposed im2col of x (kh*kw*C rows, built
 * here, zero where the window meets padding), the right one is dy itself (no copy). One stock XNNPACK matrix product.
 */
function backpropFilterByMatMul(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outChannels: Co, outHeight: oh, outWidth: ow,
    strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const K = B * oh * ow;
  const rows = kh * kw * C;
  const a = alloc(backend, [1, rows, K]);
  const b = reshapeInfo(backend, dy, [1, K, Co]);
  const src = view(backend, x);
  const dst = view(backend, a);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < C; c++) {
        let d = ((i * kw + j) * C + c) * K;
        for (let n = 0; n < B; n++) {
          for (let y = 0; y < oh; y++) {
            const r = y * sh + i - pt;
            if (r < 0 || r >= H) {
              dst.fill(0, d, d + ow);
              d += ow;
              continue;
            }
            const rowBase = ((n * H + r) * W) * C + c;
            for (let q = 0; q < ow; q++) {
              const col = q * sw + j - pl;
              dst[d++] = col >= 0 && col < W ? src[rowBase + col * C] : 0;
            }
          }
        }
      }
    }
  }
  const out = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false }); // [1, rows, Co]
  free(backend, a, b);
  const dW = reshapeInfo(backend, out, [kh, kw, C, Co]);
  free(backend, out);
  return dW;
}

/**
 * dW[i,j,c,o] = sum_{b,y,x} xpad[b, y*sh+i, x*sw+j, c] * dy[b,y,x,o].
 * That is a stride-1 convolution whose "images" are the input channels, whose "channels" are the batch, whose filter
 * is dy (oh x ow taps, dilated by the forward stride) and whose output is kh x kw. XNNPACK does not block over a
 * reduction that long (it re-streams the whole packed dy for every output tile), so we split dy into blocks of rows
 * and add the partial results: about 25-30% less CPU than one call at 96x96 (docs/kernels.md).
 */
export function conv2DBackpropFilterWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const dy = inputs.dy;
  requireNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, attrs.strides as [number, number] | number, 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding, false, 'channelsLast');
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outChannels: Co, outHeight: oh, outWidth: ow,
    strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  if (kh * kw === 1 || kh * kw * C <= SMALL_ROWS) return backpropFilterByMatMul(backend, x, dy, info);
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Columns: the padded width the convolution must see so that exactly kw outputs come out; columns the forward
  // pass never read (a valid padding's leftover) are dropped instead of padding negatively.
  const pr = kw + (ow - 1) * sw - pl - W;
  const wc = W + Math.min(0, pr);
  const right = Math.max(0, pr);
  const hb = Math.max(1, Math.min(oh, Math.round(BLOCK_VALUES / (ow * B))));
  const dW = alloc(backend, [kh, kw, C, Co]);
  view(backend, dW).fill(0);
  for (let y0 = 0; y0 < oh; y0 += hb) {
    const y1 = Math.min(oh, y0 + hb);
    // Padded input rows this block of dy touches, and the real rows among them.
    const p0 = y0 * sh;
    const p1 = (y1 - 1) * sh + kh;
    const r0 = Math.max(0, p0 - pt);
    const r1 = Math.min(H, p1 - pt);
    const top = r0 - (p0 - pt);
    const bottom = p1 - pt - r1;
    if (r1 <= r0) continue; // the block only meets padding: it adds nothing
    const xb = xBlockToCHWB(backend, x, r0, r1, wc);
    const db = dyBlockToHWBC(backend, dy, y0, y1);
    const part = xnnConv(backend, xb, db, [[0, 0], [top, bottom], [pl, right], [0, 0]], [sh, sw]); // [C, kh, kw, Co]
    const p = view(backend, part);
    const acc = view(backend, dW);
    // part is [C, kh*kw, Co]; dW is [kh*kw, C, Co].
    const taps = kh * kw;
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < taps; t++) {
        const s0 = (c * taps + t) * Co;
        const d0 = (t * C + c) * Co;
        for (let o = 0; o < Co; o++) acc[d0 + o] += p[s0 + o];
      }
    }
    free(backend, xb, db, part);
  }
  return dW;
}

/** Copies rows [r0, r0+h) and cols [c0, c0+w) of an NHWC tensor (for a negative padding). */
function cropRows(backend: BackendWasm, t: TensorInfo, r0: number, h: number, c0: number, w: number): TensorInfo {
  return runWasmKernel('Slice', backend, { x: t }, { begin: [0, r0, c0, 0], size: [t.shape[0], h, w, t.shape[3]] });
}

/**
 * Sub-filter of one stride phase, rotated by 180 degrees with its channel axes swapped:
 * out[m', n', o, c] = W[rho + sh*(mh-1-m'), kappa + sw*(mw-1-n'), c, o].
 */
function phaseFilter(backend: BackendWasm, filter: TensorInfo, rho: number, kappa: number, sh: number, sw: number, mh: number, mw: number): TensorInfo {
  const [kh, kw, C, Co] = filter.shape;
  void kh;
  const out = alloc(backend, [mh, mw, Co, C]);
  const src = view(backend, filter);
  const dst = view(backend, out);
  for (let m = 0; m < mh; m++) {
    for (let n = 0; n < mw; n++) {
      const i = rho + sh * (mh - 1 - m);
      const j = kappa + sw * (mw - 1 - n);
      const sBase = (i * kw + j) * C * Co;
      const dBase = (m * mw + n) * Co * C;
      for (let c = 0; c < C; c++) {
        for (let o = 0; o < Co; o++) dst[dBase + o * C + c] = src[sBase + c * Co + o];
      }
    }
  }
  return out;
}

/**
 * Strided input gradient by stride phases: the rows r with (r + padTop) % sh == rho only receive filter taps
 * i = rho + sh*m, so each phase is a stride-1 full correlation of dy with a sub-filter. Same multiply count as the
 * forward pass (zero-inserting dy instead would cost sh*sw times more); the phases are scattered into dx.
 */
function stridedBackpropInput(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, H: number, W: number, sh: number, sw: number, pt: number, pl: number): TensorInfo {
  const [B, oh, ow] = dy.shape;
  const [kh, kw, C] = filter.shape;
  const dxInfo = alloc(backend, [B, H, W, C]);
  view(backend, dxInfo).fill(0);
  for (let rho = 0; rho < sh; rho++) {
    for (let kappa = 0; kappa < sw; kappa++) {
      const mh = Math.ceil((kh - rho) / sh);
      const mw = Math.ceil((kw - kappa) / sw);
      if (mh <= 0 || mw <= 0) continue; // no tap of the filter lands on this phase: its gradient stays 0
      const rMin = Math.ceil((pt - rho) / sh);
      const rMax = Math.floor((H - 1 + pt - rho) / sh);
      const qMin = Math.ceil((pl - kappa) / sw);
      const qMax = Math.floor((W - 1 + pl - kappa) / sw);
      const nR = rMax - rMin + 1;
      const nQ = qMax - qMin + 1;
      if (nR <= 0 || nQ <= 0) continue;
      // dy rows needed: rMin-(mh-1) .. rMax (outside [0, oh) they are zero padding).
      let top = mh - 1 - rMin;
      let bottom = rMax - (oh - 1);
      let left = mw - 1 - qMin;
      let right = qMax - (ow - 1);
      let src = dy;
      const temps: TensorInfo[] = [];
      if (top < 0 || bottom < 0 || left < 0 || right < 0) {
        const r0 = Math.max(0, -top);
        const c0 = Math.max(0, -left);
        const r1 = oh + Math.min(0, bottom);
        const c1 = ow + Math.min(0, right);
        if (r1 <= r0 || c1 <= c0) continue; // this phase reads no dy at all
        src = cropRows(backend, dy, r0, r1 - r0, c0, c1 - c0);
        temps.push(src);
        top = Math.max(0, top);
        bottom = Math.max(0, bottom);
        left = Math.max(0, left);
        right = Math.max(0, right);
      }
      const wPhase = phaseFilter(backend, filter, rho, kappa, sh, sw, mh, mw);
      temps.push(wPhase);
      const part = xnnConv(backend, src, wPhase, [[0, 0], [top, bottom], [left, right], [0, 0]], [1, 1]); // [B, nR, nQ, C]
      temps.push(part);
      const p = view(backend, part);
      const dx = view(backend, dxInfo);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < nR; t++) {
          const r = (rMin + t) * sh + rho - pt;
          for (let u = 0; u < nQ; u++) {
            const q = (qMin + u) * sw + kappa - pl;
            const s0 = ((b * nR + t) * nQ + u) * C;
            const d0 = ((b * H + r) * W + q) * C;
            for (let c = 0; c < C; c++) dx[d0 + c] = p[s0 + c];
          }
        }
      }
      free(backend, ...temps);
    }
  }
  return dxInfo;
}

/**
 * dx = full correlation of dy with the filter rotated by 180 degrees and its channel axes swapped: one XNNPACK
 * convolution instead of the stock scalar loop (about 15x slower at 96x96x32); strided convolutions go by phases.
 */
export function conv2DBackpropInputWasm(args: WasmKernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const filter = inputs.filter;
  requireNHWC('Conv2DBackpropInput', attrs.dataFormat);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], attrs.strides as [number, number] | number, 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding, false, 'channelsLast');
  const { inHeight: H, inWidth: W, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = H - ((oh - 1) * sh + 1) + info.padInfo.top;
  const right = W - ((ow - 1) * sw + 1) + info.padInfo.left;

  if (sh === 1 && sw === 1 && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
    const wT = phaseFilter(backend, filter, 0, 0, 1, 1, kh, kw); // rotated, [kh, kw, Co, C]
    const dx = xnnConv(backend, dy, wT, [[0, 0], [top, bottom], [left, right], [0, 0]], [1, 1]);
    free(backend, wT);
    return dx;
  }
  // Strides, or a padding so large that the transposed one is negative: by stride phases (this also crops).
  return stridedBackpropInput(backend, dy, filter, H, W, sh, sw, info.padInfo.top, info.padInfo.left);
}
