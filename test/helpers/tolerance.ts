// The float32 bounds of the kernel and data-parallel comparisons, with why (figures in docs/kernels.md).
import type { Tolerance } from './allclose.js';

/**
 * float32, elementwise: |a - b| <= 1e-6 + 1e-4 |b|. The relative part is about 1,700 float32 rounding steps
 * (u = 2^-24), room for the same arithmetic done in another order; the absolute part only covers results that
 * cancel to near zero (a gradient of 1e-4 that is 10% off still fails).
 */
export const F32: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/** Absolute error allowed in a float32 reduction, as a share of the reference's largest magnitude. */
export const F32_SUM_SCALE = 1e-5;

/**
 * F32 for the outputs of a float32 reduction (convolution gradients, matrix products) against a reference that
 * rounds less. The rounding of a sum of N terms is about u sqrt(N) times its partial sums, whatever the sum comes
 * to, so an output that cancels to near zero carries the error of its large neighbours: the absolute part grows
 * with max|ref|. Measured: at most 1.6e-6 max|ref| (a 576,000-term Conv2DBackpropFilter), so 1e-5 leaves 6x.
 */
export function f32Sum(ref: ArrayLike<number> | readonly ArrayLike<number>[]): Tolerance {
  const list = ref.length > 0 && typeof (ref as ArrayLike<unknown>)[0] === 'object' ? (ref as readonly ArrayLike<number>[]) : [ref as ArrayLike<number>];
  let m = 0;
  for (const arr of list) for (let i = 0; i < arr.length; i++) if (Number.isFinite(arr[i])) m = Math.max(m, Math.abs(arr[i]));
  return { rtol: F32.rtol, atol: F32.atol + F32_SUM_SCALE * m };
}
