// augment.preview: returns N augmented samples whose keypoints sit on the image features, reproducibly, for embedded and file images.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { KeypointSchema, LabelledKeypoint, SampleDetail } from '../../../src-main/core/types.js';
import { augmentPreview, type PreviewStore } from '../../../src-main/service/augment-preview.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { centroidNear, dotImage } from './dots.js';
import { schema5 } from '../store/fixtures.js';

// The store tests' five-point schema: eyes, nose tip, mouth corners, with both left/right pairs.
const schema: KeypointSchema = schema5;

/** Keypoints in a face-like layout for an image of the given size (left = subject's left = image right). */
function layout(w: number, h: number): LabelledKeypoint[] {
  return [
    [0.68, 0.38],
    [0.32, 0.38],
    [0.5, 0.58],
    [0.64, 0.76],
    [0.36, 0.76],
  ].map(([fx, fy]) => ({ x: fx * w, y: fy * h, state: 'labelled', provenance: 'import' }));
}

/** A fake project: samples 1-3 embedded 96x96, sample 4 a 400x300 PNG file, sample 5 labels only. */
class FakeStore implements PreviewStore {
  readonly schema = schema;
  private files = new Map<number, string>();
  constructor(private dir: string) {}
  async init(): Promise<void> {
    const kps = layout(400, 300);
    const img = dotImage(400, 300, kps, 4);
    const path = join(this.dir, 'face.png');
    await sharp(Buffer.from(Uint8Array.from(img, (v) => Math.round(v * 255))), { raw: { width: 400, height: 300, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(path);
    this.files.set(4, path);
  }
  sampleIds(): number[] {
    return [1, 2, 3, 4, 5];
  }
  getSample(id: number): SampleDetail {
    if (id < 1 || id > 5) throw new KpsError('not-found', `sample ${id} not found`);
    const [w, h] = id === 4 ? [400, 300] : [96, 96];
    const image: SampleDetail['image'] = id === 4 ? { kind: 'file', path: this.files.get(4) as string, width: w, height: h, channels: 1 } : id === 5 ? { kind: 'none', width: w, height: h, channels: 0 } : { kind: 'embedded', width: w, height: h, channels: 1 };
    const keypoints = layout(w, h);
    return { id, source: 's', record: id, split: 'train', groupId: null, tags: [], width: w, height: h, labelledCount: 5, missingCount: 0, occludedCount: 0, predictedCount: 0, keypoints, image, revision: 1 };
  }
  getPixels(id: number): Uint8Array | null {
    if (id > 3) return null;
    return Uint8Array.from(dotImage(96, 96, layout(96, 96), 1.3), (v) => Math.round(v * 255));
  }
  getImagePath(id: number): string | null {
    return this.files.get(id) ?? null;
  }
}

async function decode(png: string): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const meta = await sharp(Buffer.from(png, 'base64')).metadata();
  const { data, info } = await sharp(Buffer.from(png, 'base64')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: meta.channels ?? 0 };
}

describe('augment.preview', () => {
  let dir: string;
  let store: FakeStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-preview-'));
    store = new FakeStore(dir);
    await store.init();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns count samples as grey PNGs whose dots sit on the returned keypoints (embedded and file images)', async () => {
    const res = await augmentPreview(store, { sampleIds: [1, 4], count: 8, params: { preset: 'strong', noise: { p: 0 } }, seed: 3, maxSide: 200 });
    expect(res.samples).toHaveLength(8);
    expect(res.samples.map((s) => s.sampleId)).toEqual([1, 4, 1, 4, 1, 4, 1, 4]);
    expect(res.params.rotate.maxDeg).toBe(25);
    let checked = 0;
    for (const s of res.samples) {
      const img = await decode(s.pixels as string);
      expect([img.width, img.height, img.channels]).toEqual([s.width, s.height, 1]);
      if (s.sampleId === 4) expect([s.width, s.height, s.scale]).toEqual([200, 150, 0.5]);
      for (const k of s.keypoints) {
        if (k.state === 'missing' || k.x < 8 || k.y < 8 || k.x > s.width - 9 || k.y > s.height - 9) continue;
        const c = centroidNear(img.data, s.width, s.height, k.x, k.y, s.sampleId === 4 ? 7 : 5);
        expect(Math.hypot(c.x - k.x, c.y - k.y), `sample ${s.sampleId}`).toBeLessThan(0.5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(25);
    // Repeats of one sample are augmented differently.
    expect(res.samples[0].pixels).not.toEqual(res.samples[2].pixels);
  });

  it('same seed gives the same preview; another seed another', async () => {
    const a = await augmentPreview(store, { count: 3, params: 'default', seed: 9, encoding: 'array' });
    const b = await augmentPreview(store, { count: 3, params: 'default', seed: 9, encoding: 'array' });
    const c = await augmentPreview(store, { count: 3, params: 'default', seed: 10, encoding: 'array' });
    expect(b.samples).toEqual(a.samples);
    expect(c.samples.map((s) => s.pixels)).not.toEqual(a.samples.map((s) => s.pixels));
    expect(a.samples[0].encoding).toBe('array');
    expect((a.samples[0].pixels as number[]).length).toBe(a.samples[0].width * a.samples[0].height);
  });

  it('without sampleIds it picks samples with pixels only, and the none preset returns them unchanged', async () => {
    const res = await augmentPreview(store, { count: 6, params: 'none', seed: 1, encoding: 'array' });
    expect(res.samples).toHaveLength(6);
    expect(res.samples.every((s) => s.sampleId !== 5)).toBe(true);
    const one = res.samples.find((s) => s.sampleId === 1);
    expect(one?.pixels).toEqual(Array.from(store.getPixels(1) as Uint8Array));
    expect(one?.keypoints.map((k) => k.x)).toEqual(layout(96, 96).map((k) => k.x));
  });

  it('rejects bad requests with messages a user can act on', async () => {
    await expect(augmentPreview(store, { count: 0 })).rejects.toThrow(/count must be an integer from 1 to 64/);
    await expect(augmentPreview(store, { count: 2, sampleIds: [5] })).rejects.toThrow(/sample 5 has no pixels/);
    await expect(augmentPreview(store, { count: 2, params: 'wild' })).rejects.toThrow(/unknown preset "wild"/);
    await expect(augmentPreview(store, { count: 2, sampleIds: [99] })).rejects.toThrow(/sample 99 not found/);
  });
});

describe('augment.preview on an EXIF-rotated photo', () => {
  it('previews it upright, as it is stored (portrait 300 x 400), with the dots on the keypoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kps-preview-exif-'));
    try {
      // Upright 300 x 400 with dots at the layout; stored turned a quarter anticlockwise (400 x 300) with EXIF orientation 6.
      const kps = layout(300, 400);
      const upright = Buffer.from(Uint8Array.from(dotImage(300, 400, kps, 4), (v) => Math.round(v * 255)));
      const stored = await sharp(upright, { raw: { width: 300, height: 400, channels: 1 } }).rotate(270).toColourspace('b-w').png().toBuffer();
      const path = join(dir, 'turned.jpg');
      await sharp(stored).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(path);
      expect((await sharp(path).metadata())).toMatchObject({ width: 400, height: 300, orientation: 6 });
      const one: PreviewStore = {
        schema,
        sampleIds: () => [1],
        getSample: (id) => ({ id, source: path, record: 1, split: 'train', groupId: null, tags: [], width: 300, height: 400, labelledCount: 5, missingCount: 0, occludedCount: 0, predictedCount: 0, keypoints: kps, image: { kind: 'file', path, width: 300, height: 400, channels: 3 }, revision: 1 }),
        getPixels: () => null,
        getImagePath: () => path,
      };
      for (const maxSide of [400, 200]) {
        const res = await augmentPreview(one, { sampleIds: [1], count: 1, params: 'none', seed: 1, encoding: 'array', maxSide });
        const s = res.samples[0];
        expect([s.width, s.height]).toEqual([300 * (maxSide / 400), maxSide]);
        for (const k of s.keypoints) {
          const c = centroidNear(s.pixels as number[], s.width, s.height, k.x, k.y, maxSide === 400 ? 12 : 7);
          expect(Math.hypot(c.x - k.x, c.y - k.y), `maxSide ${maxSide}`).toBeLessThan(0.5);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
