// A heatmap model's confidence in each keypoint it predicts: how much of the soft-argmax's spatial softmax lies near
// its peak. Regression models give no such number (their output is a point, with nothing to say how sure it is).

/** Cells around the peak counted as "at the peak": about 3% of the map's side, at least one. */
export function confidenceRadius(h: number, w: number): number {
  return Math.max(1, Math.round(Math.min(h, w) / 32));
}

/**
 * Heatmap logits laid out [N, H, W, K] (the model's `heatmaps` layer) to confidences [N, K] in [0, 1]: the softmax
 * (logits times `beta`, as SoftArgmax takes them) summed over the (2r+1)^2 cells around its largest cell. 1 means all
 * the mass sits at one place; a flat map scores about (2r+1)^2 / (H W). This is the soft-argmax's own certainty, not a
 * calibrated probability of being right; docs/training.md says so.
 */
export function heatmapConfidence(logits: Float32Array, n: number, h: number, w: number, k: number, beta = 1, radius = confidenceRadius(h, w)): Float32Array {
  const out = new Float32Array(n * k);
  const cells = h * w;
  const z = new Float64Array(cells);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < k; c++) {
      let max = -Infinity;
      let at = 0;
      for (let i = 0; i < cells; i++) {
        const v = logits[(s * cells + i) * k + c] * beta;
        z[i] = v;
        if (v > max) {
          max = v;
          at = i;
        }
      }
      let total = 0;
      for (let i = 0; i < cells; i++) total += z[i] = Math.exp(z[i] - max);
      const py = Math.floor(at / w);
      const px = at % w;
      let near = 0;
      for (let y = Math.max(0, py - radius); y <= Math.min(h - 1, py + radius); y++) {
        for (let x = Math.max(0, px - radius); x <= Math.min(w - 1, px + radius); x++) near += z[y * w + x];
      }
      out[s * k + c] = total > 0 && Number.isFinite(near / total) ? Math.min(1, near / total) : 0;
    }
  }
  return out;
}
