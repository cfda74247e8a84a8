// Photometric transforms on float images in [0, 1]: brightness, contrast and gamma fused in one pass, Gaussian blur, Gaussian noise.
import type { AugmentRng } from './prng.js';

/** v -> clamp(contrast * (v - mean_c) + mean_c + brightness)^gamma, per channel mean; in place. */
export function adjustTone(data: Float32Array, channels: number, brightness: number, contrast: number, gamma: number): void {
  const n = data.length / channels;
  for (let ch = 0; ch < channels; ch++) {
    let mean = 0;
    if (contrast !== 1) {
      for (let i = ch; i < data.length; i += channels) mean += data[i];
      mean /= n;
    }
    const offset = (1 - contrast) * mean + brightness;
    const applyGamma = gamma !== 1;
    for (let i = ch; i < data.length; i += channels) {
      let v = contrast * data[i] + offset;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      data[i] = applyGamma ? Math.pow(v, gamma) : v;
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
  // Horizontal pass: data -> tmp.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < C; ch++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          let xx = x + i;
          xx = xx < 0 ? 0 : xx >= width ? width - 1 : xx;
          acc += k[i + r] * data[(row + xx) * C + ch];
        }
        tmp[(row + x) * C + ch] = acc;
      }
    }
  }
  // Vertical pass: tmp -> data.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < C; ch++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          let yy = y + i;
          yy = yy < 0 ? 0 : yy >= height ? height - 1 : yy;
          acc += k[i + r] * tmp[(yy * width + x) * C + ch];
        }
        data[(y * width + x) * C + ch] = acc;
      }
    }
  }
}

/** Adds N(0, sigma^2) to every value and clamps to [0, 1]; in place. */
export function addGaussianNoise(data: Float32Array, sigma: number, rng: AugmentRng): void {
  if (!(sigma > 0)) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] + sigma * rng.normal();
    data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
