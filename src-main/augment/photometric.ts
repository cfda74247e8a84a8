// Photometric transforms on float images in [0, 1]: brightness, contrast and gamma fused in one pass, Gaussian blur, Gaussian noise.
import type { AugmentRng } from './prng.js';

const GAMMA_LUT_SIZE = 4096;
/** Gammas are drawn on this grid of log(gamma) so that tables can be cached (step 0.004: at most 0.4% apart). */
export const GAMMA_LOG_STEP = 0.004;
const gammaTables = new Map<number, Float32Array>();

/** Rounds a gamma to the cached grid. */
export function quantizeGamma(gamma: number): number {
  return Math.exp(Math.round(Math.log(gamma) / GAMMA_LOG_STEP) * GAMMA_LOG_STEP);
}

/** v^gamma on [0, 1] by a cached table with linear interpolation: Math.pow per pixel costs more than the whole warp. */
function gammaTable(gamma: number): Float32Array {
  const key = Math.round(Math.log(gamma) / GAMMA_LOG_STEP);
  let t = gammaTables.get(key);
  if (t) return t;
  t = new Float32Array(GAMMA_LUT_SIZE + 2);
  for (let i = 0; i <= GAMMA_LUT_SIZE; i++) t[i] = Math.pow(i / GAMMA_LUT_SIZE, gamma);
  t[GAMMA_LUT_SIZE + 1] = t[GAMMA_LUT_SIZE];
  // Bounded: the default range uses about 130 tables (16 KiB each); drop the oldest beyond 512.
  if (gammaTables.size >= 512) gammaTables.delete(gammaTables.keys().next().value as number);
  gammaTables.set(key, t);
  return t;
}

/** v -> clamp(contrast * (v - mean_c) + mean_c + brightness)^gamma, per channel mean; in place. */
export function adjustTone(data: Float32Array, channels: number, brightness: number, contrast: number, gamma: number): void {
  const n = data.length / channels;
  const lut = gamma !== 1 ? gammaTable(gamma) : null;
  for (let ch = 0; ch < channels; ch++) {
    let mean = 0;
    if (contrast !== 1) {
      for (let i = ch; i < data.length; i += channels) mean += data[i];
      mean /= n;
    }
    const offset = (1 - contrast) * mean + brightness;
    for (let i = ch; i < data.length; i += channels) {
      let v = contrast * data[i] + offset;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      if (lut) {
        const x = v * GAMMA_LUT_SIZE;
        const j = x | 0;
        v = lut[j] + (x - j) * (lut[j + 1] - lut[j]);
      }
      data[i] = v;
    }
  }
}

/** Normalised 1-D Gaussian kernel of radius ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = w;
    sum += w;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable Gaussian blur with edge replication; in place (uses one scratch buffer). */
export function gaussianBlur(data: Float32Array, width: number, height: number, channels: number, sigma: number, scratch?: Float32Array): void {
  if (!(sigma > 0)) return;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const tmp = scratch && scratch.length >= data.length ? scratch : new Float32Array(data.length);
  const C = channels;
  const rowLen = width * C;
  // Horizontal pass, data -> tmp: clamped reads only within r pixels of either end.
  for (let y = 0; y < height; y++) {
    const row = y * rowLen;
    for (let x = 0; x < width; x++) {
      const interior = x >= r && x < width - r;
      for (let ch = 0; ch < C; ch++) {
        let acc = 0;
        if (interior) {
          let idx = row + (x - r) * C + ch;
          for (let t = 0; t < k.length; t++, idx += C) acc += k[t] * data[idx];
        } else {
          for (let t = -r; t <= r; t++) {
            const xx = x + t < 0 ? 0 : x + t >= width ? width - 1 : x + t;
            acc += k[t + r] * data[row + xx * C + ch];
          }
        }
        tmp[row + x * C + ch] = acc;
      }
    }
  }
  // Vertical pass, tmp -> data: whole rows at a time, so the inner loop runs over contiguous memory.
  for (let y = 0; y < height; y++) {
    const out = y * rowLen;
    data.fill(0, out, out + rowLen);
    for (let t = -r; t <= r; t++) {
      const yy = y + t < 0 ? 0 : y + t >= height ? height - 1 : y + t;
      const w = k[t + r];
      const src = yy * rowLen;
      for (let i = 0; i < rowLen; i++) data[out + i] += w * tmp[src + i];
    }
  }
}

const NORMAL_TABLE_BITS = 16;
let normalTable: Float32Array | null = null;

/** 65,536 quantiles of the standard normal (at (i + 0.5) / 65536): two table reads per 32-bit draw instead of Box-Muller's log, sqrt and sine. */
function normals(): Float32Array {
  if (normalTable) return normalTable;
  const n = 1 << NORMAL_TABLE_BITS;
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = inverseNormalCdf((i + 0.5) / n);
  normalTable = t;
  return t;
}

/** Acklam's rational approximation of the inverse normal CDF (relative error below 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Adds N(0, sigma^2) to every value and clamps to [0, 1]; in place. */
export function addGaussianNoise(data: Float32Array, sigma: number, rng: AugmentRng): void {
  if (!(sigma > 0)) return;
  const t = normals();
  const mask = (1 << NORMAL_TABLE_BITS) - 1;
  let i = 0;
  for (; i + 1 < data.length; i += 2) {
    const u = rng.nextU32();
    let v = data[i] + sigma * t[u & mask];
    data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    v = data[i + 1] + sigma * t[u >>> NORMAL_TABLE_BITS];
    data[i + 1] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  if (i < data.length) {
    const v = data[i] + sigma * t[rng.nextU32() & mask];
    data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
