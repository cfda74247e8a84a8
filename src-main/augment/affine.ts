// 2-D affine matrices in the project's pixel convention (pixel centres at integers): compose, invert, apply.

/** [a, b, c, d, e, f] maps (x, y) to (a x + b y + c, d x + e y + f). */
export type Affine = [number, number, number, number, number, number];

export const IDENTITY: Readonly<Affine> = Object.freeze([1, 0, 0, 0, 1, 0]) as Readonly<Affine>;

/** The matrix that applies `second` after `first`. */
export function compose(second: Readonly<Affine>, first: Readonly<Affine>): Affine {
  const [a1, b1, c1, d1, e1, f1] = first;
  const [a2, b2, c2, d2, e2, f2] = second;
  return [a2 * a1 + b2 * d1, a2 * b1 + b2 * e1, a2 * c1 + b2 * f1 + c2, d2 * a1 + e2 * d1, d2 * b1 + e2 * e1, d2 * c1 + e2 * f1 + f2];
}

export function invert(m: Readonly<Affine>): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('affine matrix is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Readonly<Affine>, x: number, y: number): { x: number; y: number } {
  return { x: m[0] * x + m[1] * y + m[2], y: m[3] * x + m[4] * y + m[5] };
}

export function translation(tx: number, ty: number): Affine {
  return [1, 0, tx, 0, 1, ty];
}

/** Rotation by `rad` (counter-clockwise on screen for positive angles, since y points down) about the origin. */
export function rotation(rad: number): Affine {
  const c = Math.cos(rad);
  const s = Math.sin(rad);
  return [c, s, 0, -s, c, 0];
}

export function scaling(sx: number, sy: number): Affine {
  return [sx, 0, 0, 0, sy, 0];
}

/** Horizontal shear: x' = x + tan(rad) y. */
export function shearX(rad: number): Affine {
  return [1, Math.tan(rad), 0, 0, 1, 0];
}

/** `m` applied about the point (cx, cy) instead of the origin. */
export function about(m: Readonly<Affine>, cx: number, cy: number): Affine {
  return compose(translation(cx, cy), compose(m, translation(-cx, -cy)));
}
