// Bilinear affine warp of interleaved grey or colour images (Float32Array or Uint8Array), one pass per image.
import type { Affine } from './affine.js';

export type PixelArray = Float32Array | Uint8Array;
export type Border = 'edge' | 'reflect' | 'constant';

/** An interleaved image: `data[(y * width + x) * channels + c]`. */
export interface ImageBuffer<T extends PixelArray = PixelArray> {
  data: T;
  width: number;
  height: number;
  channels: number;
}

function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/**
 * Warps `src` into a float buffer of `dstW x dstH` (same channels, same value units as `src`).
 * `inverse` maps destination pixel centres to source coordinates (the inverse of the keypoint transform).
 * Bilinear sampling; outside the source, `border` decides: repeat the edge, mirror, or `fill`.
 */
export function warpAffine(src: ImageBuffer, inverse: Readonly<Affine>, dstW: number, dstH: number, border: Border, fill: number, out?: Float32Array): Float32Array {
  const { data, width: W, height: H, channels: C } = src;
  const dst = out ?? new Float32Array(dstW * dstH * C);
  if (dst.length < dstW * dstH * C) throw new Error(`warp output buffer too small: ${dst.length} < ${dstW * dstH * C}`);
  const [a, b, c, d, e, f] = inverse;
  const sample = (xi: number, yi: number, ch: number): number => {
    if (xi >= 0 && xi < W && yi >= 0 && yi < H) return data[(yi * W + xi) * C + ch];
    if (border === 'constant') return fill;
    if (border === 'edge') {
      const xx = xi < 0 ? 0 : xi >= W ? W - 1 : xi;
      const yy = yi < 0 ? 0 : yi >= H ? H - 1 : yi;
      return data[(yy * W + xx) * C + ch];
    }
    return data[(reflectIndex(yi, H) * W + reflectIndex(xi, W)) * C + ch];
  };
  let o = 0;
  if (C === 1) {
    // Grey fast path (the training input): no channel loop, neighbours read directly.
    for (let v = 0; v < dstH; v++) {
      let sx = b * v + c;
      let sy = e * v + f;
      for (let u = 0; u < dstW; u++, sx += a, sy += d) {
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
          const i00 = y0 * W + x0;
          const top = data[i00] + fx * (data[i00 + 1] - data[i00]);
          const bottom = data[i00 + W] + fx * (data[i00 + W + 1] - data[i00 + W]);
          dst[o++] = top + fy * (bottom - top);
        } else {
          const top = sample(x0, y0, 0) * (1 - fx) + sample(x0 + 1, y0, 0) * fx;
          const bottom = sample(x0, y0 + 1, 0) * (1 - fx) + sample(x0 + 1, y0 + 1, 0) * fx;
          dst[o++] = top * (1 - fy) + bottom * fy;
        }
      }
    }
    return dst;
  }
  for (let v = 0; v < dstH; v++) {
    let sx = b * v + c;
    let sy = e * v + f;
    for (let u = 0; u < dstW; u++, sx += a, sy += d) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const i00 = (y0 * W + x0) * C;
        const i01 = i00 + W * C;
        for (let ch = 0; ch < C; ch++) {
          dst[o++] = w00 * data[i00 + ch] + w10 * data[i00 + C + ch] + w01 * data[i01 + ch] + w11 * data[i01 + C + ch];
        }
      } else {
        for (let ch = 0; ch < C; ch++) {
          dst[o++] = w00 * sample(x0, y0, ch) + w10 * sample(x0 + 1, y0, ch) + w01 * sample(x0, y0 + 1, ch) + w11 * sample(x0 + 1, y0 + 1, ch);
        }
      }
    }
  }
  return dst;
}

/** Copies any pixel array into a float buffer (no scaling). */
export function toFloat(src: PixelArray, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = src[i];
  return dst;
}
