// Losses that ignore missing keypoints: a NaN in the target masks that value out; an empty batch costs zero, never NaN.
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';

import { LOSS_NAMES, type LossName } from '../api/run-types.js';
export { LOSS_NAMES, type LossName };

export function isLossName(s: string): s is LossName {
  return (LOSS_NAMES as readonly string[]).includes(s);
}

/** Mask (1 = labelled) and the target with its NaNs replaced by 0, so no NaN can reach a gradient. */
export function maskOf(target: tf.Tensor): { mask: tf.Tensor; clean: tf.Tensor } {
  return tf.tidy(() => {
    const missing = tf.isNaN(target);
    const mask = tf.logicalNot(missing).toFloat();
    const clean = tf.where(missing, tf.zerosLike(target), target);
    return { mask, clean };
  });
}

/** Sum of per-value losses over labelled values divided by their count (1 when there are none, so the loss is 0). */
function maskedMean(perValue: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const count = tf.maximum(tf.sum(mask), tf.scalar(1));
  return tf.div(tf.sum(tf.mul(perValue, mask)), count) as tf.Scalar;
}

export interface CoordLossOptions {
  /** Huber: the error (normalised units) where quadratic turns linear. */
  huberDelta?: number;
  /** Precomputed mask (1 = labelled); when given, `target` must hold no NaN. */
  mask?: tf.Tensor;
}

/**
 * Masked coordinate loss between predictions and targets of the same shape.
 * MSE: mean of squared errors; L1: mean absolute error; Huber: quadratic below delta, linear above.
 */
export function coordLoss(name: 'mse' | 'l1' | 'huber', pred: tf.Tensor, target: tf.Tensor, opts: CoordLossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    let mask: tf.Tensor;
    let clean: tf.Tensor;
    if (opts.mask) {
      mask = opts.mask;
      clean = target;
    } else {
      ({ mask, clean } = maskOf(target));
    }
    // Zero the error where missing before any nonlinearity, so the gradient there is exactly 0.
    const diff = tf.mul(tf.sub(pred, clean), mask);
    let per: tf.Tensor;
    if (name === 'mse') per = tf.square(diff);
    else if (name === 'l1') per = tf.abs(diff);
    else {
      const d = opts.huberDelta ?? 0.05;
      const a = tf.abs(diff);
      const quad = tf.minimum(a, d);
      // 0.5 q^2 + d (|x| - q): the usual Huber written without a branch, smooth at |x| = d.
      per = tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(d, tf.sub(a, quad)));
    }
    return maskedMean(per, mask);
  });
}

/**
 * Heatmap loss: for each labelled keypoint, KL(target || softmax(heatmap logits)) where the target is a
 * normalised Gaussian of `sigma` heatmap pixels at the true position; averaged over labelled keypoints.
 * `logits` [N, H, W, K]; `target` [N, 2K] normalised coordinates (NaN = missing).
 */
export function heatmapLoss(logits: tf.Tensor4D, target: tf.Tensor2D, sigma = 1.5): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, k] = logits.shape;
    if (target.shape[1] !== 2 * k) throw new KpsError('bad-input', `heatmap loss: ${k} heatmaps but ${target.shape[1] / 2} keypoints in the target`);
    const { mask, clean } = maskOf(target);
    const xy = clean.reshape([n, k, 2]);
    // Heatmap pixel coordinates of the target: normalised u = ((c + 0.5) / w) * 2 - 1  =>  c = (u + 1) * w / 2 - 0.5.
    const cx = tf.sub(tf.mul(tf.add(xy.slice([0, 0, 0], [n, k, 1]), 1), w / 2), 0.5).reshape([n, k, 1, 1]);
    const cy = tf.sub(tf.mul(tf.add(xy.slice([0, 0, 1], [n, k, 1]), 1), h / 2), 0.5).reshape([n, k, 1, 1]);
    const cols = tf.range(0, w).reshape([1, 1, 1, w]);
    const rows = tf.range(0, h).reshape([1, 1, h, 1]);
    const d2 = tf.add(tf.square(tf.sub(cols, cx)), tf.square(tf.sub(rows, cy)));
    const logq = tf.logSoftmax(tf.div(d2, -2 * sigma * sigma).reshape([n * k, h * w]));
    const q = tf.exp(logq);
    const logp = tf.logSoftmax(tf.transpose(logits, [0, 3, 1, 2]).reshape([n * k, h * w]));
    const kl = tf.sum(tf.mul(q, tf.sub(logq, logp)), 1).reshape([n, k]);
    // A keypoint counts when both of its coordinates are labelled.
    const kpMask = tf.min(mask.reshape([n, k, 2]), 2);
    return maskedMean(kl, kpMask);
  });
}
