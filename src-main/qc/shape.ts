// Shape evidence for label QC: leave-one-out keypoint prediction from the other labelled keypoints, and left/right swap tests.
// Pure (no I/O): shapes are flat [x0, y0, x1, y1, ...] in image pixels with NaN for missing keypoints.

/** A similarity transform (no reflection): x' = a x - b y + tx, y' = b x + a y + ty. */
interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity mapping points `src` (flat xy) onto `dst` (flat xy), both of the same length. */
function fitSimilarity(src: number[], dst: number[]): Similarity | null {
  const n = src.length / 2;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[2 * i];
    sy += src[2 * i + 1];
    dx += dst[2 * i];
    dy += dst[2 * i + 1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let den = 0, num1 = 0, num2 = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i] - sx, py = src[2 * i + 1] - sy;
    const qx = dst[2 * i] - dx, qy = dst[2 * i + 1] - dy;
    den += px * px + py * py;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
  }
  if (!(den > 1e-12)) return null;
  // Rotation by least squares, but scale by the ratio of sizes: a least-squares scale shrinks towards zero for a
  // shape that fits badly (a mirrored one), which would hide exactly the errors QC looks for.
  let dd = 0;
  for (let i = 0; i < n; i++) dd += (dst[2 * i] - dx) ** 2 + (dst[2 * i + 1] - dy) ** 2;
  const norm = Math.hypot(num1, num2);
  if (!(norm > 1e-12)) return null;
  const scale = Math.sqrt(dd / den);
  const a = (scale * num1) / norm, b = (scale * num2) / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

function apply(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/** A covariance of residuals in the frame `t` maps into, brought back to the frame it maps from: A^-1 C A^-T. */
function covInImage(c: Cov2, t: Similarity): Cov2 {
  const k = 1 / (t.a * t.a + t.b * t.b);
  const p = t.a * k, q = t.b * k, r = -t.b * k, s = t.a * k;
  return {
    sxx: p * p * c.sxx + 2 * p * q * c.sxy + q * q * c.syy,
    sxy: p * r * c.sxx + (p * s + q * r) * c.sxy + q * s * c.syy,
    syy: r * r * c.sxx + 2 * r * s * c.sxy + s * s * c.syy,
  };
}

function invert(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d, b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

function pick(shape: ArrayLike<number>, idx: number[]): number[] {
  const out: number[] = [];
  for (const k of idx) out.push(shape[2 * k], shape[2 * k + 1]);
  return out;
}

/** Solves (A + ridge I) x = b for a small symmetric positive system (Gauss-Jordan with partial pivoting). */
function solve(A: number[][], b: number[][], ridge: number): number[][] {
  const n = A.length;
  const m = b[0]?.length ?? 0;
  const M = A.map((row, i) => [...row.map((v, j) => (i === j ? v + ridge : v)), ...b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    const piv = M[c][c];
    if (Math.abs(piv) < 1e-12) continue;
    for (let j = c; j < n + m; j++) M[c][j] /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c];
      if (f === 0) continue;
      for (let j = c; j < n + m; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row) => row.slice(n));
}

function median(v: number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median of a chi-square variable with 2 degrees of freedom: robust calibration target for 2-D Mahalanobis distances. */
const CHI2_2_MEDIAN = 2 * Math.log(2);

/** A robust 2x2 covariance (inverse kept) calibrated so the median squared Mahalanobis distance is that of chi-square(2). */
export interface Cov2 {
  sxx: number;
  sxy: number;
  syy: number;
}

/** Squared Mahalanobis distance of (dx, dy) under `c`. */
export function mahal2(c: Cov2, dx: number, dy: number): number {
  const det = c.sxx * c.syy - c.sxy * c.sxy;
  if (!(det > 0)) return (dx * dx + dy * dy) / Math.max(1e-12, (c.sxx + c.syy) / 2);
  return (c.syy * dx * dx - 2 * c.sxy * dx * dy + c.sxx * dy * dy) / det;
}

/**
 * Robust covariance of 2-D residuals: inliers within 3x the median radius, then rescaled so that the median
 * squared Mahalanobis distance over all residuals equals chi-square(2)'s median. A floor keeps a degenerate
 * population (all residuals zero) from turning rounding noise into huge distances.
 */
export function robustCov2(res: number[], floor: number): Cov2 | null {
  const n = res.length / 2;
  if (n < 3) return null;
  const radii: number[] = [];
  for (let i = 0; i < n; i++) radii.push(Math.hypot(res[2 * i], res[2 * i + 1]));
  const cut = 3 * median(radii) + 1e-12;
  let sxx = 0, sxy = 0, syy = 0, c = 0;
  for (let i = 0; i < n; i++) {
    if (radii[i] > cut) continue;
    const x = res[2 * i], y = res[2 * i + 1];
    sxx += x * x; sxy += x * y; syy += y * y; c += 1;
  }
  const f2 = floor * floor;
  let cov: Cov2 = { sxx: sxx / c + f2, sxy: sxy / c, syy: syy / c + f2 };
  const d2: number[] = [];
  for (let i = 0; i < n; i++) d2.push(mahal2(cov, res[2 * i], res[2 * i + 1]));
  const m = median(d2);
  if (m > 0) {
    const s = m / CHI2_2_MEDIAN;
    cov = { sxx: cov.sxx * s, sxy: cov.sxy * s, syy: cov.syy * s };
  }
  return cov;
}

/** Predicts keypoint k from the keypoints `others`, learned from the reference shapes that label all of them. */
interface LooModel {
  others: number[];
  k: number;
  /** Template of the `others` points (centred, unit size). */
  template: number[];
  /** Linear map: aligned k = c + W^T (aligned others - template). */
  c: [number, number];
  W: number[][] | null;
  /** Residual covariance in template units. */
  cov: Cov2;
  refs: number;
}

export interface ShapeModelOptions {
  /** Fewest reference shapes a (others, k) model needs; fewer and that keypoint gets no shape evidence. */
  minRefs?: number;
  /**
   * Ridge of the regression on the other points' aligned offsets, in reference shapes: the penalty is this many
   * times the mean feature variance, so its pull towards the mean shape fades as the population grows; default 2.
   * (Before, 0.05 of the summed variance, i.e. 40 shapes' worth on 805 faces: that shrank a 68-point face's neighbour
   * weights towards the mean shape and cost recall on lfpw-train; the figures are in docs/qc.md.)
   */
  ridge?: number;
}

/**
 * The population's shapes, queried per labelled pattern: for keypoint k given the other labelled keypoints,
 * all shapes that label both are similarity-aligned on the others (generalised Procrustes), and the aligned
 * position of k is regressed on the others' aligned offsets (a PCA-free linear shape model that works for any
 * subset, down to 2 other points). Models are built on first use and cached by pattern.
 */
export class ShapePopulation {
  private readonly cache = new Map<string, LooModel | null>();
  private readonly patternCache = new Map<string, { template: number[]; covs: Cov2[] } | null>();
  private readonly minRefs: number;
  private readonly ridge: number;
  /** Typical shape size (median RMS radius in pixels) for noise floors. */
  readonly typicalSize: number;

  constructor(
    /** Every sample's labelled shape (flat xy, NaN missing), e.g. the whole project. */
    private readonly shapes: Float64Array[],
    readonly keypointCount: number,
    opts: ShapeModelOptions = {},
  ) {
    this.minRefs = opts.minRefs ?? 12;
    this.ridge = opts.ridge ?? 2;
    const sizes: number[] = [];
    for (const s of shapes) {
      const idx = labelledIndices(s);
      if (idx.length >= 2) sizes.push(rmsRadius(pick(s, idx)));
    }
    this.typicalSize = median(sizes) || 1;
  }

  /** The model of k given the pattern's other keypoints; `pattern` is the labelled indices joined (the cache key's part that `others` and k determine). */
  private model(pattern: string, others: number[], k: number): LooModel | null {
    const key = `${pattern}|${k}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const m = this.build(others, k);
    this.cache.set(key, m);
    return m;
  }

  private build(others: number[], k: number): LooModel | null {
    const need = [...others, k];
    const refs = this.shapes.filter((s) => need.every((i) => Number.isFinite(s[2 * i]) && Number.isFinite(s[2 * i + 1])));
    if (refs.length < Math.max(this.minRefs, others.length + 4)) return null;
    const O = refs.map((s) => pick(s, others));
    const K = refs.map((s) => [s[2 * k], s[2 * k + 1]]);
    const g = procrustes(O);
    if (!g) return null;
    const { template, transforms } = g;
    const feats: number[][] = [];
    const targets: [number, number][] = [];
    O.forEach((o, r) => {
      const t = transforms[r];
      if (!t) return;
      const f: number[] = [];
      for (let i = 0; i < o.length / 2; i++) {
        const [x, y] = apply(t, o[2 * i], o[2 * i + 1]);
        f.push(x - template[2 * i], y - template[2 * i + 1]);
      }
      feats.push(f);
      targets.push(apply(t, K[r][0], K[r][1]));
    });
    // With 2 other points the alignment is exact (no residual offsets): only the mean position is learnt.
    const useRegression = others.length >= 3;
    let inliers = feats.map((_, i) => i);
    let fit = regress(feats, targets, inliers, useRegression, this.ridge);
    // One robust refit without gross outliers (the very label errors QC hunts for).
    let res = residuals(feats, targets, fit);
    const radii: number[] = [];
    for (let i = 0; i < feats.length; i++) radii.push(Math.hypot(res[2 * i], res[2 * i + 1]));
    const cut = 3 * median(radii) + 1e-12;
    inliers = inliers.filter((i) => radii[i] <= cut);
    if (inliers.length >= Math.max(this.minRefs, others.length + 4)) {
      fit = regress(feats, targets, inliers, useRegression, this.ridge);
      res = residuals(feats, targets, fit);
    }
    // Noise floor: a hundredth of a pixel at the typical face size, in template units.
    const cov = robustCov2(res, 0.01 / this.typicalSize);
    if (!cov) return null;
    return { others, k, template, c: fit.c, W: fit.W, cov, refs: feats.length };
  }

  private patternModel(keys: number[]): { template: number[]; covs: Cov2[] } | null {
    const key = `all:${keys.join(',')}`;
    if (this.patternCache.has(key)) return this.patternCache.get(key) ?? null;
    let m: { template: number[]; covs: Cov2[] } | null = null;
    const refs = this.shapes.filter((s) => keys.every((i) => Number.isFinite(s[2 * i]) && Number.isFinite(s[2 * i + 1]))).map((s) => pick(s, keys));
    if (refs.length >= Math.max(this.minRefs, keys.length + 4)) {
      const g = procrustes(refs);
      if (g) {
        const covs: Cov2[] = [];
        for (let j = 0; j < keys.length; j++) {
          const res: number[] = [];
          g.aligned.forEach((a) => {
            if (a) res.push(a[2 * j] - g.template[2 * j], a[2 * j + 1] - g.template[2 * j + 1]);
          });
          const c = robustCov2(res, 0.01 / this.typicalSize);
          if (c) covs.push(c);
        }
        if (covs.length === keys.length) m = { template: g.template, covs };
      }
    }
    this.patternCache.set(key, m);
    return m;
  }

  /**
   * How well the whole labelled shape fits the population's shapes with the same keypoints labelled, after a
   * similarity alignment (no reflection): the sum over keypoints of squared Mahalanobis distances, each capped.
   * A mirrored (left/right swapped) labelling fits badly here even when each point agrees with its neighbours.
   * Null when the pattern has fewer than 3 keypoints or too few reference shapes.
   */
  patternCost(shape: ArrayLike<number>, cap = 400): number | null {
    const keys = labelledIndices(shape);
    if (keys.length < 3) return null;
    const m = this.patternModel(keys);
    if (!m) return null;
    const t = fitSimilarity(pick(shape, keys), m.template);
    if (!t) return null;
    let c = 0;
    keys.forEach((k, j) => {
      const [x, y] = apply(t, shape[2 * k], shape[2 * k + 1]);
      c += Math.min(cap, mahal2(m.covs[j], x - m.template[2 * j], y - m.template[2 * j + 1]));
    });
    return c;
  }

  /**
   * Leave-one-out evidence for every labelled keypoint of `shape`: where the other labelled keypoints say it
   * should be (image pixels), the distance in pixels, and the squared Mahalanobis distance d2 (about chi-square(2)
   * for a correct label). Keypoints without enough reference shapes get null.
   */
  leaveOneOut(shape: ArrayLike<number>): (LooResult | null)[] {
    const idx = labelledIndices(shape);
    const out: (LooResult | null)[] = new Array(this.keypointCount).fill(null);
    if (idx.length < 3) return out;
    const pattern = idx.join(',');
    for (const k of idx) {
      const others = idx.filter((i) => i !== k);
      const m = this.model(pattern, others, k);
      if (!m) continue;
      const o = pick(shape, others);
      const t = fitSimilarity(o, m.template);
      if (!t) continue;
      const f: number[] = [];
      for (let i = 0; i < others.length; i++) {
        const [x, y] = apply(t, o[2 * i], o[2 * i + 1]);
        f.push(x - m.template[2 * i], y - m.template[2 * i + 1]);
      }
      const [px, py] = predict(m, f);
      const [ax, ay] = apply(t, shape[2 * k], shape[2 * k + 1]);
      const d2 = mahal2(m.cov, ax - px, ay - py);
      const [ex, ey] = apply(invert(t), px, py);
      out[k] = { expected: [ex, ey], distancePx: Math.hypot(shape[2 * k] - ex, shape[2 * k + 1] - ey), d2, covPx: covInImage(m.cov, t) };
    }
    return out;
  }
}

export interface LooResult {
  /** Where the other keypoints put this one, in image pixels. */
  expected: [number, number];
  distancePx: number;
  /** Squared Mahalanobis distance of the label from that expectation (about chi-square(2) for a good label). */
  d2: number;
  /** The spread of that expectation's error, in image pixels (the residual covariance brought back from the aligned frame). */
  covPx: Cov2;
}

/**
 * Generalised Procrustes analysis. The start is the mean of the shapes with position and size removed but not
 * rotation (faces are mostly upright), never one shape: that one could be a mirrored error.
 */
function procrustes(O: number[][]): { template: number[]; transforms: (Similarity | null)[]; aligned: (number[] | null)[] } | null {
  const start = new Array<number>(O[0].length).fill(0);
  for (const o of O) normalise(o).forEach((v, i) => (start[i] += v / O.length));
  let template = normalise(start);
  let transforms: (Similarity | null)[] = [];
  let aligned: (number[] | null)[] = [];
  for (let it = 0; it < 5; it++) {
    transforms = O.map((o) => fitSimilarity(o, template));
    aligned = O.map((o, r) => {
      const t = transforms[r];
      if (!t) return null;
      const a: number[] = [];
      for (let i = 0; i < o.length / 2; i++) a.push(...apply(t, o[2 * i], o[2 * i + 1]));
      return a;
    });
    if (it === 4) break;
    const acc = new Array<number>(template.length).fill(0);
    let cnt = 0;
    for (const a of aligned) {
      if (!a) continue;
      a.forEach((v, i) => (acc[i] += v));
      cnt += 1;
    }
    if (cnt === 0) return null;
    template = normalise(acc.map((v) => v / cnt));
  }
  return { template, transforms, aligned };
}

function predict(m: LooModel, f: number[]): [number, number] {
  let x = m.c[0], y = m.c[1];
  if (m.W) {
    for (let j = 0; j < f.length; j++) {
      x += m.W[j][0] * f[j];
      y += m.W[j][1] * f[j];
    }
  }
  return [x, y];
}

function regress(feats: number[][], targets: [number, number][], rows: number[], useRegression: boolean, ridge: number): { c: [number, number]; W: number[][] | null } {
  const n = rows.length;
  let cx = 0, cy = 0;
  for (const r of rows) {
    cx += targets[r][0];
    cy += targets[r][1];
  }
  cx /= n; cy /= n;
  if (!useRegression) return { c: [cx, cy], W: null };
  const d = feats[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += feats[r][j] / n;
  const A = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const B = Array.from({ length: d }, () => [0, 0]);
  for (const r of rows) {
    const f = feats[r];
    const tx = targets[r][0] - cx, ty = targets[r][1] - cy;
    for (let i = 0; i < d; i++) {
      const fi = f[i] - mean[i];
      B[i][0] += fi * tx;
      B[i][1] += fi * ty;
      for (let j = 0; j < d; j++) A[i][j] += fi * (f[j] - mean[j]);
    }
  }
  let trace = 0;
  for (let i = 0; i < d; i++) trace += A[i][i];
  // trace / d is n times the mean feature variance.
  const W = solve(A, B, (ridge * trace) / (d * n) + 1e-12);
  // Intercept so that the fit passes through the means.
  let ix = cx, iy = cy;
  for (let j = 0; j < d; j++) {
    ix -= W[j][0] * mean[j];
    iy -= W[j][1] * mean[j];
  }
  return { c: [ix, iy], W };
}

function residuals(feats: number[][], targets: [number, number][], fit: { c: [number, number]; W: number[][] | null }): number[] {
  const res: number[] = [];
  feats.forEach((f, i) => {
    const [px, py] = predict({ c: fit.c, W: fit.W } as LooModel, f);
    res.push(targets[i][0] - px, targets[i][1] - py);
  });
  return res;
}

function rmsRadius(p: number[]): number {
  const n = p.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += p[2 * i] / n;
    my += p[2 * i + 1] / n;
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += (p[2 * i] - mx) ** 2 + (p[2 * i + 1] - my) ** 2;
  return Math.sqrt(s / n);
}

/** Centred at the origin with unit RMS radius. */
function normalise(p: number[]): number[] {
  const n = p.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += p[2 * i] / n;
    my += p[2 * i + 1] / n;
  }
  const r = rmsRadius(p) || 1;
  return p.map((v, i) => (v - (i % 2 === 0 ? mx : my)) / r);
}

export function labelledIndices(shape: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let k = 0; k < shape.length / 2; k++) if (Number.isFinite(shape[2 * k]) && Number.isFinite(shape[2 * k + 1])) out.push(k);
  return out;
}

/** The shape with the given flip pairs exchanged (labels move between the names of each pair). */
export function swapPairs(shape: ArrayLike<number>, pairs: [number, number][]): Float64Array {
  const out = Float64Array.from(shape);
  for (const [a, b] of pairs) {
    out[2 * a] = shape[2 * b];
    out[2 * a + 1] = shape[2 * b + 1];
    out[2 * b] = shape[2 * a];
    out[2 * b + 1] = shape[2 * a + 1];
  }
  return out;
}

/** True when exchanging the pairs changes the shape (some pair has a labelled member). */
export function swapChanges(shape: ArrayLike<number>, pairs: [number, number][]): boolean {
  return pairs.some(([a, b]) => Number.isFinite(shape[2 * a]) || Number.isFinite(shape[2 * b]));
}
