// Augmentation keeps keypoints on their image features: dots drawn at keypoints are found again at the transformed keypoints.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Keypoint, KeypointSchema } from '../../../src-main/core/types.js';
import { Augmenter, AUGMENT_PRESETS, parseAugmentSpec, resolveAugmentParams, type AugmentParamsInput } from '../../../src-main/augment/index.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { repoRoot } from '../../helpers/data.js';
import { centroidNear, dotImage } from './dots.js';

const W = 96;
const H = 96;
/** Nine keypoints on a 3x3 grid around the centre, far enough apart that their dots never overlap. */
const GRID: Keypoint[] = [];
for (const gy of [30, 48, 66]) for (const gx of [29, 48, 67]) GRID.push({ x: gx + 0.3, y: gy - 0.2, state: 'labelled' });

const NONE = AUGMENT_PRESETS.none;
function only(overrides: AugmentParamsInput & object): AugmentParamsInput {
  return { preset: 'none', ...overrides };
}

/** Augments the dot image for many seeds and checks every surviving keypoint against its dot's centroid. */
function checkDots(params: AugmentParamsInput, seeds: number, channels = 1): { checked: number; worst: number } {
  const aug = new Augmenter({ params, keypointCount: GRID.length, seed: 1234 });
  const img = dotImage(W, H, GRID, 1.3, channels);
  let checked = 0;
  let worst = 0;
  for (let s = 0; s < seeds; s++) {
    const r = aug.apply({ data: img, width: W, height: H, channels }, GRID, s);
    for (const k of r.keypoints) {
      if (k.state === 'missing') continue;
      // Dots near the border are clipped, so their centroid is biased: only judge dots fully inside.
      if (k.x < 7 || k.y < 7 || k.x > W - 8 || k.y > H - 8) continue;
      for (let c = 0; c < channels; c++) {
        const found = centroidNear(r.image.data, W, H, k.x, k.y, 5, channels, c);
        const err = Math.hypot(found.x - k.x, found.y - k.y);
        worst = Math.max(worst, err);
        checked++;
      }
    }
  }
  return { checked, worst };
}

describe('dots stay on keypoints', () => {
  const cases: [string, AugmentParamsInput][] = [
    ['rotation', only({ rotate: { p: 1, maxDeg: 30 } })],
    ['translation', only({ translate: { p: 1, max: 0.1 } })],
    ['scale (bounding-box jitter 20%)', only({ scale: { p: 1, max: 0.2 } })],
    ['shear', only({ shear: { p: 1, maxDeg: 15 } })],
    ['flip', only({ flip: { p: 1 } })],
    ['blur', only({ blur: { p: 1, maxSigma: 1.5 } })],
    ['brightness, contrast, gamma', only({ brightness: { p: 1, max: 0.2 }, contrast: { p: 1, max: 0.4 }, gamma: { p: 1, max: 0.5 } })],
    ['all geometric at once', only({ rotate: { p: 1, maxDeg: 20 }, translate: { p: 1, max: 0.08 }, scale: { p: 1, max: 0.2 }, shear: { p: 1, maxDeg: 10 }, flip: { p: 0.5 } })],
    ['default preset (noise off)', { preset: 'default', noise: { p: 0 } }],
    ['strong preset (noise off)', { preset: 'strong', noise: { p: 0 } }],
  ];
  for (const [name, params] of cases) {
    it(`${name}: every dot within 0.5 px of its transformed keypoint over 60 seeds`, () => {
      const { checked, worst } = checkDots(params, 60);
      expect(checked).toBeGreaterThan(60 * 5);
      expect(worst).toBeLessThan(0.5);
    });
  }

  it('works on 3-channel images, each channel moved identically', () => {
    const { checked, worst } = checkDots(only({ rotate: { p: 1, maxDeg: 20 }, scale: { p: 1, max: 0.15 }, flip: { p: 0.5 } }), 20, 3);
    expect(checked).toBeGreaterThan(20 * 5 * 3);
    expect(worst).toBeLessThan(0.5);
  });

  it('with noise the dots are still found within 0.5 px (noise sigma 0.03)', () => {
    const { checked, worst } = checkDots(only({ rotate: { p: 1, maxDeg: 15 }, noise: { p: 1, maxSigma: 0.03 } }), 30);
    expect(checked).toBeGreaterThan(30 * 5);
    expect(worst).toBeLessThan(0.5);
  });
});

describe('geometry', () => {
  it('a rotation of +90 degrees sends the point right of centre to above it (y down) and keeps the centre', () => {
    const aug = new Augmenter({ params: only({ rotate: { p: 1, maxDeg: 90 } }), keypointCount: 2, seed: 1 });
    // Find a seed whose drawn angle is large, then check the matrix against the closed form.
    for (let s = 0; s < 20; s++) {
      const kps: Keypoint[] = [
        { x: 47.5, y: 47.5, state: 'labelled' },
        { x: 67.5, y: 47.5, state: 'labelled' },
      ];
      const r = aug.apply({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, kps, s);
      const t = (r.draw.rotateDeg * Math.PI) / 180;
      expect(r.keypoints[0].x).toBeCloseTo(47.5, 9);
      expect(r.keypoints[0].y).toBeCloseTo(47.5, 9);
      expect(r.keypoints[1].x).toBeCloseTo(47.5 + 20 * Math.cos(t), 9);
      expect(r.keypoints[1].y).toBeCloseTo(47.5 - 20 * Math.sin(t), 9);
    }
  });

  it('translation moves every keypoint by the drawn pixels', () => {
    const aug = new Augmenter({ params: only({ translate: { p: 1, max: 0.1 } }), keypointCount: GRID.length, seed: 9 });
    const r = aug.apply({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, GRID, 3);
    expect(Math.abs(r.draw.translateX)).toBeGreaterThan(0);
    r.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(GRID[i].x + r.draw.translateX, 9);
      expect(k.y).toBeCloseTo(GRID[i].y + r.draw.translateY, 9);
    });
  });

  it('a keypoint pushed out of the image becomes missing (NaN, state missing); one that stays in is moved', () => {
    const kps: Keypoint[] = [
      { x: 93, y: 50, state: 'labelled' },
      { x: 48, y: 48, state: 'labelled' },
    ];
    const aug = new Augmenter({ params: only({ translate: { p: 1, max: 0.2 } }), keypointCount: 2, seed: 5 });
    let pushedOut = 0;
    let stayed = 0;
    for (let s = 0; s < 100; s++) {
      const r = aug.apply({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, kps, s);
      const nx = 93 + r.draw.translateX;
      if (nx > W - 0.5) {
        expect(r.keypoints[0].state).toBe('missing');
        expect(Number.isNaN(r.keypoints[0].x) && Number.isNaN(r.keypoints[0].y)).toBe(true);
        pushedOut++;
      } else {
        expect(r.keypoints[0].state).toBe('labelled');
        expect(r.keypoints[0].x).toBeCloseTo(nx, 9);
        stayed++;
      }
      expect(r.keypoints[1].state).toBe('labelled');
    }
    expect(pushedOut).toBeGreaterThan(10);
    expect(stayed).toBeGreaterThan(10);
  });

  it('the flat training path marks pushed-out keypoints NaN too, and leaves missing ones NaN', () => {
    const aug = new Augmenter({ params: only({ scale: { p: 1, max: 0.5 } }), keypointCount: 3, seed: 2 });
    const coords = new Float32Array([0.2, 0.2, 48, 48, NaN, NaN]);
    const out = new Float32Array(6);
    let sawOut = false;
    for (let s = 0; s < 40; s++) {
      const { draw } = aug.applyFlat({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, coords, new Float32Array(W * H), out, s);
      const c = (W - 1) / 2;
      const nx = c + (0.2 - c) * draw.scale;
      if (nx < -0.5) {
        expect(Number.isNaN(out[0])).toBe(true);
        sawOut = true;
      } else expect(out[0]).toBeCloseTo(nx, 4);
      expect(Number.isNaN(out[4]) && Number.isNaN(out[5])).toBe(true);
    }
    expect(sawOut).toBe(true);
  });

  it('occluded keypoints move with the image and stay occluded; missing ones stay missing', () => {
    const kps: Keypoint[] = [
      { x: 40, y: 40, state: 'occluded' },
      { x: NaN, y: NaN, state: 'missing' },
    ];
    const aug = new Augmenter({ params: only({ rotate: { p: 1, maxDeg: 10 } }), keypointCount: 2, seed: 4 });
    const r = aug.apply({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, kps, 0);
    expect(r.keypoints[0].state).toBe('occluded');
    expect(r.keypoints[0].x).not.toBe(40);
    expect(r.keypoints[1].state).toBe('missing');
  });
});

/** Schemas from assets/schemas when present (the real ones), else a small synthetic one. */
function schemasForFlip(): KeypointSchema[] {
  const dir = join(repoRoot, 'assets/schemas');
  const found: KeypointSchema[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as KeypointSchema;
      if (Array.isArray(s.keypoints) && Array.isArray(s.flipPairs) && s.flipPairs.length > 0) found.push(s);
    }
  }
  if (found.length > 0) return found;
  const kp = (name: string, side: 'left' | 'right' | 'center') => ({ name, group: 'eye' as const, side, color: '#fff' });
  return [
    {
      id: 'synthetic-5',
      title: 'two eyes, nose, two mouth corners',
      keypoints: [kp('left_eye', 'left'), kp('right_eye', 'right'), kp('nose_tip', 'center'), kp('mouth_left', 'left'), kp('mouth_right', 'right')],
      flipPairs: [
        [0, 1],
        [3, 4],
      ],
      edges: [],
    },
  ];
}

describe('horizontal flip', () => {
  for (const schema of schemasForFlip()) {
    it(`swaps the flip pairs of schema ${schema.id}: the subject's left stays on the image right`, () => {
      const K = schema.keypoints.length;
      // Place each sided keypoint on its anatomical side: the subject's left is on the image's right.
      const kps: Keypoint[] = schema.keypoints.map((k, i) => ({
        x: k.side === 'left' ? 60 + (i % 20) : k.side === 'right' ? 35 - (i % 20) : 47.5,
        y: 10 + ((i * 7) % 76),
        state: 'labelled',
      }));
      const aug = new Augmenter({ params: only({ flip: { p: 1 } }), schema, seed: 1 });
      const r = aug.apply({ data: new Float32Array(W * H), width: W, height: H, channels: 1 }, kps, 0);
      expect(r.draw.flip).toBe(true);
      const partner = new Map<number, number>();
      for (const [a, b] of schema.flipPairs) {
        partner.set(a, b);
        partner.set(b, a);
      }
      for (let i = 0; i < K; i++) {
        const j = partner.get(i) ?? i;
        expect(r.keypoints[i].x).toBeCloseTo(W - 1 - kps[j].x, 9);
        expect(r.keypoints[i].y).toBeCloseTo(kps[j].y, 9);
        const side = schema.keypoints[i].side;
        if (side === 'left') expect(r.keypoints[i].x).toBeGreaterThan(47.5);
        if (side === 'right') expect(r.keypoints[i].x).toBeLessThan(47.5);
      }
    });
  }

  it('refuses to flip a schema whose left/right keypoints lack flip pairs, naming them', () => {
    const schema: KeypointSchema = {
      id: 'lopsided',
      title: 'x',
      keypoints: [
        { name: 'left_eye', group: 'eye', side: 'left', color: '#fff' },
        { name: 'right_eye', group: 'eye', side: 'right', color: '#fff' },
      ],
      flipPairs: [],
      edges: [],
    };
    expect(() => new Augmenter({ params: 'default', schema, seed: 1 })).toThrow(/left_eye.*right_eye.*flip\.p/);
    expect(() => new Augmenter({ params: { flip: { p: 0 } }, schema, seed: 1 })).not.toThrow();
  });

  it('a flipped image mirrors the pixels exactly', () => {
    const img = new Float32Array(W * H);
    for (let i = 0; i < img.length; i++) img[i] = ((i * 2654435761) >>> 0) / 4294967296;
    const aug = new Augmenter({ params: only({ flip: { p: 1 } }), keypointCount: 0, seed: 1 });
    const r = aug.apply({ data: img, width: W, height: H, channels: 1 }, [], 0);
    for (let y = 0; y < H; y += 7) for (let x = 0; x < W; x++) expect(r.image.data[y * W + x]).toBeCloseTo(img[y * W + (W - 1 - x)], 6);
  });
});

describe('reproducibility and pixel types', () => {
  const img = dotImage(W, H, GRID);
  it('same seed and keys give identical output; another key gives another', () => {
    const a = new Augmenter({ params: 'strong', keypointCount: GRID.length, seed: 77 });
    const b = new Augmenter({ params: 'strong', keypointCount: GRID.length, seed: 77 });
    const r1 = a.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 3, 14);
    a.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 5, 1); // other work in between changes nothing
    const r2 = b.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 3, 14);
    const r1again = a.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 3, 14);
    expect(Buffer.from(r1.image.data.buffer).equals(Buffer.from(r2.image.data.buffer))).toBe(true);
    expect(Buffer.from(r1.image.data.buffer).equals(Buffer.from(r1again.image.data.buffer))).toBe(true);
    expect(r1.keypoints).toEqual(r2.keypoints);
    const r3 = a.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 3, 15);
    expect(Buffer.from(r1.image.data.buffer).equals(Buffer.from(r3.image.data.buffer))).toBe(false);
    const c = new Augmenter({ params: 'strong', keypointCount: GRID.length, seed: 78 });
    expect(c.drawFor(W, H, 3, 14)).not.toEqual(a.drawFor(W, H, 3, 14));
  });

  it('applyBatch gives per-sample results independent of the batch it sits in', () => {
    const aug = new Augmenter({ params: 'default', keypointCount: GRID.length, seed: 11 });
    const coords = new Float32Array(GRID.flatMap((k) => [k.x, k.y]));
    const batch = new Float32Array(3 * W * H);
    const bc = new Float32Array(3 * coords.length);
    for (let i = 0; i < 3; i++) {
      batch.set(img, i * W * H);
      bc.set(coords, i * coords.length);
    }
    aug.applyBatch(batch, bc, 3, H, W, 1, (i) => [0, 100 + i]);
    const single = aug.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 0, 102);
    expect(Array.from(batch.subarray(2 * W * H))).toEqual(Array.from(single.image.data));
    single.keypoints.forEach((k, i) => {
      if (k.state === 'missing') expect(Number.isNaN(bc[2 * coords.length + 2 * i])).toBe(true);
      else expect(bc[2 * coords.length + 2 * i]).toBeCloseTo(k.x, 4);
    });
  });

  it('Uint8 images get the same transform as float images, within rounding', () => {
    const u8 = Uint8Array.from(img, (v) => Math.round(v * 255));
    const f32 = Float32Array.from(u8, (v) => v / 255);
    const aug = new Augmenter({ params: { preset: 'default', noise: { p: 0 } }, keypointCount: GRID.length, seed: 3 });
    for (let s = 0; s < 10; s++) {
      const ru = aug.apply({ data: u8, width: W, height: H, channels: 1 }, GRID, s);
      const rf = aug.apply({ data: f32, width: W, height: H, channels: 1 }, GRID, s);
      expect(ru.image.data).toBeInstanceOf(Uint8Array);
      let worst = 0;
      for (let i = 0; i < u8.length; i++) worst = Math.max(worst, Math.abs(ru.image.data[i] - rf.image.data[i] * 255));
      expect(worst).toBeLessThanOrEqual(0.51);
      expect(ru.keypoints).toEqual(rf.keypoints);
    }
  });

  it('the none preset returns the input unchanged', () => {
    const aug = new Augmenter({ params: 'none', keypointCount: GRID.length, seed: 1 });
    const r = aug.apply({ data: img, width: W, height: H, channels: 1 }, GRID, 0);
    expect(Array.from(r.image.data)).toEqual(Array.from(img));
    expect(r.keypoints).toEqual(GRID);
    expect(NONE.rotate.p).toBe(0);
  });

  it('draw frequencies follow the probabilities and amounts stay in range', () => {
    const aug = new Augmenter({ params: { preset: 'none', rotate: { p: 0.3, maxDeg: 12 }, flip: { p: 0.5 } }, keypointCount: 0, seed: 8 });
    let rot = 0;
    let flips = 0;
    const n = 4000;
    for (let s = 0; s < n; s++) {
      const d = aug.drawFor(W, H, s);
      if (d.rotateDeg !== 0) rot++;
      if (d.flip) flips++;
      expect(Math.abs(d.rotateDeg)).toBeLessThanOrEqual(12);
    }
    // Binomial: 4 standard deviations.
    expect(Math.abs(rot / n - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / n));
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / n));
  });
});

describe('photometric', () => {
  const flat = new Float32Array(W * H).fill(0.4);
  it('brightness adds the drawn amount; contrast keeps the mean; gamma is v^g', () => {
    const grad = Float32Array.from({ length: W * H }, (_, i) => 0.2 + (0.6 * (i % W)) / (W - 1));
    const mean = grad.reduce((a, b) => a + b, 0) / grad.length;
    const b = new Augmenter({ params: only({ brightness: { p: 1, max: 0.2 } }), keypointCount: 0, seed: 1 });
    const rb = b.apply({ data: grad, width: W, height: H, channels: 1 }, [], 0);
    expect(rb.image.data[5]).toBeCloseTo(grad[5] + rb.draw.brightness, 5);
    const c = new Augmenter({ params: only({ contrast: { p: 1, max: 0.5 } }), keypointCount: 0, seed: 1 });
    const rc = c.apply({ data: grad, width: W, height: H, channels: 1 }, [], 0);
    const meanC = rc.image.data.reduce((a, v) => a + v, 0) / grad.length;
    expect(meanC).toBeCloseTo(mean, 4);
    expect(rc.image.data[W - 1] - rc.image.data[0]).toBeCloseTo((grad[W - 1] - grad[0]) * rc.draw.contrast, 4);
    const g = new Augmenter({ params: only({ gamma: { p: 1, max: 1 } }), keypointCount: 0, seed: 2 });
    const rg = g.apply({ data: grad, width: W, height: H, channels: 1 }, [], 0);
    expect(rg.draw.gamma).not.toBe(1);
    expect(rg.image.data[10]).toBeCloseTo(Math.pow(grad[10], rg.draw.gamma), 5);
  });

  it('noise has the drawn standard deviation and blur smooths it', () => {
    const n = new Augmenter({ params: only({ noise: { p: 1, maxSigma: 0.05 } }), keypointCount: 0, seed: 3 });
    const rn = n.apply({ data: flat, width: W, height: H, channels: 1 }, [], 0);
    const m = rn.image.data.reduce((a, v) => a + v, 0) / flat.length;
    const sd = Math.sqrt(rn.image.data.reduce((a, v) => a + (v - m) ** 2, 0) / flat.length);
    expect(m).toBeCloseTo(0.4, 2);
    expect(sd / rn.draw.noiseSigma).toBeGreaterThan(0.95);
    expect(sd / rn.draw.noiseSigma).toBeLessThan(1.05);
    const dot = dotImage(W, H, [{ x: 48, y: 48 }], 1.0);
    const bl = new Augmenter({ params: only({ blur: { p: 1, maxSigma: 2 } }), keypointCount: 0, seed: 3 });
    const rbl = bl.apply({ data: dot, width: W, height: H, channels: 1 }, [], 0);
    expect(rbl.draw.blurSigma).toBeGreaterThan(0.3);
    const before = dot.reduce((a, v) => a + v, 0);
    const after = rbl.image.data.reduce((a, v) => a + v, 0);
    expect(after).toBeCloseTo(before, 3); // blur keeps the total intensity
    expect(rbl.image.data[48 * W + 48]).toBeLessThan(dot[48 * W + 48] * 0.9);
  });

  it('photometric-only parameters never move keypoints', () => {
    const aug = new Augmenter({ params: only({ brightness: { p: 1, max: 0.3 }, noise: { p: 1, maxSigma: 0.05 }, blur: { p: 1, maxSigma: 1 } }), keypointCount: GRID.length, seed: 1 });
    const r = aug.apply({ data: flat, width: W, height: H, channels: 1 }, GRID, 0);
    expect(r.keypoints).toEqual(GRID);
  });
});

describe('parameters', () => {
  it('resolves presets and partial overrides', () => {
    expect(resolveAugmentParams(undefined)).toEqual(AUGMENT_PRESETS.default);
    expect(resolveAugmentParams('none')).toEqual(AUGMENT_PRESETS.none);
    const p = resolveAugmentParams({ preset: 'light', rotate: { maxDeg: 3 } });
    expect(p.rotate).toEqual({ p: AUGMENT_PRESETS.light.rotate.p, maxDeg: 3 });
    expect(p.flip).toEqual(AUGMENT_PRESETS.light.flip);
  });
  it('parses command-line specs: preset, JSON, and preset with key=value overrides', () => {
    expect(parseAugmentSpec('strong')).toEqual(AUGMENT_PRESETS.strong);
    expect(parseAugmentSpec('')).toEqual(AUGMENT_PRESETS.default);
    expect(parseAugmentSpec('{"preset":"none","flip":{"p":1}}').flip.p).toBe(1);
    const p = parseAugmentSpec('light, rotate.maxDeg=10, flip.p=0, border=reflect, fillValue=0.5');
    expect(p.rotate).toEqual({ p: AUGMENT_PRESETS.light.rotate.p, maxDeg: 10 });
    expect(p.flip.p).toBe(0);
    expect(p.border).toBe('reflect');
    expect(p.fillValue).toBe(0.5);
    expect(p.scale).toEqual(AUGMENT_PRESETS.light.scale);
    expect(() => parseAugmentSpec('rotate.maxDeg=abc')).toThrow(/"rotate.maxDeg" needs a number/);
    expect(() => parseAugmentSpec('rotate=3')).toThrow(/transform\.field/);
    expect(() => parseAugmentSpec('light,strong')).toThrow(/two presets/);
    expect(() => parseAugmentSpec('{bad json')).toThrow(/not valid JSON/);
    expect(() => parseAugmentSpec('rotate.p=1.5')).toThrow(/rotate\.p/);
  });

  it('rejects bad values with a message naming the field', () => {
    expect(() => resolveAugmentParams('wild')).toThrow(/unknown preset "wild"/);
    expect(() => resolveAugmentParams({ rotate: { p: 2 } })).toThrow(/rotate\.p/);
    expect(() => resolveAugmentParams({ scale: { max: 0.9 } })).toThrow(/scale\.max/);
    expect(() => resolveAugmentParams({ rotat: { p: 1 } } as unknown as AugmentParamsInput)).toThrow(/unknown field "rotat"/);
    expect(() => resolveAugmentParams({ border: 'wrap' } as unknown as AugmentParamsInput)).toThrow(KpsError);
  });
});
