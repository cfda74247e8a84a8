// Data pipeline: coordinate normalisation, crops, resampling and seeded splits (random and by group).
import { describe, expect, it } from 'vitest';
import { assignSplits, cropResize, fromNormalised, parseSplit, toNormalised, selectKeypoints } from '../../../src-main/train/data.js';
import type { KeypointSchema, Split } from '../../../src-main/core/types.js';
import { FACE_CROP_RULE } from '../../../src-main/train/facecrop.js';

describe('coordinates', () => {
  it('maps pixel centres to [-1, 1] edges and back exactly', () => {
    expect(toNormalised(-0.5, 0, 96)).toBe(-1);
    expect(toNormalised(95.5, 0, 96)).toBe(1);
    expect(toNormalised(47.5, 0, 96)).toBe(0);
    for (const x of [0, 13.25, 95]) expect(fromNormalised(toNormalised(x, 10, 200), 10, 200)).toBeCloseTo(x, 9);
  });
});

describe('crops', () => {
  it('uses a model-sized image as it is', () => {
    expect(FACE_CROP_RULE.cropBox(96, 96, null, 96)).toEqual({ x0: 0, y0: 0, side: 96, placement: 'whole' });
  });
  it('crops a photo around the detector box: the calibrated face square grown by the margin', () => {
    // Box edges at x 100..300 (x = 99.5 in pixel-centre convention), width 200: face centre 100 + 0.51 * 200.
    const b = FACE_CROP_RULE.cropBox(640, 480, { x: 99.5, y: 49.5, width: 200, height: 230 }, 96, 0.25);
    expect(b.placement).toBe('detector');
    expect(b.side).toBeCloseTo(0.954 * 200 * 1.5, 9);
    expect(b.x0 + b.side / 2).toBeCloseTo(100 + 0.51 * 200, 9);
    expect(b.y0 + b.side / 2).toBeCloseTo(50 + 0.71 * 200, 9);
    expect(FACE_CROP_RULE.cropBox(640, 480, { x: 99.5, y: 49.5, width: 200, height: 230 }, 96, 0).side).toBeCloseTo(0.954 * 200, 9);
  });
  it('falls back to the whole photo padded to a square when no face was found', () => {
    expect(FACE_CROP_RULE.cropBox(160, 120, null, 96)).toEqual({ x0: 0, y0: -20, side: 160, placement: 'fallback' });
  });
  it('resamples a crop so that a bright pixel lands where the transform says', () => {
    const W = 200, H = 200;
    const px = new Uint8Array(W * H);
    // A 4x4 bright block centred on (120.5, 80.5).
    for (let y = 79; y <= 82; y++) for (let x = 119; x <= 122; x++) px[y * W + x] = 255;
    const box = { x0: 60, y0: 40, side: 100 };
    const S = 50;
    const out = new Float32Array(S * S);
    cropResize(px, W, H, box, S, out);
    let best = 0, bx = 0, by = 0;
    for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) if (out[r * S + c] > best) [best, bx, by] = [out[r * S + c], c, r];
    // Expected input pixel: x_in = (x + 0.5 - x0) * S / side - 0.5.
    const ex = ((120.5 + 0.5 - 60) * S) / 100 - 0.5;
    const ey = ((80.5 + 0.5 - 40) * S) / 100 - 0.5;
    expect(Math.abs(bx - ex)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(by - ey)).toBeLessThanOrEqual(0.5);
    expect(best).toBeGreaterThan(0.9);
  });
  it('copies an identity crop and scales to [0, 1]', () => {
    const px = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const out = new Float32Array(16);
    cropResize(px, 4, 4, { x0: 0, y0: 0, side: 4 }, 4, out);
    expect(out[15]).toBe(1);
    expect(out[1]).toBeCloseTo(17 / 255, 6);
  });
});

describe('splits', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
  const none: (string | null)[] = ids.map(() => null);
  const stored: Split[] = ids.map(() => 'unassigned');
  it('random: 10% test, then 10% of the rest as validation, reproducible from the seed', () => {
    const a = assignSplits(ids, none, stored, parseSplit('random'), 7);
    const count = (s: Split) => a.filter((x) => x === s).length;
    expect(count('test')).toBe(100);
    expect(count('val')).toBe(90);
    expect(count('train')).toBe(810);
    expect(assignSplits(ids, none, stored, parseSplit('random'), 7)).toEqual(a);
    expect(assignSplits(ids, none, stored, parseSplit('random'), 8)).not.toEqual(a);
  });
  it('does not depend on the order samples arrive in', () => {
    const rev = [...ids].reverse();
    const a = assignSplits(ids, none, stored, parseSplit('random'), 3);
    const b = assignSplits(rev, none, stored, parseSplit('random'), 3);
    expect(rev.map((_, i) => b[i])).toEqual(rev.map((id) => a[id - 1]));
  });
  it('group: one person never sits on two sides', () => {
    const groups = ids.map((i) => `person${i % 37}`);
    const a = assignSplits(ids, groups, stored, parseSplit('group:0.2:0.1'), 1);
    const sides = new Map<string, Set<Split>>();
    groups.forEach((g, i) => (sides.get(g) ?? sides.set(g, new Set()).get(g)!).add(a[i]));
    for (const s of sides.values()) expect(s.size).toBe(1);
    const test = a.filter((x) => x === 'test').length;
    expect(test).toBeGreaterThan(150);
    expect(test).toBeLessThan(260);
  });
  it('stored: keeps the samples own splits and carves validation from train when none is marked', () => {
    const st: Split[] = ids.map((i) => (i <= 100 ? 'test' : 'unassigned'));
    const a = assignSplits(ids, none, st, parseSplit('stored'), 1);
    expect(a.slice(0, 100).every((x) => x === 'test')).toBe(true);
    expect(a.filter((x) => x === 'val').length).toBe(90);
  });
  it('rejects bad split fractions', () => {
    expect(() => parseSplit('random:1.5')).toThrow(/test fraction/);
  });
});

describe('keypoint selection', () => {
  const schema = {
    id: 't',
    title: 't',
    keypoints: [
      { name: 'left_eye_center', group: 'eye', side: 'left', color: '#fff' },
      { name: 'nose_tip', group: 'nose', side: 'center', color: '#fff' },
    ],
    flipPairs: [],
    edges: [],
  } as KeypointSchema;
  it('gives smallnet the nose tip and other models every keypoint', () => {
    expect(selectKeypoints(schema, null, 1)).toEqual([1]);
    expect(selectKeypoints(schema, null, undefined)).toEqual([0, 1]);
    expect(() => selectKeypoints(schema, [5], undefined)).toThrow(/outside the schema/);
  });
});
