// The one grey decoding (src-main/imaging/grey.ts): EXIF orientation applied, alpha removed, 8-bit grey, named errors; and training's loadGrey through it.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeGrey, uprightDims, uprightSize } from '../../../src-main/imaging/grey.js';
import { loadGrey } from '../../../src-main/train/data.js';

const dir = mkdtempSync(join(tmpdir(), 'kps-grey-'));

/** Stored 120 x 80 grey pattern, not symmetric under any rotation or flip: a bright bar top-left, a mid block bottom-right. */
const SW = 120;
const SH = 80;
function storedPattern(): Uint8Array {
  const px = new Uint8Array(SW * SH).fill(40);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) px[y * SW + x] = 220;
  for (let y = 50; y < SH; y++) for (let x = 100; x < SW; x++) px[y * SW + x] = 130;
  return px;
}

/** The pattern as a viewer shows it with EXIF orientation 6 (rotate 90 degrees clockwise): 80 x 120. */
function uprightPattern(): { pixels: Uint8Array; width: number; height: number } {
  const s = storedPattern();
  const width = SH;
  const height = SW;
  const pixels = new Uint8Array(width * height);
  // Clockwise: stored (x, y) lands at (SH - 1 - y, x).
  for (let y = 0; y < SH; y++) for (let x = 0; x < SW; x++) pixels[x * width + (SH - 1 - y)] = s[y * SW + x];
  return { pixels, width, height };
}

/** A JPEG whose stored pixels are the pattern (RGB, grey content) and whose EXIF says orientation 6. */
async function writeOrientedJpeg(name: string, orientation: number): Promise<string> {
  const s = storedPattern();
  const rgb = Buffer.alloc(SW * SH * 3);
  for (let i = 0; i < s.length; i++) rgb.fill(s[i], 3 * i, 3 * i + 3);
  const path = join(dir, name);
  await sharp(rgb, { raw: { width: SW, height: SH, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation }).toFile(path);
  return path;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

describe('decodeGrey', () => {
  it('turns an EXIF orientation 6 JPEG upright: size swapped, the pattern where a viewer shows it', async () => {
    const path = await writeOrientedJpeg('o6.jpg', 6);
    expect((await sharp(path).metadata()).orientation).toBe(6);
    const grey = await decodeGrey(path);
    const want = uprightPattern();
    expect([grey.width, grey.height]).toEqual([80, 120]);
    expect(grey.pixels.length).toBe(80 * 120);
    // JPEG at quality 100 keeps the flat blocks within a few grey levels.
    expect(meanAbsDiff(grey.pixels, want.pixels)).toBeLessThan(2);
    // The bright bar (stored top-left) is now at the top right, the mid block (stored bottom-right) at the bottom left.
    expect(grey.pixels[10 * 80 + 70]).toBeGreaterThan(200);
    expect(grey.pixels[10 * 80 + 5]).toBeLessThan(60);
    expect(Math.abs(grey.pixels[110 * 80 + 10] - 130)).toBeLessThan(8);
    // Reading the stored pixels without the orientation would be far off.
    const stored = await sharp(path).removeAlpha().toColourspace('b-w').raw().toBuffer();
    expect(stored.length).toBe(SW * SH);
    expect(meanAbsDiff(new Uint8Array(stored), want.pixels)).toBeGreaterThan(30);
    expect(await uprightSize(path)).toEqual({ width: 80, height: 120, channels: 3 });
  });

  it('leaves an orientation 1 JPEG as stored, and resizes the upright image when asked', async () => {
    const path = await writeOrientedJpeg('o1.jpg', 1);
    const grey = await decodeGrey(path);
    expect([grey.width, grey.height]).toEqual([SW, SH]);
    expect(meanAbsDiff(grey.pixels, storedPattern())).toBeLessThan(2);
    const small = await decodeGrey(await writeOrientedJpeg('o6b.jpg', 6), { resize: { width: 40, height: 60 } });
    expect([small.width, small.height, small.pixels.length]).toEqual([40, 60, 2400]);
    // Top right of the upright image is the bright bar.
    expect(small.pixels[5 * 40 + 35]).toBeGreaterThan(200);
  });

  it('drops alpha without compositing and scales 16-bit grey to 8 bits', async () => {
    const rgba = await sharp({ create: { width: 4, height: 3, channels: 4, background: { r: 90, g: 90, b: 90, alpha: 0.25 } } }).png().toBuffer();
    const a = await decodeGrey(new Uint8Array(rgba));
    expect([a.width, a.height, a.pixels.length]).toEqual([4, 3, 12]);
    expect([...a.pixels].every((v) => Math.abs(v - 90) <= 1)).toBe(true);
    const g16 = await sharp(new Uint16Array([0, 65535, 32896, 1028]), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect((await sharp(g16).metadata()).depth).toBe('ushort');
    expect([...(await decodeGrey(new Uint8Array(g16))).pixels]).toEqual([0, 255, 128, 4]);
  });

  it('names the file (and what it is) when the image cannot be read', async () => {
    const bad = join(dir, 'not-an-image.jpg');
    writeFileSync(bad, 'hello');
    await expect(decodeGrey(bad, { what: 'the image of sample 7' })).rejects.toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read the image of sample 7 \\(`));
    await expect(uprightSize(bad)).rejects.toThrow(/not-an-image\.jpg: cannot read the image/);
  });

  it('swaps width and height for orientations 5-8 only', () => {
    for (let o = 1; o <= 8; o++) expect(uprightDims({ width: 120, height: 80, orientation: o })).toEqual(o >= 5 ? { width: 80, height: 120 } : { width: 120, height: 80 });
    expect(uprightDims({ width: 120, height: 80 })).toEqual({ width: 120, height: 80 });
  });
});

describe('loadGrey (training pixels)', () => {
  it('gives an EXIF-rotated file upright, the size the sample was stored with', async () => {
    const path = await writeOrientedJpeg('train-o6.jpg', 6);
    const source = {
      getPixels: () => null,
      getImagePath: () => path,
      getSample: () => ({ width: 80, height: 120 }),
    } as unknown as Parameters<typeof loadGrey>[0];
    const img = await loadGrey(source, 3);
    expect(img && [img.width, img.height]).toEqual([80, 120]);
    expect(meanAbsDiff(img!.pixels, uprightPattern().pixels)).toBeLessThan(2);
  });

  it('refuses a file whose upright size is not the stored one, naming the file and the sample', async () => {
    const path = await writeOrientedJpeg('train-o6-stale.jpg', 6);
    const source = {
      getPixels: () => null,
      getImagePath: () => path,
      getSample: () => ({ width: 120, height: 80 }),
    } as unknown as Parameters<typeof loadGrey>[0];
    await expect(loadGrey(source, 4)).rejects.toThrow(/train-o6-stale\.jpg: the image is 80 x 120 upright but sample 4 was imported as 120 x 80/);
  });
});
