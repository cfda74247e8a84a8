// A linear map from the pretrained net's 68 iBUG points to any layout's keypoints: ridge regression in a face-normalised frame.
//
// The frame comes from the 68 points alone (centroid, RMS radius, eye-line angle), so the map does not depend on where the
// face is in the photo, how big it is or its roll. Features are the 136 normalised coordinates; each target keypoint's x and
// y in the same frame is a ridge regression on them with an unpenalised intercept (its mean), so with a large penalty the
// map falls back to the mean shape placed by the 68 points. The penalty is chosen by exact leave-one-out error.
import { KpsError } from '../../core/errors.js';
import type { PretrainedHeldOut, PretrainedMapping as Mapping } from '../../api/pretrained.js';

export type { PretrainedMapping as Mapping } from '../../api/pretrained.js';

/** What the map needs of a schema: its keypoints' names. */
export interface NamedKeypoints {
  keypoints: readonly { name: string }[];
}

/** Number of points of the pretrained net. */
export const P68 = 68;
const F = 2 * P68;

/** Similarity frame of a face: photo point p -> ((p - c) rotated by -angle) / scale. */
export interface FaceFrame {
  cx: number;
  cy: number;
  scale: number;
  angle: number;
}

function meanOf(p: ArrayLike<number>, a: number, b: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = a; i <= b; i++) {
    x += p[2 * i];
    y += p[2 * i + 1];
  }
  return [x / (b - a + 1), y / (b - a + 1)];
}

/** The frame of 68 points (flat [x0, y0, ...]): centroid, RMS distance to it, angle of the line from the image-left eye to the other. */
export function faceFrame(p68: ArrayLike<number>): FaceFrame {
  if (p68.length !== F) throw new KpsError('bad-input', `expected ${F} coordinates of 68 points, got ${p68.length}`);
  const [cx, cy] = meanOf(p68, 0, P68 - 1);
  let r = 0;
  for (let i = 0; i < P68; i++) r += (p68[2 * i] - cx) ** 2 + (p68[2 * i + 1] - cy) ** 2;
  const scale = Math.sqrt(r / P68);
  const [rx, ry] = meanOf(p68, 36, 41);
  const [lx, ly] = meanOf(p68, 42, 47);
  const angle = Math.atan2(ly - ry, lx - rx);
  if (!(scale > 0) || !Number.isFinite(angle)) throw new KpsError('bad-input', 'the 68 points have no extent (all at one place)');
  return { cx, cy, scale, angle };
}

/** Flat photo coordinates into the frame (NaN stays NaN). */
export function toFrame(f: FaceFrame, coords: ArrayLike<number>): Float64Array {
  const c = Math.cos(-f.angle);
  const s = Math.sin(-f.angle);
  const out = new Float64Array(coords.length);
  for (let i = 0; i < coords.length; i += 2) {
    const dx = coords[i] - f.cx;
    const dy = coords[i + 1] - f.cy;
    out[i] = (c * dx - s * dy) / f.scale;
    out[i + 1] = (s * dx + c * dy) / f.scale;
  }
  return out;
}

/** Flat frame coordinates back to photo pixels. */
export function fromFrame(f: FaceFrame, coords: ArrayLike<number>): number[] {
  const c = Math.cos(f.angle);
  const s = Math.sin(f.angle);
  const out = new Array<number>(coords.length);
  for (let i = 0; i < coords.length; i += 2) {
    const x = coords[i] * f.scale;
    const y = coords[i + 1] * f.scale;
    out[i] = c * x - s * y + f.cx;
    out[i + 1] = s * x + c * y + f.cy;
  }
  return out;
}

/** One labelled face for fitting: the net's 68 points and the project's labels (flat, NaN where missing), both photo pixels. */
export interface MappingSample {
  id: number;
  p68: ArrayLike<number>;
  target: ArrayLike<number>;
  /** Person or source group: folds never split a group. */
  group?: string | null;
  /** Detector box, for the box-placed mean-shape baseline. */
  box?: { x: number; y: number; width: number; height: number } | null;
}

/** A face is an outlier when its labels sit this far from the mean shape in the frame (frame units: the RMS radius of the 68 points), and 3x the median. */
export const OUTLIER_FRAME_DISTANCE = 0.3;

/**
 * Faces whose labels are far from where the 68 points put the mean shape: the net looked at something else (another
 * face, a failed detection). Judged against the mean shape of the others, so one bad face cannot hide itself.
 */
export function outlierIndices(samples: readonly MappingSample[], K: number): number[] {
  const frames = samples.map((s) => toFrame(faceFrame(s.p68), s.target));
  const dist = (mean: number[], t: Float64Array) => {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < K; k++) {
      if (!Number.isFinite(t[2 * k]) || !Number.isFinite(mean[2 * k])) continue;
      sum += Math.hypot(t[2 * k] - mean[2 * k], t[2 * k + 1] - mean[2 * k + 1]);
      n++;
    }
    return n > 0 ? sum / n : 0;
  };
  let keep = samples.map(() => true);
  for (let round = 0; round < 2; round++) {
    const mean = meanShapeInFrame(samples.filter((_, i) => keep[i]), K);
    const d = frames.map((t) => dist(mean, t));
    const sorted = [...d].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)];
    keep = d.map((v) => !(v > OUTLIER_FRAME_DISTANCE && v > 3 * med));
  }
  return keep.flatMap((k, i) => (k ? [] : [i]));
}

/** Fewest labelled faces a keypoint needs before it is mapped. */
export const MIN_SAMPLES = 3;
/** Penalties tried (relative), chosen by leave-one-out error. */
export const LAMBDAS = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 1e3, 1e4, 1e6];

/** Symmetric eigen-decomposition by cyclic Jacobi: a = V diag(d) V^T (a is n x n row-major; destroyed). */
function eigSym(a: Float64Array, n: number): { d: Float64Array; v: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    }
    if (off <= 1e-22 * (diag + 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  return { d, v };
}

interface Prepared {
  x: Float64Array[];
  y: Float64Array[];
}

function prepare(samples: readonly MappingSample[]): Prepared {
  const x: Float64Array[] = [];
  const y: Float64Array[] = [];
  for (const s of samples) {
    const f = faceFrame(s.p68);
    x.push(toFrame(f, s.p68));
    y.push(toFrame(f, s.target));
  }
  return { x, y };
}

/**
 * Fits the map on labelled faces. One penalty for all keypoints, chosen by exact leave-one-out squared error in the
 * frame over every labelled target (the hat matrix of ridge with an intercept is 11^T/n + Xc (Xc^T Xc + lambda I)^-1 Xc^T).
 */
export function fitMapping(all: readonly MappingSample[], K: number, lambdas: readonly number[] = LAMBDAS): Mapping {
  if (all.length < MIN_SAMPLES) throw new KpsError('bad-input', `the pretrained mapping needs at least ${MIN_SAMPLES} labelled faces with a detected face, got ${all.length}`);
  for (const s of all) if (s.target.length !== 2 * K) throw new KpsError('bad-input', `sample ${s.id}: expected ${2 * K} label coordinates, got ${s.target.length}`);
  const out = new Set(outlierIndices(all, K));
  const outliers = [...out].map((i) => all[i].id);
  const samples = all.filter((_, i) => !out.has(i));
  if (samples.length < MIN_SAMPLES) throw new KpsError('bad-input', `the pretrained mapping needs at least ${MIN_SAMPLES} labelled faces whose detected face matches the labels, got ${samples.length} (${outliers.length} left out)`);
  const { x, y } = prepare(samples);
  const n = samples.length;
  const mu = new Float64Array(F);
  for (const xi of x) for (let j = 0; j < F; j++) mu[j] += xi[j] / n;
  // Keypoints grouped by which samples label them: one decomposition per group.
  const groups = new Map<string, number[]>();
  for (let k = 0; k < K; k++) {
    const mask = y.map((yi) => (Number.isFinite(yi[2 * k]) && Number.isFinite(yi[2 * k + 1]) ? '1' : '0')).join('');
    if (!groups.has(mask)) groups.set(mask, []);
    groups.get(mask)!.push(k);
  }
  type Fit = { rows: number[]; xc: Float64Array[]; d: Float64Array; v: Float64Array; ks: number[] };
  const fits: Fit[] = [];
  for (const [mask, ks] of groups) {
    const rows = [...mask].flatMap((c, i) => (c === '1' ? [i] : []));
    if (rows.length < MIN_SAMPLES) continue;
    const m = new Float64Array(F);
    for (const r of rows) for (let j = 0; j < F; j++) m[j] += x[r][j] / rows.length;
    const xc = rows.map((r) => x[r].map((v, j) => v - m[j]));
    const g = new Float64Array(F * F);
    for (const xi of xc) for (let a = 0; a < F; a++) for (let b = a; b < F; b++) g[a * F + b] += xi[a] * xi[b];
    for (let a = 0; a < F; a++) for (let b = 0; b < a; b++) g[a * F + b] = g[b * F + a];
    const { d, v } = eigSym(g, F);
    fits.push({ rows, xc, d, v, ks });
  }
  // Scale of the penalty: the mean feature variance times the sample count (trace of Xc^T Xc / F).
  const scaleOf = (f: Fit) => Math.max(1e-12, f.d.reduce((a, b) => a + Math.max(0, b), 0) / F);
  // Projections of each row onto the eigenvectors, and of the centred targets.
  const proj = fits.map((f) => f.xc.map((xi) => {
    const p = new Float64Array(F);
    for (let j = 0; j < F; j++) {
      let acc = 0;
      for (let a = 0; a < F; a++) acc += xi[a] * f.v[a * F + j];
      p[j] = acc;
    }
    return p;
  }));
  const targets = fits.map((f, fi) => f.ks.map((k) => {
    const ty = [0, 0];
    for (const r of f.rows) {
      ty[0] += y[r][2 * k] / f.rows.length;
      ty[1] += y[r][2 * k + 1] / f.rows.length;
    }
    const yc = f.rows.map((r) => [y[r][2 * k] - ty[0], y[r][2 * k + 1] - ty[1]]);
    // Z^T yc in the eigenbasis (F x 2).
    const zy = new Float64Array(F * 2);
    f.rows.forEach((_, i) => {
      for (let j = 0; j < F; j++) {
        zy[2 * j] += proj[fi][i][j] * yc[i][0];
        zy[2 * j + 1] += proj[fi][i][j] * yc[i][1];
      }
    });
    return { k, mean: ty, yc, zy };
  }));
  let best = lambdas[0];
  let bestErr = Infinity;
  for (const rel of lambdas) {
    let err = 0;
    fits.forEach((f, fi) => {
      const lam = rel * scaleOf(f);
      const P = proj[fi];
      const h = P.map((p) => {
        let acc = 1 / f.rows.length;
        for (let j = 0; j < F; j++) acc += (p[j] * p[j]) / (Math.max(0, f.d[j]) + lam);
        return acc;
      });
      for (const t of targets[fi]) {
        P.forEach((p, i) => {
          let fx = 0;
          let fy = 0;
          for (let j = 0; j < F; j++) {
            const w = p[j] / (Math.max(0, f.d[j]) + lam);
            fx += w * t.zy[2 * j];
            fy += w * t.zy[2 * j + 1];
          }
          const den = Math.max(1e-9, 1 - h[i]);
          err += ((t.yc[i][0] - fx) / den) ** 2 + ((t.yc[i][1] - fy) / den) ** 2;
        });
      }
    });
    if (err < bestErr) {
      bestErr = err;
      best = rel;
    }
  }
  const keypoints: Mapping['keypoints'] = new Array(K).fill(null);
  fits.forEach((f, fi) => {
    const lam = best * scaleOf(f);
    // The group's feature mean differs from mu when it has fewer rows: fold the difference into the intercept.
    const m = new Float64Array(F);
    for (const r of f.rows) for (let j = 0; j < F; j++) m[j] += x[r][j] / f.rows.length;
    for (const t of targets[fi]) {
      const w = new Array<number>(F * 2).fill(0);
      for (let j = 0; j < F; j++) {
        const cx = t.zy[2 * j] / (Math.max(0, f.d[j]) + lam);
        const cy = t.zy[2 * j + 1] / (Math.max(0, f.d[j]) + lam);
        for (let a = 0; a < F; a++) {
          w[2 * a] += f.v[a * F + j] * cx;
          w[2 * a + 1] += f.v[a * F + j] * cy;
        }
      }
      let bx = t.mean[0];
      let by = t.mean[1];
      for (let a = 0; a < F; a++) {
        bx += w[2 * a] * (mu[a] - m[a]);
        by += w[2 * a + 1] * (mu[a] - m[a]);
      }
      keypoints[t.k] = { mean: [bx, by], weights: w, samples: f.rows.length };
    }
  });
  return { mu: [...mu], keypoints, lambda: best, samples: n, outliers };
}

/** The project's keypoints predicted from the net's 68 points (photo pixels, NaN for keypoints the map lacks). */
export function applyMapping(m: Mapping, p68: ArrayLike<number>): number[] {
  const f = faceFrame(p68);
  const x = toFrame(f, p68);
  const out = new Array<number>(2 * m.keypoints.length).fill(NaN);
  m.keypoints.forEach((kp, k) => {
    if (!kp) return;
    let px = kp.mean[0];
    let py = kp.mean[1];
    for (let a = 0; a < F; a++) {
      const xa = x[a] - m.mu[a];
      px += kp.weights[2 * a] * xa;
      py += kp.weights[2 * a + 1] * xa;
    }
    out[2 * k] = px;
    out[2 * k + 1] = py;
  });
  return fromFrame(f, out);
}

/** Mean shape in the 68-point frame: the map with an infinite penalty. */
export function meanShapeInFrame(samples: readonly MappingSample[], K: number): number[] {
  const acc = new Float64Array(2 * K);
  const cnt = new Float64Array(K);
  for (const s of samples) {
    const t = toFrame(faceFrame(s.p68), s.target);
    for (let k = 0; k < K; k++) {
      if (!Number.isFinite(t[2 * k]) || !Number.isFinite(t[2 * k + 1])) continue;
      acc[2 * k] += t[2 * k];
      acc[2 * k + 1] += t[2 * k + 1];
      cnt[k]++;
    }
  }
  return [...acc].map((v, i) => (cnt[i >> 1] > 0 ? v / cnt[i >> 1] : NaN));
}

/** Mean shape in detector-box units ((p - box centre) / box width): what a face detector alone gives, without landmarks. */
export function meanShapeInBox(samples: readonly MappingSample[], K: number): number[] | null {
  const acc = new Float64Array(2 * K);
  const cnt = new Float64Array(K);
  for (const s of samples) {
    if (!s.box) return null;
    const cx = s.box.x + s.box.width / 2;
    const cy = s.box.y + s.box.height / 2;
    for (let k = 0; k < K; k++) {
      const x = s.target[2 * k];
      const y = s.target[2 * k + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      acc[2 * k] += (x - cx) / s.box.width;
      acc[2 * k + 1] += (y - cy) / s.box.width;
      cnt[k]++;
    }
  }
  return [...acc].map((v, i) => (cnt[i >> 1] > 0 ? v / cnt[i >> 1] : NaN));
}

/**
 * Indices of the keypoints whose farthest pair gives the outer-eye-corner distance: the keypoints named `left_eye*` and
 * `right_eye*` (any layout that names its eyes so: all the built-in ones). Null when the schema names no eyes.
 */
export function eyeKeypoints(schema: NamedKeypoints): { left: number[]; right: number[] } | null {
  const left: number[] = [];
  const right: number[] = [];
  schema.keypoints.forEach((k, i) => {
    const n = k.name.toLowerCase();
    if (/^left_eye(?!brow)/.test(n) && !n.includes('pupil')) left.push(i);
    else if (/^right_eye(?!brow)/.test(n) && !n.includes('pupil')) right.push(i);
  });
  return left.length > 0 && right.length > 0 ? { left, right } : null;
}

/**
 * The NME normaliser of one face: the outer-eye-corner distance, from the labels (the farthest labelled left-eye /
 * right-eye pair), else from the net's 68 points (36 and 45, the 300-W outer corners). NaN when neither is available.
 */
export function outerEyeDistance(eyes: { left: number[]; right: number[] } | null, target: ArrayLike<number>, p68?: ArrayLike<number> | null): number {
  let best = NaN;
  if (eyes) {
    for (const l of eyes.left) {
      for (const r of eyes.right) {
        const d = Math.hypot(target[2 * l] - target[2 * r], target[2 * l + 1] - target[2 * r + 1]);
        if (Number.isFinite(d) && !(d <= best)) best = d;
      }
    }
  }
  if (Number.isFinite(best) && best > 0) return best;
  if (p68) return Math.hypot(p68[72] - p68[90], p68[73] - p68[91]);
  return NaN;
}

/** Mean point error over the labelled keypoints, divided by the normaliser; NaN when nothing to compare. */
export function sampleNme(pred: ArrayLike<number>, target: ArrayLike<number>, norm: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < target.length; i += 2) {
    if (!Number.isFinite(target[i]) || !Number.isFinite(target[i + 1]) || !Number.isFinite(pred[i]) || !Number.isFinite(pred[i + 1])) continue;
    sum += Math.hypot(pred[i] - target[i], pred[i + 1] - target[i + 1]);
    n++;
  }
  return n > 0 && norm > 0 ? sum / n / norm : NaN;
}

/** The held-out figures the service reports (api/pretrained.ts), with the predictions behind them. */
export interface HeldOutReport extends PretrainedHeldOut {
  /** Held-out predictions (photo pixels) per sample id. */
  predictions: Map<number, number[]>;
}

/** Deterministic fold of each sample: groups (person) kept whole, assigned round-robin in a seeded order. */
export function foldsOf(samples: readonly MappingSample[], folds: number, seed = 1): number[] {
  const keys = samples.map((s, i) => (s.group ? `g:${s.group}` : `s:${i}`));
  const uniq = [...new Set(keys)];
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  for (let i = uniq.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [uniq[i], uniq[j]] = [uniq[j], uniq[i]];
  }
  const foldOf = new Map(uniq.map((k, i) => [k, i % folds]));
  return keys.map((k) => foldOf.get(k)!);
}

/** Held-out error of the map by k-fold cross-validation (groups never split), next to the mean-shape baselines. */
export function crossValidate(samples: readonly MappingSample[], schema: NamedKeypoints, folds = 5, seed = 1, direct = false): HeldOutReport {
  if (direct && schema.keypoints.length !== P68) throw new KpsError('bad-input', `the net's own points can only be scored on a ${P68}-point layout, not ${schema.keypoints.length}`);
  const K = schema.keypoints.length;
  const groups = new Set(samples.map((s, i) => s.group ?? `#${i}`)).size;
  const k = Math.max(2, Math.min(folds, groups));
  if (groups < 2 || samples.length < MIN_SAMPLES + 1) throw new KpsError('bad-input', `held-out error needs at least ${MIN_SAMPLES + 1} labelled faces in 2 or more groups, got ${samples.length} in ${groups}`);
  const fold = foldsOf(samples, k, seed);
  const eyes = eyeKeypoints(schema);
  const predictions = new Map<number, number[]>();
  const nmes: number[] = [];
  const base: number[] = [];
  const boxBase: number[] = [];
  const directs: number[] = [];
  let boxes = samples.every((s) => s.box);
  for (let f = 0; f < k; f++) {
    const train = samples.filter((_, i) => fold[i] !== f);
    const test = samples.filter((_, i) => fold[i] === f);
    if (test.length === 0 || train.length < MIN_SAMPLES) continue;
    const m = fitMapping(train, K);
    const meanFrame = meanShapeInFrame(train, K);
    const meanBox = boxes ? meanShapeInBox(train, K) : null;
    if (!meanBox) boxes = false;
    for (const s of test) {
      const pred = applyMapping(m, s.p68);
      predictions.set(s.id, pred);
      const norm = outerEyeDistance(eyes, s.target, s.p68);
      const e = sampleNme(pred, s.target, norm);
      if (!Number.isFinite(e)) continue;
      nmes.push(e);
      base.push(sampleNme(fromFrame(faceFrame(s.p68), meanFrame), s.target, norm));
      if (direct) directs.push(sampleNme(s.p68, s.target, norm));
      if (meanBox && s.box) {
        const cx = s.box.x + s.box.width / 2;
        const cy = s.box.y + s.box.height / 2;
        boxBase.push(sampleNme(meanBox.map((v, i) => (i % 2 === 0 ? cx : cy) + v * s.box!.width), s.target, norm));
      }
    }
  }
  const mean = (a: number[]) => a.filter(Number.isFinite).reduce((x, y) => x + y, 0) / Math.max(1, a.filter(Number.isFinite).length);
  return { folds: k, samples: nmes.length, nme: mean(nmes), meanShapeNme: mean(base), meanShapeBoxNme: boxes && boxBase.length === nmes.length ? mean(boxBase) : null, directNme: direct ? mean(directs) : null, predictions };
}
