// Photo crop for the model: the transform round-trips, pixels land where the transform says, and photos decode upright.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { cropForModel, cropTransform, mapBack, mapToModel, squareFromBox, squareFromLandmarks, squareFromLandmarkBox, FRAMINGS, loadPhoto, type PhotoImage } from '../../../src-main/train/infer/index.js';
import { KpsError } from '../../../src-main/core/errors.js';

/** A grey photo with a Gaussian dot (peak 255) at each point on a dark background. */
function dotPhoto(width: number, height: number, points: { x: number; y: number }[], sigma: number, channels: 1 | 3 = 1): PhotoImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const p of points) v += Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * sigma * sigma));
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = Math.round(Math.min(1, v) * 255);
    }
  }
  return { data, width, height, channels, source: 'synthetic' };
}

function centroid(px: Float32Array, size: number, x: number, y: number, r: number): { x: number; y: number } {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let v = Math.max(0, Math.round(y) - r); v <= Math.min(size - 1, Math.round(y) + r); v++) {
    for (let u = Math.max(0, Math.round(x) - r); u <= Math.min(size - 1, Math.round(x) + r); u++) {
      const w = px[v * size + u];
      sw += w;
      sx += w * u;
      sy += w * v;
    }
  }
  return { x: sx / sw, y: sy / sw };
}

describe('crop transform', () => {
  it('mapBack(mapToModel(p)) returns p within 1e-3 px for random crops and points', () => {
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    let worst = 0;
    for (let trial = 0; trial < 500; trial++) {
      const W = 100 + Math.floor(rnd() * 4000);
      const H = 100 + Math.floor(rnd() * 3000);
      const square = { cx: rnd() * W, cy: rnd() * H, side: 10 + rnd() * Math.max(W, H) };
      const size = [48, 96, 128, 224][trial % 4];
      const t = cropTransform(square, size, W, H);
      const pts = Array.from({ length: 30 }, () => rnd() * Math.max(W, H) * 1.2 - 100);
      const back = mapBack(mapToModel(pts, t), t);
      for (let i = 0; i < pts.length; i++) worst = Math.max(worst, Math.abs(back[i] - pts[i]));
      const model = Array.from({ length: 30 }, () => rnd() * size);
      const again = mapToModel(mapBack(model, t), t);
      for (let i = 0; i < model.length; i++) worst = Math.max(worst, Math.abs(again[i] - model[i]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('the crop square edges map to the model image edges (pixel centres at integers)', () => {
    const t = cropTransform({ cx: 200, cy: 150, side: 120 }, 96, 640, 480);
    // The square spans photo x in [140, 260]; its left edge is model x = -0.5, its right edge 95.5.
    expect(mapToModel([140, 90], t)).toEqual([expect.closeTo(-0.5, 9), expect.closeTo(-0.5, 9)]);
    expect(mapToModel([260, 210], t)).toEqual([expect.closeTo(95.5, 9), expect.closeTo(95.5, 9)]);
    expect(mapBack([47.5, 47.5], t)).toEqual([expect.closeTo(200, 9), expect.closeTo(150, 9)]);
  });

  it('mapBack keeps other fields of point objects, and NaN (not predicted) stays NaN', () => {
    const t = cropTransform({ cx: 50, cy: 60, side: 40 }, 96, 100, 100);
    const out = mapBack([{ x: 10, y: 20, state: 'labelled' as const }, { x: NaN, y: NaN, state: 'missing' as const }], t);
    expect(out[0].state).toBe('labelled');
    expect(out[0].x).toBeCloseTo(30 + (10.5 * 40) / 96, 9);
    expect(Number.isNaN(out[1].x)).toBe(true);
    expect(() => mapBack([1, 2, 3], t)).toThrow(KpsError);
  });

  it('squareFromBox applies the framing in box widths', () => {
    const sq = squareFromBox({ x: 99.5, y: 49.5, width: 200, height: 230 }, FRAMINGS['kaggle-ssd']);
    expect(sq.side).toBeCloseTo(200 * FRAMINGS['kaggle-ssd'].side, 9);
    expect(sq.cx).toBeCloseTo(99.5 + 200 * FRAMINGS['kaggle-ssd'].cx, 9);
    expect(sq.cy).toBeCloseTo(49.5 + 200 * FRAMINGS['kaggle-ssd'].cy, 9);
    expect(() => squareFromBox({ x: 0, y: 0, width: 0, height: 10 }, FRAMINGS.loose)).toThrow(/no area/);
  });
});

describe('squareFromLandmarks', () => {
  it('puts the eyes and the lower lip of a Kaggle-mean face back at the Kaggle mean positions', () => {
    // A Kaggle mean face drawn 3.2x larger at (400, 250) in a photo, as 68 iBUG landmarks (eyes 36-47, lower lip 57).
    const toPhoto = (x: number, y: number) => ({ x: 400 + 3.2 * x, y: 250 + 3.2 * y });
    const pts = Array.from({ length: 68 }, () => toPhoto(48, 60));
    for (let i = 36; i <= 41; i++) pts[i] = toPhoto(29.64 + (i % 2 ? 3 : -3), 37.06);
    for (let i = 42; i <= 47; i++) pts[i] = toPhoto(66.22 + (i % 2 ? 3 : -3), 36.84);
    pts[57] = toPhoto(48.15, 82.63);
    const sq = squareFromLandmarks(pts);
    expect(sq).not.toBeNull();
    const t = cropTransform(sq!, 96, 1000, 800);
    const [rx, ry, lx, ly, mx, my] = mapToModel([...Object.values(toPhoto(29.64, 37.06)), ...Object.values(toPhoto(66.22, 36.84)), ...Object.values(toPhoto(48.15, 82.63))], t);
    // The face scale is the geometric mean of two distances, so a mean face comes back to within a small fraction of a pixel.
    expect(Math.hypot(rx - 29.64, ry - 37.06)).toBeLessThan(0.3);
    expect(Math.hypot(lx - 66.22, ly - 36.84)).toBeLessThan(0.3);
    expect(Math.hypot(mx - 48.15, my - 82.63)).toBeLessThan(0.3);
  });

  it('squareFromLandmarkBox grows the landmarks\' box by the margin on each side, like the training crops', () => {
    const pts = [
      { x: 100, y: 50 },
      { x: 180, y: 90 },
      { x: 140, y: 170 },
    ];
    expect(squareFromLandmarkBox(pts, 0.25)).toEqual({ cx: 140, cy: 110, side: 120 * 1.5 });
    expect(squareFromLandmarkBox([{ x: 1, y: 1 }], 0.2)).toBeNull();
  });

  it('rejects too few landmarks and eyes implausibly close for the box', () => {
    expect(squareFromLandmarks([{ x: 1, y: 1 }])).toBeNull();
    const pts = Array.from({ length: 68 }, (_, i) => ({ x: 100 + (i >= 42 && i <= 47 ? 5 : 0), y: 100 + (i === 57 ? 30 : 0) }));
    expect(squareFromLandmarks(pts, { width: 200 })).toBeNull();
    expect(squareFromLandmarks(pts, { width: 20 })).not.toBeNull();
  });
});

describe('cropForModel pixels', () => {
  const cases: [string, number, number, number][] = [
    // name, photo size, crop side, dot sigma (in photo pixels)
    ['downscaling a large photo (side 480 -> 96)', 800, 480, 6],
    ['upscaling a small face (side 48 -> 96)', 160, 48, 1],
    ['same scale', 200, 96, 1.5],
  ];
  for (const [name, photoSize, side, sigma] of cases) {
    it(`dots are found within 0.5 px of their mapped positions: ${name}`, () => {
      const cx = photoSize * 0.55;
      const cy = photoSize * 0.45;
      const pts = [
        { x: cx - side * 0.25, y: cy - side * 0.2 },
        { x: cx + side * 0.22, y: cy - side * 0.18 },
        { x: cx + 0.3, y: cy + side * 0.25 },
      ];
      const photo = dotPhoto(photoSize, photoSize, pts, sigma, 3);
      const crop = cropForModel(photo, { cx, cy, side }, 96);
      expect(crop.pixels.length).toBe(96 * 96);
      const mapped = mapToModel(pts, crop.transform);
      const r = Math.ceil((4 * sigma * 96) / side) + 1;
      for (const m of mapped) {
        const c = centroid(crop.pixels, 96, m.x, m.y, r);
        expect(Math.hypot(c.x - m.x, c.y - m.y)).toBeLessThan(0.5);
      }
      const max = crop.pixels.reduce((a, v) => Math.max(a, v), 0);
      expect(max).toBeGreaterThan(0.3);
      expect(max).toBeLessThanOrEqual(1);
    });
  }

  it('a crop reaching past the photo edge repeats the edge pixels', () => {
    const photo: PhotoImage = { data: new Uint8Array(50 * 50).fill(0), width: 50, height: 50, channels: 1, source: 's' };
    for (let y = 0; y < 50; y++) photo.data[y * 50] = 200; // bright left column
    const crop = cropForModel(photo, { cx: 0, cy: 25, side: 40 }, 40);
    // Model columns left of the photo's edge (photo x < 0) repeat the bright column.
    expect(crop.pixels[20 * 40 + 5]).toBeCloseTo(200 / 255, 3);
    expect(crop.pixels[20 * 40 + 35]).toBeCloseTo(0, 3);
  });

  it('rejects a bad model size', () => {
    const photo: PhotoImage = { data: new Uint8Array(4), width: 2, height: 2, channels: 1, source: 's' };
    expect(() => cropForModel(photo, { cx: 1, cy: 1, side: 2 }, 3)).toThrow(/input size/);
  });
});

describe('loadPhoto', () => {
  it('decodes RGB and grey PNGs and applies the EXIF orientation', async () => {
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw[(y * 40 + x) * 3] = x < 10 ? 255 : 0; // red band on the left
    const png = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).png().toBuffer();
    const rgb = await loadPhoto(png);
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([40, 20, 3]);
    expect(rgb.data[0]).toBe(255);
    // Orientation 6 means "rotate 90 degrees clockwise to display": the photo comes back 20 x 40, band on top.
    const jpg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const upright = await loadPhoto(jpg);
    expect([upright.width, upright.height]).toEqual([20, 40]);
    expect(upright.data[(2 * 20 + 10) * 3]).toBeGreaterThan(200);
    expect(upright.data[(35 * 20 + 10) * 3]).toBeLessThan(50);
    const greyPng = await sharp(Buffer.alloc(30 * 10, 128), { raw: { width: 30, height: 10, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const grey = await loadPhoto(greyPng);
    expect(grey.channels).toBe(1);
    expect(grey.data[17]).toBe(128);
  });

  it('an unreadable file is a KpsError naming the file', async () => {
    await expect(loadPhoto('/nonexistent/face.jpg')).rejects.toThrow(/\/nonexistent\/face\.jpg: cannot read the photo/);
    await expect(loadPhoto(new Uint8Array([1, 2, 3, 4]))).rejects.toBeInstanceOf(KpsError);
  });
});
