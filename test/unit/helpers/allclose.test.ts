// The shared float comparison of the kernel and data-parallel tests: NaN or infinity anywhere fails, and so does a small value 10% off.
import { describe, expect, it } from 'vitest';
import { allclose, assertAllClose } from '../../helpers/allclose.js';
import { F32, f32Sum } from '../../helpers/tolerance.js';

/** A gradient-like array: values between -0.5 and 0.5, none zero. */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i % 97) - 48.5) / 97);
}

describe('allclose', () => {
  it('passes equal arrays and float32 rounding-sized differences', () => {
    const b = ramp(1000);
    const a = Float32Array.from(b, (v) => v * (1 + 3e-7));
    const r = allclose(a, b, F32);
    expect(r.ok, r.message).toBe(true);
    expect(r.count).toBe(1000);
    expect(r.worstRatio).toBeLessThan(0.01);
  });

  for (const [name, bad] of [['NaN', NaN], ['+Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
    it(`fails a ${name} planted in the middle of the result, with later elements finite`, () => {
      const b = ramp(1001);
      const a = Float32Array.from(b);
      a[500] = bad;
      const r = allclose(a, b, F32);
      expect(r.ok).toBe(false);
      expect(r.failures).toBe(1);
      expect(r.first).toEqual({ k: 0, i: 500, a: bad, b: b[500] });
      expect(() => assertAllClose(a, b, F32, 'planted')).toThrow(/^planted: 1 of 1001 elements outside .* index 500: /);
    });

    it(`fails a ${name} planted in the middle of the reference`, () => {
      const a = ramp(1001);
      const b = Float32Array.from(a);
      b[500] = bad;
      expect(allclose(a, b, F32).ok).toBe(false);
      // A reduction tolerance built from such a reference still fails it.
      expect(allclose(a, b, f32Sum(b)).ok).toBe(false);
    });
  }

  it('fails a NaN in the middle array of a list of arrays', () => {
    const b = [ramp(10), ramp(20), ramp(30)];
    const a = b.map((x) => Float32Array.from(x));
    a[1][7] = NaN;
    const r = allclose(a, b, F32);
    expect(r.ok).toBe(false);
    expect(r.first).toMatchObject({ k: 1, i: 7 });
  });

  it('fails a small gradient that is 10% off, even beside large values', () => {
    // The old oracle divided by max(1, max|b|): 1e-4 absolute, so 1e-3 -> 1.1e-3 passed it.
    const b = new Float32Array([1e-3, -2e-4, 0.3, 1e-4]);
    for (const i of [0, 1, 3]) {
      const a = Float32Array.from(b);
      a[i] *= 1.1;
      const r = allclose(a, b, F32);
      expect(r.ok, `element ${i}`).toBe(false);
      expect(r.first?.i).toBe(i);
    }
  });

  it('is the bound it says: |a-b| <= atol + rtol |b|, at the edge and just past it', () => {
    const tol = { rtol: 1e-2, atol: 0.5 };
    expect(allclose([10 + 0.5 + 0.1], [10], tol).ok).toBe(true);
    expect(allclose([10 + 0.61], [10], tol).ok).toBe(false);
    expect(allclose([-0.49], [0], tol).ok).toBe(true);
    expect(allclose([-0.51], [0], tol).ok).toBe(false);
  });

  it('fails arrays of different lengths or counts', () => {
    expect(allclose([1, 2], [1, 2, 3], F32).ok).toBe(false);
    expect(allclose([new Float32Array(2)], [new Float32Array(2), new Float32Array(1)], F32).ok).toBe(false);
  });
});

describe('f32Sum', () => {
  it('adds a share of the largest reference magnitude to the absolute part', () => {
    const t = f32Sum([new Float32Array([3, -700, NaN]), new Float32Array([2])]);
    expect(t.rtol).toBe(F32.rtol);
    expect(t.atol).toBeCloseTo(F32.atol + 700e-5, 12);
  });
});
