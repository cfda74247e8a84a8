// A heatmap model's confidence: the share of the soft-argmax's softmax near its peak.
import { describe, expect, it } from 'vitest';
import { confidenceRadius, heatmapConfidence } from '../../../src-main/train/infer/confidence.js';

describe('heatmapConfidence', () => {
  it('is 1 for a sharp peak, (2r+1)^2 / HW for a flat map, and in between for a spread blob, per sample and keypoint', () => {
    const h = 32;
    const w = 32;
    const k = 3;
    const n = 2;
    const logits = new Float32Array(n * h * w * k);
    const at = (s: number, y: number, x: number, c: number) => ((s * h + y) * w + x) * k + c;
    for (let s = 0; s < n; s++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          logits[at(s, y, x, 0)] = x === 5 && y === 7 ? 50 : 0; // sharp
          logits[at(s, y, x, 1)] = x === 16 && y === 16 ? 1e-6 : 0; // flat (its peak inside, not at a clipped corner)
          logits[at(s, y, x, 2)] = -((x - 16) ** 2 + (y - 16) ** 2) / (2 * 4 ** 2); // gaussian, sigma 4
        }
      }
    }
    const r = confidenceRadius(h, w);
    expect(r).toBe(1);
    const c = heatmapConfidence(logits, n, h, w, k);
    expect(c).toHaveLength(n * k);
    expect(c[0]).toBeCloseTo(1, 6);
    expect(c[1]).toBeCloseTo(9 / (h * w), 6);
    // Gaussian of sigma 4 cells: the 3x3 window around the peak holds about 9 / (2 pi 16) of it.
    expect(c[2]).toBeGreaterThan(0.07);
    expect(c[2]).toBeLessThan(0.1);
    expect([...c.slice(3)]).toEqual([...c.slice(0, 3)]);
    // beta sharpens the softmax: the same blob is more certain.
    expect(heatmapConfidence(logits, n, h, w, k, 8)[2]).toBeGreaterThan(c[2] * 3);
  });

  it('scales its radius with the map: about 3% of the side', () => {
    expect(confidenceRadius(96, 96)).toBe(3);
    expect(confidenceRadius(160, 128)).toBe(4);
    expect(confidenceRadius(8, 8)).toBe(1);
  });
});
