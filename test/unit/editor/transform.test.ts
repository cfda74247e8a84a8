import { describe, expect, it } from 'vitest';
import {
  fitTransform,
  imageRect,
  imageToScreen,
  panBy,
  rememberZoom,
  restoreZoom,
  roundCoord,
  screenToImage,
  zoomAbout,
  zoomBy,
  MAX_SCALE,
} from '../../../src-renderer/editor/transform.js';

describe('editor transform (screen = offset + scale * (image + 0.5))', () => {
  it('puts pixel centres at integers: pixel 0 spans the first `scale` screen pixels after the offset', () => {
    const t = { scale: 8, offsetX: 10, offsetY: 20 };
    expect(imageToScreen(t, { x: 0, y: 0 })).toEqual({ x: 14, y: 24 });
    expect(imageToScreen(t, { x: -0.5, y: -0.5 })).toEqual({ x: 10, y: 20 });
    expect(imageRect(t, { width: 96, height: 96 })).toEqual({ x: 10, y: 20, width: 768, height: 768 });
    expect(imageToScreen(t, { x: 95.5, y: 95.5 })).toEqual({ x: 10 + 768, y: 20 + 768 });
  });

  it('screenToImage inverts imageToScreen at any scale', () => {
    for (const t of [{ scale: 0.37, offsetX: -3, offsetY: 11 }, { scale: 6.25, offsetX: 100.5, offsetY: -40 }, { scale: 17, offsetX: 0, offsetY: 0 }]) {
      for (const p of [{ x: 0, y: 0 }, { x: 47.25, y: 12.5 }, { x: -0.5, y: 95.5 }]) {
        const back = screenToImage(t, imageToScreen(t, p));
        expect(back.x).toBeCloseTo(p.x, 10);
        expect(back.y).toBeCloseTo(p.y, 10);
      }
    }
  });

  it('fits a 96x96 face into a wide view, centred, upscaled', () => {
    const t = fitTransform({ width: 96, height: 96 }, { width: 1000, height: 600 }, 12);
    expect(t.scale).toBeCloseTo((600 - 24) / 96, 10);
    expect(t.offsetX).toBeCloseTo((1000 - t.scale * 96) / 2, 10);
    expect(t.offsetY).toBeCloseTo(12, 10);
  });

  it('zooming about a point keeps the image point under it fixed', () => {
    const t = fitTransform({ width: 96, height: 96 }, { width: 800, height: 800 });
    const anchor = { x: 313, y: 207 };
    const before = screenToImage(t, anchor);
    const z = zoomAbout(t, t.scale * 3, anchor);
    const after = screenToImage(z, anchor);
    expect(z.scale).toBeCloseTo(t.scale * 3, 10);
    expect(after.x).toBeCloseTo(before.x, 10);
    expect(after.y).toBeCloseTo(before.y, 10);
    const out = zoomBy(z, -2, anchor);
    expect(out.scale).toBeCloseTo((t.scale * 3) / 1.5625, 10);
  });

  it('clamps the scale', () => {
    const t = zoomAbout({ scale: 1, offsetX: 0, offsetY: 0 }, 1e6, { x: 0, y: 0 });
    expect(t.scale).toBe(MAX_SCALE);
  });

  it('pans by screen pixels', () => {
    expect(panBy({ scale: 2, offsetX: 1, offsetY: 2 }, 5, -7)).toEqual({ scale: 2, offsetX: 6, offsetY: -5 });
  });

  it('remembers zoom relative to the fit and restores it for another view size', () => {
    const image = { width: 96, height: 96 };
    const view = { width: 800, height: 600 };
    const fit = fitTransform(image, view);
    const zoomed = zoomAbout(fit, fit.scale * 2, { x: 300, y: 250 });
    const z = rememberZoom(zoomed, image, view);
    expect(z.factor).toBeCloseTo(2, 10);
    const restored = restoreZoom(z, image, view);
    expect(restored.scale).toBeCloseTo(zoomed.scale, 8);
    expect(restored.offsetX).toBeCloseTo(zoomed.offsetX, 8);
    expect(restored.offsetY).toBeCloseTo(zoomed.offsetY, 8);
    // Same image point at the centre of a different view.
    const other = { width: 400, height: 400 };
    const r2 = restoreZoom(z, image, other);
    const c1 = screenToImage(zoomed, { x: 400, y: 300 });
    const c2 = screenToImage(r2, { x: 200, y: 200 });
    expect(c2.x).toBeCloseTo(c1.x, 8);
    expect(c2.y).toBeCloseTo(c1.y, 8);
  });

  it('rounds stored coordinates to 1/100 pixel without float noise', () => {
    expect(roundCoord(30.000000001)).toBe(30);
    expect(roundCoord(0.286)).toBe(0.29);
    expect(String(roundCoord(12.345678))).toBe('12.35');
  });
});
