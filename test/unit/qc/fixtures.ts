// Synthetic Kaggle-like face shapes for the QC unit tests: a mean shape under random similarity transforms and noise.
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { Rng } from '../../../src-main/train/rng.js';

export const kaggle = loadBuiltinSchema('kaggle-15');

/** Kaggle-15 mean shape (approximate, 96x96 image). "left" is the subject's left: the image's right. */
export const MEAN = [
  66, 37, 30, 37, 59, 38, 73, 38, 37, 38, 23, 38, 57, 29, 79, 30, 39, 29, 16, 30, 48, 62, 63, 76, 33, 76, 48, 72, 48, 83,
];

export function gauss(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** n faces: random roll (±12°), scale (0.85-1.15), shift (±4 px), 1 px noise; `partial` of them keep only the 4 Kaggle core points. */
export function population(n: number, seed: number, partial = 0.7): Float64Array[] {
  const r = new Rng(seed);
  const core = new Set([0, 1, 10, 14]);
  return Array.from({ length: n }, () => {
    const a = ((r.next() - 0.5) * 24 * Math.PI) / 180;
    const s = 0.85 + 0.3 * r.next();
    const tx = (r.next() - 0.5) * 8, ty = (r.next() - 0.5) * 8;
    const keepAll = r.next() >= partial;
    const out = new Float64Array(30).fill(NaN);
    for (let k = 0; k < 15; k++) {
      if (!keepAll && !core.has(k)) continue;
      const x = MEAN[2 * k] - 48, y = MEAN[2 * k + 1] - 48;
      out[2 * k] = 48 + s * (Math.cos(a) * x - Math.sin(a) * y) + tx + gauss(r);
      out[2 * k + 1] = 48 + s * (Math.sin(a) * x + Math.cos(a) * y) + ty + gauss(r);
    }
    return out;
  });
}
