// Evaluation in pixels of the original image: RMSE overall and per keypoint, NME, PCK, worst samples, bias/variance reading.
import type { KeypointSchema } from '../core/types.js';
import { faceNormalisers } from '../core/schema.js';

export type { KeypointMetric, EvalMetrics, FaceAlignmentMetrics } from '../api/run-types.js';
import type { EvalMetrics, FaceAlignmentMetrics, KeypointMetric } from '../api/run-types.js';

export const FAILURE_NME = 0.1;
export const AUC_LIMIT = 0.08;
/** CED thresholds: 0 to 0.15 in steps of 0.0025. */
export const CED_THRESHOLDS = Array.from({ length: 61 }, (_, i) => Math.round(i * 25) / 10000);

/** Area under the CED of these per-sample NMEs from 0 to `limit`, over `limit` (exact for the step function). */
export function cedAuc(nmes: readonly number[], limit = AUC_LIMIT): number | null {
  if (nmes.length === 0) return null;
  let s = 0;
  for (const e of nmes) s += Math.max(0, limit - e);
  return s / (nmes.length * limit);
}

/** Fraction of samples with NME <= each threshold. */
export function cedCurve(nmes: readonly number[], thresholds: readonly number[] = CED_THRESHOLDS): { nme: number[]; fraction: number[] } | null {
  if (nmes.length === 0) return null;
  return { nme: [...thresholds], fraction: thresholds.map((t) => nmes.filter((e) => e <= t).length / nmes.length) };
}

export const PCK_THRESHOLDS = [0.05, 0.1, 0.2];
export const PCK_PX_THRESHOLDS = [1, 2, 4, 8];

/**
 * Indices (within the evaluated keypoints) of the subject's left and right eye: the `*eye_center*` points when the schema
 * has them, else every eye-group point of each side (averaged). Null when the schema has no usable eyes.
 */
export function eyeIndices(schema: KeypointSchema, keypointIndices: number[]): { left: number[]; right: number[] } | null {
  const pick = (side: 'left' | 'right'): number[] => {
    const inSet = keypointIndices.map((k, j) => ({ k, j })).filter(({ k }) => schema.keypoints[k].group === 'eye' && schema.keypoints[k].side === side);
    const centres = inSet.filter(({ k }) => /eye_cent(er|re)/.test(schema.keypoints[k].name));
    return (centres.length > 0 ? centres : inSet).map(({ j }) => j);
  };
  const left = pick('left');
  const right = pick('right');
  return left.length > 0 && right.length > 0 ? { left, right } : null;
}

function meanPoint(xy: Float32Array, base: number, idx: number[]): [number, number] | null {
  let sx = 0, sy = 0;
  for (const j of idx) {
    const x = xy[base + 2 * j], y = xy[base + 2 * j + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    sx += x;
    sy += y;
  }
  return [sx / idx.length, sy / idx.length];
}

type Pt = [number, number];

/** Per-sample normalising distances (outer eye corners, pupils) from the labels; null where they cannot be measured. */
function faceDistances(schema: KeypointSchema, keypointIndices: number[]) {
  const norms = faceNormalisers(schema);
  const pos = new Map(keypointIndices.map((k, j) => [k, j]));
  const all = (idx: number[]) => (idx.every((k) => pos.has(k)) ? idx.map((k) => pos.get(k) as number) : null);
  const point = (xy: Float32Array, base: number, j: number): Pt | null => {
    const x = xy[base + 2 * j], y = xy[base + 2 * j + 1];
    return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
  };
  const centre = (xy: Float32Array, base: number, idx: number[]): Pt | null => {
    const pts = idx.map((j) => point(xy, base, j));
    if (pts.some((p) => p === null)) return null;
    return [pts.reduce((a, p) => a + (p as Pt)[0], 0) / pts.length, pts.reduce((a, p) => a + (p as Pt)[1], 0) / pts.length];
  };
  const o = norms.outer;
  const outerIdx = o ? (o.kind === 'points' ? all([o.left, o.right]) : all([...o.left, ...o.right])) : null;
  const pupilL = norms.pupil ? all(norms.pupil.left) : null;
  const pupilR = norms.pupil ? all(norms.pupil.right) : null;
  const dist = (a: Pt | null, b: Pt | null) => (a && b ? Math.hypot(a[0] - b[0], a[1] - b[1]) : null);
  return {
    headline: norms.headline,
    outer(truth: Float32Array, base: number): number | null {
      if (!o || !outerIdx) return null;
      if (o.kind === 'points') return dist(point(truth, base, outerIdx[0]), point(truth, base, outerIdx[1]));
      const l = outerIdx.slice(0, o.left.length), r = outerIdx.slice(o.left.length);
      const lc = centre(truth, base, l), rc = centre(truth, base, r);
      if (!lc || !rc) return null;
      // Each eye's outer corner: its contour point farthest from the other eye's centre.
      const far = (idx: number[], other: Pt): Pt => idx.map((j) => point(truth, base, j) as Pt).reduce((best, p) => (Math.hypot(p[0] - other[0], p[1] - other[1]) > Math.hypot(best[0] - other[0], best[1] - other[1]) ? p : best));
      return dist(far(l, rc), far(r, lc));
    },
    pupil(truth: Float32Array, base: number): number | null {
      return pupilL && pupilR ? dist(centre(truth, base, pupilL), centre(truth, base, pupilR)) : null;
    },
  };
}

/** Compares predictions with labels, both N x 2K in original pixels (NaN = missing label). */
export function evaluatePredictions(pred: Float32Array, truth: Float32Array, sampleIds: number[], schema: KeypointSchema, keypointIndices: number[], worstCount = 10): EvalMetrics {
  const n = sampleIds.length;
  const k = keypointIndices.length;
  const sq = new Float64Array(k);
  const cnt = new Float64Array(k);
  let sumSq = 0, values = 0, sumDist = 0, points = 0;
  const eyes = eyeIndices(schema, keypointIndices);
  let nmeSum = 0, nmeCount = 0;
  const pckHits = PCK_THRESHOLDS.map(() => 0);
  let pckTotal = 0;
  const pxHits = PCK_PX_THRESHOLDS.map(() => 0);
  const perSample: { sampleId: number; mean_error_px: number }[] = [];
  const fd = faceDistances(schema, keypointIndices);
  const groupOf = keypointIndices.map((ki) => schema.keypoints[ki].group);
  const groupNames = [...new Set(groupOf)];
  const groupSum = new Map(groupNames.map((g) => [g, 0]));
  const groupCount = new Map(groupNames.map((g) => [g, 0]));
  const nmeOuter: number[] = [];
  const nmePupil: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * 2 * k;
    const dOuter = fd.outer(truth, base);
    const dPupil = fd.pupil(truth, base);
    const outerOk = dOuter !== null && dOuter > 0;
    let iod: number | null = null;
    if (eyes) {
      const l = meanPoint(truth, base, eyes.left), r = meanPoint(truth, base, eyes.right);
      if (l && r) {
        const d = Math.hypot(l[0] - r[0], l[1] - r[1]);
        if (d > 0) iod = d;
      }
    }
    let sDist = 0, sPts = 0;
    for (let j = 0; j < k; j++) {
      const tx = truth[base + 2 * j], ty = truth[base + 2 * j + 1];
      const px = pred[base + 2 * j], py = pred[base + 2 * j + 1];
      if (Number.isFinite(tx)) {
        sq[j] += (px - tx) ** 2;
        cnt[j] += 1;
      }
      if (Number.isFinite(ty)) {
        sq[j] += (py - ty) ** 2;
        cnt[j] += 1;
      }
      if (Number.isFinite(tx) && Number.isFinite(ty)) {
        const d = Math.hypot(px - tx, py - ty);
        sDist += d;
        sPts += 1;
        if (outerOk) {
          groupSum.set(groupOf[j], (groupSum.get(groupOf[j]) as number) + d / (dOuter as number));
          groupCount.set(groupOf[j], (groupCount.get(groupOf[j]) as number) + 1);
        }
        PCK_PX_THRESHOLDS.forEach((t, ti) => (pxHits[ti] += d <= t ? 1 : 0));
        if (iod !== null) {
          pckTotal += 1;
          PCK_THRESHOLDS.forEach((t, ti) => (pckHits[ti] += d <= t * iod! ? 1 : 0));
        }
      }
    }
    if (sPts > 0) {
      sumDist += sDist;
      points += sPts;
      perSample.push({ sampleId: sampleIds[i], mean_error_px: sDist / sPts });
      if (outerOk) nmeOuter.push(sDist / sPts / (dOuter as number));
      if (dPupil !== null && dPupil > 0) nmePupil.push(sDist / sPts / dPupil);
      if (iod !== null) {
        nmeSum += sDist / sPts / iod;
        nmeCount += 1;
      }
    }
  }
  for (let j = 0; j < k; j++) {
    sumSq += sq[j];
    values += cnt[j];
  }
  perSample.sort((a, b) => b.mean_error_px - a.mean_error_px);
  const pck: Record<string, number | null> = {};
  PCK_THRESHOLDS.forEach((t, ti) => (pck[String(t)] = pckTotal > 0 ? pckHits[ti] / pckTotal : null));
  const pck_px: Record<string, number | null> = {};
  PCK_PX_THRESHOLDS.forEach((t, ti) => (pck_px[String(t)] = points > 0 ? pxHits[ti] / points : null));
  const mean = (v: number[]) => (v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const face: FaceAlignmentMetrics | null =
    fd.headline === 'rmse_px' && nmeOuter.length === 0 && nmePupil.length === 0
      ? null
      : {
          samples: nmeOuter.length,
          nme_outer: mean(nmeOuter),
          nme_pupil: mean(nmePupil),
          failure_rate: nmeOuter.length > 0 ? nmeOuter.filter((e) => e > FAILURE_NME).length / nmeOuter.length : null,
          auc: cedAuc(nmeOuter),
          ced: cedCurve(nmeOuter),
          groups: groupNames.map((g) => ({ group: g, nme: (groupCount.get(g) as number) > 0 ? (groupSum.get(g) as number) / (groupCount.get(g) as number) : null, points: groupCount.get(g) as number })),
        };
  const rmse = values > 0 ? Math.sqrt(sumSq / values) : null;
  return {
    samples: n,
    values,
    rmse_px: rmse,
    mean_error_px: points > 0 ? sumDist / points : null,
    perKeypoint: keypointIndices.map((ki, j) => ({ index: ki, name: schema.keypoints[ki].name, rmse_px: cnt[j] > 0 ? Math.sqrt(sq[j] / cnt[j]) : null, labelled: cnt[j] / 2 })),
    nme: nmeCount > 0 ? nmeSum / nmeCount : null,
    pck,
    pck_px,
    worst: perSample.slice(0, worstCount),
    face,
    headline: { metric: fd.headline, value: fd.headline === 'nme_outer' ? (face?.nme_outer ?? null) : rmse },
  };
}

/** Mean error per sample (pixels), or null where the sample has no labelled point: stored with each prediction. */
export function perSampleError(pred: Float32Array, truth: Float32Array, i: number, k: number): number | null {
  let s = 0, c = 0;
  const base = i * 2 * k;
  for (let j = 0; j < k; j++) {
    const tx = truth[base + 2 * j], ty = truth[base + 2 * j + 1];
    if (Number.isFinite(tx) && Number.isFinite(ty)) {
      s += Math.hypot(pred[base + 2 * j] - tx, pred[base + 2 * j + 1] - ty);
      c += 1;
    }
  }
  return c > 0 ? s / c : null;
}

/**
 * One line on bias and variance from train, validation and the mean-shape baseline RMSE (pixels):
 * high bias when training error stays near the baseline; high variance when validation is well above training.
 */
export function biasVarianceReading(trainRmse: number | null, valRmse: number | null, baselineRmse: number | null): string {
  if (trainRmse === null || valRmse === null) return 'not enough labelled data to compare training and validation error';
  const gap = valRmse - trainRmse;
  const rel = gap / Math.max(1e-9, valRmse);
  if (baselineRmse !== null && trainRmse > 0.7 * baselineRmse) {
    return `high bias: training RMSE ${trainRmse.toFixed(2)} px is close to the mean-shape baseline ${baselineRmse.toFixed(2)} px; train longer or use a larger model`;
  }
  if (rel > 0.3) return `high variance: validation RMSE ${valRmse.toFixed(2)} px is ${(rel * 100).toFixed(0)}% above training ${trainRmse.toFixed(2)} px; add augmentation, data or regularisation`;
  return `balanced: validation ${valRmse.toFixed(2)} px vs training ${trainRmse.toFixed(2)} px (gap ${gap.toFixed(2)} px)`;
}

/** Mean shape of the training rows in normalised coordinates (per value, over labelled rows): the baseline predictor. */
export function meanShape(targets: Float32Array, rows: number[], k: number): Float32Array {
  const sum = new Float64Array(2 * k);
  const cnt = new Float64Array(2 * k);
  for (const r of rows) {
    for (let j = 0; j < 2 * k; j++) {
      const v = targets[r * 2 * k + j];
      if (Number.isFinite(v)) {
        sum[j] += v;
        cnt[j] += 1;
      }
    }
  }
  return Float32Array.from(sum, (s, j) => (cnt[j] > 0 ? s / cnt[j] : 0));
}
