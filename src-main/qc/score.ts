// Label-quality scoring: combines shape evidence, model disagreement and left/right swap tests into one ranked queue with reasons.
// Pure (no I/O): the pipeline (qc/pipeline.ts) gathers the shapes and the cross-validated predictions.
import type { KeypointSchema } from '../core/types.js';
import type { KeypointBlame, QcItem, QcKind, QcMove, QcSwap } from '../api/qc.js';
import { interOcular } from './inject.js';
import { labelledIndices, mahal2, robustCov2, ShapePopulation, swapChanges, swapPairs, type Cov2, type LooResult } from './shape.js';

export interface QcInputSample {
  id: number;
  /** Labelled keypoints, flat [x0, y0, ...] in image pixels, NaN where missing (occluded points count as labelled). */
  shape: Float64Array;
  /** A prediction by a model that did not train on this sample (same layout), or null. */
  prediction: Float64Array | null;
  /** Where the prediction came from, for the reason text (`fold 2 of 4`, `run <id>`). */
  predictionSource?: string;
}

export interface ScoreOptions {
  /** Score (-log10 p) above which a keypoint's evidence becomes a reason; default 2 (p < 1%). */
  reasonThreshold?: number;
  /**
   * Evidence (-log10 likelihood ratio) above which an exchange of left and right is reported; default 3. An exchange
   * of one pair must also beat the best single-keypoint move by this much.
   */
  swapThreshold?: number;
  /**
   * Degrees of freedom of the heavy-tailed (Student t) error model per evidence source; default 10 (4 before the
   * sharper shape model: see docs/qc.md), Infinity = Gaussian.
   */
  tailDf?: number;
  /**
   * Fewest labelled keypoints with a prediction for which each keypoint's prediction is first re-placed by the
   * similarity that best maps the prediction's other keypoints onto their labels (see alignPrediction); default 6,
   * Infinity = use the predictions as they are.
   */
  alignFrom?: number;
  /** Scale each sample's model residuals to the project's median inter-ocular distance (of the predictions); default true. */
  faceScale?: boolean;
  /**
   * How a keypoint's shape and model evidence are joined: 'fuse' (default) weighs the two expectations by their
   * spreads into one and tests the label against it; 'fisher' turns each into a p-value and joins them by Fisher's method.
   */
  combine?: 'fuse' | 'fisher';
}

const LN10 = Math.log(10);

/** log of the survival function of chi-square with 2 or 4 degrees of freedom at x (the sum of one or two 2-D distances). */
function logSurvival(x: number, df: 2 | 4): number {
  if (!(x > 0)) return 0;
  return df === 2 ? -x / 2 : -x / 2 + Math.log1p(x / 2);
}

/**
 * log survival of a squared 2-D distance under a bivariate Student t with `nu` degrees of freedom (heavy tails: real
 * faces and real model errors have more large deviations than a Gaussian); Infinity gives the Gaussian (chi-square 2).
 */
function logTail(d2: number, nu: number): number {
  if (!(d2 > 0)) return 0;
  return Number.isFinite(nu) ? (-nu / 2) * Math.log1p(d2 / nu) : -d2 / 2;
}

function fmt(v: number, digits = 1): string {
  return v.toFixed(digits);
}

/** Per keypoint: squared Mahalanobis distance of the label from the prediction, under that keypoint's robust error covariance. */
function modelD2(cov: (Cov2 | null)[], shape: ArrayLike<number>, pred: ArrayLike<number> | null, k: number, f = 1): number | null {
  if (!pred || !cov[k]) return null;
  const px = pred[2 * k], py = pred[2 * k + 1];
  if (!Number.isFinite(px) || !Number.isFinite(py) || !Number.isFinite(shape[2 * k])) return null;
  return mahal2(cov[k] as Cov2, f * (shape[2 * k] - px), f * (shape[2 * k + 1] - py));
}

/**
 * One expectation from two: where the other labels put keypoint k (shape, spread `sh.covPx`) and where the model put it
 * (spread `mcov`, in face-scaled units: divided by f^2 to pixels), weighed by their precisions as two independent
 * estimates of the true point; returns the label's squared Mahalanobis distance from it under the joint spread. A noisy
 * source gets little weight, so it neither hides what the other sees nor adds noise of its own (Fisher's method on the
 * two p-values lets a source that says nothing dilute one that is sure). Null when a spread is degenerate.
 */
function fusedD2(sh: LooResult, pred: ArrayLike<number>, mcov: Cov2, f: number, shape: ArrayLike<number>, k: number): number | null {
  const inv = (c: Cov2): Cov2 | null => {
    const det = c.sxx * c.syy - c.sxy * c.sxy;
    return det > 0 ? { sxx: c.syy / det, sxy: -c.sxy / det, syy: c.sxx / det } : null;
  };
  const si = inv(sh.covPx);
  const mi = inv({ sxx: mcov.sxx / (f * f), sxy: mcov.sxy / (f * f), syy: mcov.syy / (f * f) });
  if (!si || !mi) return null;
  const ci: Cov2 = { sxx: si.sxx + mi.sxx, sxy: si.sxy + mi.sxy, syy: si.syy + mi.syy };
  const c = inv(ci);
  if (!c) return null;
  const [ex, ey] = sh.expected;
  const mx = pred[2 * k], my = pred[2 * k + 1];
  const bx = si.sxx * ex + si.sxy * ey + mi.sxx * mx + mi.sxy * my;
  const by = si.sxy * ex + si.syy * ey + mi.sxy * mx + mi.syy * my;
  const fx = c.sxx * bx + c.sxy * by, fy = c.sxy * bx + c.syy * by;
  return mahal2(c, shape[2 * k] - fx, shape[2 * k + 1] - fy);
}

/**
 * The prediction with each keypoint k re-placed by the least-squares similarity (rotation, scale, shift) that maps the
 * prediction's *other* labelled keypoints onto their labels. A model's errors on one face are mostly shared by all
 * its points (the whole face placed a little off, too big, turned): that part says nothing about one label, and
 * removing it leaves the residual of k against its own labelled neighbours, where a moved point stands out. Leaving k
 * out of its own fit keeps the moved point from pulling the fit towards itself. Keypoints without a label keep the
 * raw prediction. Returns the input when fewer than `minPoints` keypoints have both.
 */
export function alignPrediction(shape: ArrayLike<number>, pred: ArrayLike<number>, minPoints: number): Float64Array {
  const out = Float64Array.from(pred);
  const both: number[] = [];
  for (let k = 0; k < shape.length / 2; k++) {
    if (Number.isFinite(shape[2 * k]) && Number.isFinite(shape[2 * k + 1]) && Number.isFinite(pred[2 * k]) && Number.isFinite(pred[2 * k + 1])) both.push(k);
  }
  if (both.length < Math.max(3, minPoints)) return out;
  // Sums over all points; each keypoint's fit subtracts its own terms (closed-form least-squares similarity).
  let n = 0, px = 0, py = 0, lx = 0, ly = 0, pp = 0, pl = 0, pc = 0;
  for (const k of both) {
    const a = pred[2 * k], b = pred[2 * k + 1], c = shape[2 * k], d = shape[2 * k + 1];
    n += 1; px += a; py += b; lx += c; ly += d; pp += a * a + b * b; pl += a * c + b * d; pc += a * d - b * c;
  }
  for (const k of both) {
    const a = pred[2 * k], b = pred[2 * k + 1], c = shape[2 * k], d = shape[2 * k + 1];
    const m = n - 1;
    const mpx = (px - a) / m, mpy = (py - b) / m, mlx = (lx - c) / m, mly = (ly - d) / m;
    const var_ = pp - a * a - b * b - m * (mpx * mpx + mpy * mpy);
    if (!(var_ > 1e-9)) continue;
    const s1 = (pl - (a * c + b * d) - m * (mpx * mlx + mpy * mly)) / var_;
    const s2 = (pc - (a * d - b * c) - m * (mpx * mly - mpy * mlx)) / var_;
    const qx = a - mpx, qy = b - mpy;
    out[2 * k] = mlx + s1 * qx - s2 * qy;
    out[2 * k + 1] = mly + s2 * qx + s1 * qy;
  }
  return out;
}

/** The summed evidence against a version of the labels (the original or an exchanged one): Σ of the 2-D distances. */
function cost(pop: ShapePopulation, loo: (LooResult | null)[], mcov: (Cov2 | null)[], shape: ArrayLike<number>, pred: ArrayLike<number> | null, keys: number[], f: number): number {
  let c = pop.patternCost(shape) ?? 0;
  for (const k of keys) {
    const s = loo[k]?.d2;
    // Capped so that one absurd point does not decide on its own: a swap moves several.
    if (s !== undefined) c += Math.min(s, 400);
    const m = modelD2(mcov, shape, pred, k, f);
    if (m !== null) c += Math.min(m, 400);
  }
  return c;
}

/**
 * Ranks samples by how likely one of their labels is wrong. Three kinds of evidence:
 * shape (each keypoint predicted from the other labelled ones by the population's shapes), model (distance from a
 * held-out prediction, normalised by that keypoint's robust error spread over the project) and swap (the labels fit
 * far better with the schema's left/right pairs exchanged). Returns every assessable sample, most suspect first.
 */
export function scoreSamples(input: QcInputSample[], schema: KeypointSchema, opts: ScoreOptions = {}): QcItem[] {
  const K = schema.keypoints.length;
  const alignFrom = opts.alignFrom ?? 6;
  const samples = Number.isFinite(alignFrom) ? input.map((s) => (s.prediction ? { ...s, prediction: alignPrediction(s.shape, s.prediction, alignFrom) } : s)) : input;
  const reasonAt = opts.reasonThreshold ?? 2;
  const swapAt = opts.swapThreshold ?? 3;
  const nu = opts.tailDf ?? 10;
  const combine = opts.combine ?? 'fuse';
  const pop = new ShapePopulation(samples.map((s) => s.shape), K);
  // Model errors in units of the project's typical face: each sample's residuals scaled by the median inter-ocular
  // distance over its own (from the prediction, which a label error cannot change), as a small face's errors and
  // its annotator's are as many pixels smaller. Without eye keypoints, pixels.
  const iodOf = new Map<number, number>();
  if (opts.faceScale !== false) {
    for (const s of samples) {
      const d = s.prediction ? interOcular(s.prediction, schema) : NaN;
      if (d > 0) iodOf.set(s.id, d);
    }
  }
  const iods = [...iodOf.values()].sort((a, b) => a - b);
  const typicalIod = iods.length > 0 ? iods[iods.length >> 1] : NaN;
  const scaleOf = (s: QcInputSample): number => {
    const d = iodOf.get(s.id);
    return d !== undefined && typicalIod > 0 ? typicalIod / d : 1;
  };
  // Robust spread of model errors per keypoint, over every sample with a label and a prediction there.
  const mcov: (Cov2 | null)[] = [];
  for (let k = 0; k < K; k++) {
    const res: number[] = [];
    for (const s of samples) {
      const p = s.prediction;
      if (!p || !Number.isFinite(p[2 * k]) || !Number.isFinite(s.shape[2 * k])) continue;
      const f = scaleOf(s);
      res.push(f * (s.shape[2 * k] - p[2 * k]), f * (s.shape[2 * k + 1] - p[2 * k + 1]));
    }
    mcov.push(robustCov2(res, 0.05));
  }
  // Swap hypotheses: all pairs at once (a mirrored annotation) and each pair alone.
  const pairs = schema.flipPairs.filter(([a, b]) => a !== b);
  const hypotheses: [number, number][][] = pairs.length > 0 ? [pairs, ...(pairs.length > 1 ? pairs.map((p) => [p]) : [])] : [];
  const groupPairs = sameGroupPairs(schema);

  const items: QcItem[] = [];
  for (const s of samples) {
    const keys = labelledIndices(s.shape);
    if (keys.length === 0) continue;
    const f = scaleOf(s);
    const loo = pop.leaveOneOut(s.shape);
    const blames: KeypointBlame[] = [];
    let worstLog = 0;
    let tests = 0;
    for (const k of keys) {
      const sh = loo[k];
      const md = modelD2(mcov, s.shape, s.prediction, k, f);
      if (!sh && md === null) continue;
      tests += 1;
      // Both sources: one expectation weighed by their spreads, tested under a heavy tail (fusedD2). One source, or
      // 'fisher': each distance to a heavy-tailed p-value, joined by Fisher's method.
      const lps = [sh ? logTail(sh.d2, nu) : null, md !== null ? logTail(md, nu) : null].filter((v): v is number => v !== null);
      const fd = combine !== 'fisher' && sh && md !== null ? fusedD2(sh, s.prediction as ArrayLike<number>, mcov[k] as Cov2, f, s.shape, k) : null;
      const fisher = lps.length === 1 ? lps[0] : logSurvival(-2 * (lps[0] + lps[1]), 4);
      const lp = fd === null ? fisher : logTail(fd, nu);
      worstLog = Math.min(worstLog, lp);
      const p = s.prediction;
      blames.push({
        index: k,
        name: schema.keypoints[k]?.name ?? `#${k}`,
        score: -lp / LN10,
        shapeExpected: sh ? sh.expected : null,
        shapeDistancePx: sh ? sh.distancePx : null,
        predicted: md !== null && p ? [p[2 * k], p[2 * k + 1]] : null,
        modelDistancePx: md !== null && p ? Math.hypot(s.shape[2 * k] - p[2 * k], s.shape[2 * k + 1] - p[2 * k + 1]) : null,
      });
    }
    if (tests === 0) continue;
    blames.sort((a, b) => b.score - a.score);
    // Bonferroni over the keypoints tested: a 15-point face gets 15 chances to look odd by luck, a 4-point one 4.
    let score = Math.max(0, -(worstLog + Math.log(tests)) / LN10);

    let swap: QcSwap | null = null;
    const costOf = (shape: Float64Array): number => cost(pop, pop.leaveOneOut(shape), mcov, shape, s.prediction, labelledIndices(shape), f);
    const base = cost(pop, loo, mcov, s.shape, s.prediction, keys, f);
    // The best that moving one keypoint can do: each of the most suspect keypoints put where its evidence says.
    let moveCost: number | null = null;
    const bestMoveCost = (): number => {
      if (moveCost !== null) return moveCost;
      moveCost = base;
      for (const b of blames.slice(0, 3)) {
        const to = b.predicted ?? b.shapeExpected;
        if (!to) continue;
        const alt = Float64Array.from(s.shape);
        alt[2 * b.index] = to[0];
        alt[2 * b.index + 1] = to[1];
        moveCost = Math.min(moveCost, costOf(alt));
      }
      return moveCost;
    };
    for (const h of hypotheses) {
      if (!swapChanges(s.shape, h)) continue;
      const altCost = costOf(swapPairs(s.shape, h));
      // Likelihood ratio of two chi-square sums: exp(-(alt - base) / 2).
      const correction = Math.log10(hypotheses.length);
      const evidence = (base - altCost) / 2 / LN10 - correction;
      if (!(evidence > swapAt) || (swap && evidence <= swap.evidence)) continue;
      // One pair alone must also beat moving one keypoint; the whole mirror moves them all, which no single move can.
      const onePair = h.length === 1 && pairs.length > 1;
      const versusMove = onePair ? (bestMoveCost() - altCost) / 2 / LN10 - correction : null;
      if (versusMove === null || versusMove > swapAt) swap = { kind: 'flip', pairs: h, evidence, versusMove };
    }
    // Two keypoints of one group exchanged (one eye's corners, two mouth points): tested only for flagged samples (the
    // pairs grow with the square of a group's size), and reported only when the exchange explains the labels far
    // better than moving any single keypoint: otherwise the one-point fix is the honest one. Flagged also by the
    // whole-shape fit alone: two samples with the same exchange can teach the leave-one-out regression to expect it.
    const pc = groupPairs.length > 0 ? pop.patternCost(s.shape) : null;
    const flagged = (blames[0]?.score ?? 0) >= reasonAt || (pc !== null && chi2Score(pc, 2 * keys.length) >= reasonAt);
    const within = flagged ? groupPairs.filter(([a, b]) => keys.includes(a) && keys.includes(b)) : [];
    for (const pr of within) {
      const altCost = costOf(swapPairs(s.shape, [pr]));
      const correction = Math.log10(within.length);
      const evidence = (base - altCost) / 2 / LN10 - correction;
      if (!(evidence > swapAt) || (swap && evidence <= swap.evidence)) continue;
      const versusMove = (bestMoveCost() - altCost) / 2 / LN10 - correction;
      if (versusMove > swapAt) swap = { kind: 'group', pairs: [pr], evidence, versusMove };
    }
    const kinds = new Set<QcKind>();
    const reasons: string[] = [];
    if (swap) {
      kinds.add('swap');
      score = Math.max(score, swap.evidence);
      const names = swap.pairs.map(([a, b]) => `${schema.keypoints[a]?.name}<->${schema.keypoints[b]?.name}`);
      if (swap.kind === 'group') {
        const [a, b] = swap.pairs[0];
        reasons.push(
          `swapped keypoints: the labels fit ${likelihood(swap.evidence)} better with ${schema.keypoints[a]?.name} and ${schema.keypoints[b]?.name} exchanged (${likelihood(swap.versusMove ?? 0)} better than moving any one keypoint)`,
        );
      } else {
        reasons.push(
          swap.pairs.length === pairs.length && pairs.length > 1
            ? `left/right swap: the labels fit ${likelihood(swap.evidence)} better with every left and right keypoint exchanged`
            : `left/right swap: the labels fit ${likelihood(swap.evidence)} better with ${names.join(', ')} exchanged`,
        );
      }
    }
    const inSwap = (k: number): boolean => swap !== null && swap.pairs.some(([x, y]) => x === k || y === k);
    for (const b of blames.slice(0, 3)) {
      if (b.score < reasonAt) break;
      if (inSwap(b.index)) continue;
      const sh = loo[b.index];
      const shapeScore = sh ? -logTail(sh.d2, nu) / LN10 : 0;
      const md = modelD2(mcov, s.shape, s.prediction, b.index, f);
      const modelScore = md !== null ? -logTail(md, nu) / LN10 : 0;
      if (sh && shapeScore >= reasonAt - 0.5) {
        kinds.add('shape');
        reasons.push(`${b.name}: ${fmt(b.shapeDistancePx ?? 0)} px from where the other labelled keypoints put it (unusual shape, p=${pval(shapeScore)})`);
      }
      if (md !== null && modelScore >= reasonAt - 0.5) {
        kinds.add('model');
        reasons.push(`${b.name}: ${fmt(b.modelDistancePx ?? 0)} px from the prediction of a model that did not train on it${s.predictionSource ? ` (${s.predictionSource})` : ''} (p=${pval(modelScore)})`);
      }
      if (!(sh && shapeScore >= reasonAt - 0.5) && !(md !== null && modelScore >= reasonAt - 0.5)) {
        kinds.add(sh ? 'shape' : 'model');
        reasons.push(`${b.name}: unusual for both its shape and the model's prediction together (p=${pval(b.score)})`);
      }
    }
    // A move is offered only with evidence against the label, never for a keypoint the swap explains (moving one of
    // two exchanged points next to the other is what the swap fix avoids).
    let move: QcMove | null = null;
    const mb = blames.slice(0, 3).find((b) => !inSwap(b.index));
    const target = mb?.predicted ?? mb?.shapeExpected;
    if (mb && target && mb.score >= reasonAt) {
      const from: [number, number] = [s.shape[2 * mb.index], s.shape[2 * mb.index + 1]];
      move = { index: mb.index, name: mb.name, to: target, source: mb.predicted ? 'model' : 'shape', from, distancePx: Math.hypot(from[0] - target[0], from[1] - target[1]), score: mb.score };
    }
    items.push({ sampleId: s.id, score, kinds: [...kinds], reasons, suspect: swap ? swap.pairs[0][0] : (blames[0]?.index ?? null), keypoints: blames, swap, move });
  }
  items.sort((a, b) => b.score - a.score || a.sampleId - b.sampleId);
  return items;
}

/** Every pair of keypoints in the same schema group that is not a flip pair (those are the left/right tests'). */
export function sameGroupPairs(schema: KeypointSchema): [number, number][] {
  const flips = new Set(schema.flipPairs.map(([a, b]) => `${Math.min(a, b)},${Math.max(a, b)}`));
  const out: [number, number][] = [];
  const kps = schema.keypoints;
  for (let a = 0; a < kps.length; a++) {
    for (let b = a + 1; b < kps.length; b++) if (kps[a].group === kps[b].group && !flips.has(`${a},${b}`)) out.push([a, b]);
  }
  return out;
}

/** -log10 of chi-square(df)'s upper tail at x, by the Wilson-Hilferty normal approximation (a gate, not a reported figure). */
export function chi2Score(x: number, df: number): number {
  if (!(x > 0) || !(df > 0)) return 0;
  const v = 2 / (9 * df);
  const z = (Math.cbrt(x / df) - (1 - v)) / Math.sqrt(v);
  return -Math.log10(normalTail(z));
}

/** Upper tail of the standard normal (erfc by Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function normalTail(z: number): number {
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const e = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return (x >= 0 ? e : 2 - e) / 2;
}

function pval(score: number): string {
  // Below 1e-4 only the order of magnitude means anything (and 10^-score underflows for large scores).
  return score >= 4 ? `<1e-${Math.floor(score)}` : (10 ** -score).toPrecision(1);
}

function likelihood(evidence: number): string {
  return evidence > 12 ? 'over 10^12 times' : `${(10 ** evidence).toPrecision(2)} times`;
}
