// Pure 2-D shape helpers: horizontal flips with left/right swaps, similarity (Procrustes) alignment, mean shapes.

/** A 2-D point; NaN coordinates mean "missing" and are skipped by every fit below. */
export interface Point2 {
  x: number;
  y: number;
}

/** Scale-rotation-translation: p' = [a -b; b a] p + [tx, ty] (scale = hypot(a, b)). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Similarity = { a: 1, b: 0, tx: 0, ty: 0 };

export function isPresent(p: Point2): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y);
}

/** The box of the labelled keypoints (not missing, finite) and how many there are; null when none is labelled. */
export function labelledBounds(keypoints: readonly (Point2 & { state: string })[]): { x: number; y: number; width: number; height: number; count: number } | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, count = 0;
  for (const k of keypoints) {
    if (k.state === 'missing' || !isPresent(k)) continue;
    x0 = Math.min(x0, k.x); y0 = Math.min(y0, k.y); x1 = Math.max(x1, k.x); y1 = Math.max(y1, k.y);
    count += 1;
  }
  return count === 0 ? null : { x: x0, y: y0, width: x1 - x0, height: y1 - y0, count };
}

export function applySimilarity(t: Similarity, points: readonly Point2[]): Point2[] {
  return points.map((p) => ({ x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty }));
}

/**
 * Mirror points in an image of width `width` (x' = width - 1 - x, since pixel centres sit at integers)
 * and swap each flip pair, so index i again names the same anatomical point.
 */
export function flipHorizontal(points: readonly Point2[], width: number, flipPairs: readonly (readonly [number, number])[]): Point2[] {
  const mirrored = mirrorX(points, width);
  return swapPairs(mirrored, flipPairs);
}

/** Mirror only (no swap): x' = width - 1 - x. */
export function mirrorX(points: readonly Point2[], width: number): Point2[] {
  return points.map((p) => ({ x: width - 1 - p.x, y: p.y }));
}

/** Swap the entries of each pair; every other index keeps its point. */
export function swapPairs(points: readonly Point2[], flipPairs: readonly (readonly [number, number])[]): Point2[] {
  const out = points.map((p) => ({ x: p.x, y: p.y }));
  for (const [i, j] of flipPairs) {
    out[i] = { x: points[j].x, y: points[j].y };
    out[j] = { x: points[i].x, y: points[i].y };
  }
  return out;
}

/**
 * Least-squares similarity taking `src` onto `dst` (Umeyama without reflection), over the indices
 * present in both. Needs at least two such points; otherwise returns null.
 */
export function fitSimilarity(src: readonly Point2[], dst: readonly Point2[]): Similarity | null {
  if (src.length !== dst.length) throw new Error(`fitSimilarity: ${src.length} source points but ${dst.length} target points`);
  let n = 0;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < src.length; i++) {
    if (!isPresent(src[i]) || !isPresent(dst[i])) continue;
    n++;
    sx += src[i].x; sy += src[i].y; dx += dst[i].x; dy += dst[i].y;
  }
  if (n < 2) return null;
  sx /= n; sy /= n; dx /= n; dy /= n;
  // For complex numbers z = x + iy the best similarity is w = sum(conj(s) d) / sum(|s|^2).
  let num_re = 0, num_im = 0, den = 0;
  for (let i = 0; i < src.length; i++) {
    if (!isPresent(src[i]) || !isPresent(dst[i])) continue;
    const px = src[i].x - sx, py = src[i].y - sy;
    const qx = dst[i].x - dx, qy = dst[i].y - dy;
    num_re += px * qx + py * qy;
    num_im += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den === 0) return null;
  const a = num_re / den;
  const b = num_im / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/** Root-mean-square distance between corresponding points present in both shapes (NaN when none). */
export function rmsDistance(p: readonly Point2[], q: readonly Point2[]): number {
  let n = 0, s = 0;
  for (let i = 0; i < p.length; i++) {
    if (!isPresent(p[i]) || !isPresent(q[i])) continue;
    const ex = p[i].x - q[i].x, ey = p[i].y - q[i].y;
    s += ex * ex + ey * ey;
    n++;
  }
  return n === 0 ? NaN : Math.sqrt(s / n);
}

/** Align `shape` onto `target` by a similarity and return the aligned shape and the remaining RMS distance. */
export function alignTo(shape: readonly Point2[], target: readonly Point2[]): { aligned: Point2[]; rms: number } {
  const t = fitSimilarity(shape, target);
  if (!t) return { aligned: shape.map((p) => ({ x: NaN, y: NaN })), rms: NaN };
  const aligned = applySimilarity(t, shape);
  return { aligned, rms: rmsDistance(aligned, target) };
}

/** Centre a shape at its centroid and scale it to unit RMS radius (over present points). */
export function normalizeShape(shape: readonly Point2[]): Point2[] {
  let n = 0, cx = 0, cy = 0;
  for (const p of shape) if (isPresent(p)) { cx += p.x; cy += p.y; n++; }
  if (n === 0) return shape.map(() => ({ x: NaN, y: NaN }));
  cx /= n; cy /= n;
  let r = 0;
  for (const p of shape) if (isPresent(p)) r += (p.x - cx) ** 2 + (p.y - cy) ** 2;
  r = Math.sqrt(r / n) || 1;
  return shape.map((p) => ({ x: (p.x - cx) / r, y: (p.y - cy) / r }));
}

/** Per-index mean over the shapes where the point is present (NaN where it never is). */
export function pointwiseMean(shapes: readonly (readonly Point2[])[], count: number): Point2[] {
  const sx = new Float64Array(count), sy = new Float64Array(count), n = new Float64Array(count);
  for (const s of shapes) {
    for (let i = 0; i < count; i++) {
      const p = s[i];
      if (p && isPresent(p)) { sx[i] += p.x; sy[i] += p.y; n[i]++; }
    }
  }
  return Array.from({ length: count }, (_, i) => (n[i] > 0 ? { x: sx[i] / n[i], y: sy[i] / n[i] } : { x: NaN, y: NaN }));
}

/**
 * Generalised Procrustes mean shape: align every shape to the running mean by a similarity and
 * re-average, in a normalised frame (centroid 0, unit RMS radius). Missing points are skipped.
 */
export function procrustesMean(shapes: readonly (readonly Point2[])[], iterations = 10): Point2[] {
  if (shapes.length === 0) return [];
  const count = shapes[0].length;
  // Start from the shape with the most present points, so partial shapes (Kaggle) still get a full reference.
  let start = shapes[0];
  let best = -1;
  for (const s of shapes) {
    const k = s.filter(isPresent).length;
    if (k > best) { best = k; start = s; }
  }
  let mean = normalizeShape(start);
  for (let it = 0; it < iterations; it++) {
    const aligned: Point2[][] = [];
    for (const s of shapes) {
      const t = fitSimilarity(s, mean);
      if (t) aligned.push(applySimilarity(t, s));
    }
    const next = normalizeShape(pointwiseMean(aligned, count));
    // Keep the frame from drifting in rotation: re-align the new mean to the previous one.
    const t = fitSimilarity(next, mean);
    const fixed = t ? applySimilarity(t, next) : next;
    const change = rmsDistance(fixed, mean);
    mean = normalizeShape(fixed);
    if (change < 1e-9) break;
  }
  return mean;
}
