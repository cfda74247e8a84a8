// Elementwise closeness of float arrays, as numpy's allclose: |a - b| <= atol + rtol * |b| for every element; any NaN or infinity fails.

/** The bound: `b` is the reference. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Where a comparison stands: `ok` only if every element is finite in both and within the bound. */
export interface CloseResult {
  ok: boolean;
  /** Elements compared (over all arrays). */
  count: number;
  /** Elements outside the bound, non-finite ones included. */
  failures: number;
  /** Largest |a - b| / (atol + rtol |b|) over the finite elements: at most 1 passes. */
  worstRatio: number;
  /** Largest |a - b| over the finite elements. */
  maxAbs: number;
  /** The first failing element (array k, index i), or null. */
  first: { k: number; i: number; a: number; b: number } | null;
  /** One line for a failure message. */
  message: string;
}

type Arrays = ArrayLike<number> | readonly ArrayLike<number>[];

function asList(x: Arrays): readonly ArrayLike<number>[] {
  // A list of arrays has array-like entries; a single array has numbers.
  return x.length > 0 && typeof (x as ArrayLike<unknown>)[0] === 'object' ? (x as readonly ArrayLike<number>[]) : [x as ArrayLike<number>];
}

/** Compares `a` against the reference `b` (one array, or lists of arrays of matching lengths). */
export function allclose(a: Arrays, b: Arrays, tol: Tolerance): CloseResult {
  const as = asList(a);
  const bs = asList(b);
  let count = 0;
  let failures = 0;
  let worstRatio = 0;
  let maxAbs = 0;
  let first: CloseResult['first'] = null;
  if (as.length !== bs.length) {
    return { ok: false, count: 0, failures: 1, worstRatio: Infinity, maxAbs: Infinity, first: null, message: `${as.length} arrays against ${bs.length}` };
  }
  for (let k = 0; k < as.length; k++) {
    const x = as[k];
    const y = bs[k];
    if (x.length !== y.length) {
      return { ok: false, count, failures: failures + 1, worstRatio: Infinity, maxAbs: Infinity, first, message: `array ${k}: length ${x.length} against ${y.length}` };
    }
    for (let i = 0; i < x.length; i++) {
      count++;
      const ai = x[i];
      const bi = y[i];
      const d = Math.abs(ai - bi);
      const bound = tol.atol + tol.rtol * Math.abs(bi);
      // Written so that NaN and infinity land in the failing branch: a comparison with NaN is false.
      const pass = Number.isFinite(ai) && Number.isFinite(bi) && d <= bound;
      if (Number.isFinite(d)) {
        maxAbs = Math.max(maxAbs, d);
        worstRatio = Math.max(worstRatio, bound > 0 ? d / bound : d > 0 ? Infinity : 0);
      }
      if (!pass) {
        failures++;
        first ??= { k, i, a: ai, b: bi };
      }
    }
  }
  const ok = failures === 0;
  const where = first ? `; first at ${as.length > 1 ? `array ${first.k} ` : ''}index ${first.i}: ${first.a} vs ${first.b}` : '';
  const message = `${failures} of ${count} elements outside |a-b| <= ${tol.atol} + ${tol.rtol}*|b| (max |a-b| ${maxAbs.toExponential(2)}, worst ratio to the bound ${worstRatio.toPrecision(3)})${where}`;
  return { ok, count, failures, worstRatio, maxAbs, first, message };
}

/** Throws with the one-line summary unless `a` is close to `b`; `what` names the comparison. */
export function assertAllClose(a: Arrays, b: Arrays, tol: Tolerance, what = 'values'): CloseResult {
  const r = allclose(a, b, tol);
  if (!r.ok) throw new Error(`${what}: ${r.message}`);
  return r;
}
