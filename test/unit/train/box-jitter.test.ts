// Bounding-box jitter of photo crops: a jittered crop cut from the context square shows the face where its moved targets say.
import { describe, expect, it } from 'vitest';
import { cropResize, jitteredCrop, toNormalised } from '../../../src-main/train/data.js';
import { FACE_CROP_RULE } from '../../../src-main/train/facecrop.js';

function centroid(img: Float32Array, S: number): [number, number] {
  let s = 0, sx = 0, sy = 0;
  for (let r = 0; r < S; r++) {
    for (let c = 0; c < S; c++) {
      const v = Math.max(0, img[r * S + c] - 0.05);
      s += v;
      sx += v * c;
      sy += v * r;
    }
  }
  // Model pixel centre -> normalised [-1, 1].
  return [(2 * (sx / s + 0.5)) / 32 - 1, (2 * (sy / s + 0.5)) / 32 - 1];
}

describe('bounding-box jitter', () => {
  const W = 300, H = 300, S = 32;
  const px = new Uint8Array(W * H);
  for (let y = 116; y <= 124; y++) for (let x = 146; x <= 154; x++) px[y * W + x] = 255;
  const crop = { x0: 80, y0: 60, side: 150 };
  const C = Math.round(S * FACE_CROP_RULE.context);
  const context = { size: C, rows: new Int32Array([0]), images: new Float32Array(C * C) };
  cropResize(px, W, H, FACE_CROP_RULE.contextBox(crop), C, context.images, 0);
  const truth = () => new Float32Array([toNormalised(150, crop.x0, crop.side), toNormalised(120, crop.y0, crop.side), NaN, NaN]);

  for (const j of [{ dx: 0, dy: 0, scale: 1 }, { dx: 0.05, dy: -0.04, scale: 1.1 }, { dx: -0.05, dy: 0.05, scale: 1 / 1.1 }]) {
    it(`moves the targets with the crop (shift ${j.dx}, ${j.dy}, scale ${j.scale.toFixed(3)})`, () => {
      const out = new Float32Array(S * S);
      const t = truth();
      jitteredCrop(context, 0, S, j, out, 0, t);
      const [u, v] = centroid(out, S);
      expect(Math.abs(u - t[0])).toBeLessThan(0.03);
      expect(Math.abs(v - t[1])).toBeLessThan(0.03);
      // Missing targets stay missing.
      expect(Number.isNaN(t[2]) && Number.isNaN(t[3])).toBe(true);
    });
  }

  it('draws shifts within +-5% of the crop and scales within 1/1.1..1.1, and the context covers every draw', () => {
    for (const u of [0, 0.25, 0.5, 0.999]) {
      const j = FACE_CROP_RULE.drawJitter(u, 1 - u, u);
      expect(Math.abs(j.dx)).toBeLessThanOrEqual(FACE_CROP_RULE.jitter.shift);
      expect(j.scale).toBeGreaterThanOrEqual(1 / FACE_CROP_RULE.jitter.scale - 1e-12);
      expect(j.scale).toBeLessThanOrEqual(FACE_CROP_RULE.jitter.scale + 1e-12);
    }
    expect(FACE_CROP_RULE.jitter.scale / 2 + FACE_CROP_RULE.jitter.shift).toBeLessThanOrEqual(FACE_CROP_RULE.context / 2);
  });
});
