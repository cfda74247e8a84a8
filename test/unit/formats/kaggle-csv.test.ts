// Kaggle CSV layouts on synthetic files: exact values, missing cells, CSV variants, streaming across chunk boundaries, and exact float64 round trips.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { quietContext } from '../../../src-main/formats/common.js';
import { exportKaggleCsv, importKaggleCsv, importKaggleLabels, importKaggleTestCsv } from '../../../src-main/formats/kaggle-csv.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { greyPixels, kaggleHeader, kaggleRow, tempDir, triSchema, writePng, writeText } from './fixtures.js';
import { maxLabelDifference, memorySource } from './memory-source.js';
import { KpsError } from '../../../src-main/core/errors.js';

const kaggle = loadBuiltinSchema('kaggle-15');
const ctx = quietContext();

// Values whose shortest decimal form is long or unusual: each must come back as the very same float64.
// All lie within the image's coordinate margin (core/coordinates.ts), as the importer requires.
const awkward = [0.1 + 0.2, 59.582075188000005, 1e-7, 95.99999999999999, 1 / 3, 66.0335639098, 5e-324, 0, 48, 12345.6789e-3];

function coordsFrom(seed: number): (number | null)[] {
  // Keypoint k is missing (both cells empty) when k % 5 === seed % 5.
  return Array.from({ length: 30 }, (_, i) => ((i >> 1) % 5 === seed % 5 ? null : awkward[(i + seed) % awkward.length] + (i % 2 ? 0 : seed % 8)));
}

describe('Kaggle training.csv import', () => {
  it('reads coordinates as the exact float64 of their text, empty cells as missing, and pixels as bytes', async () => {
    const dir = tempDir();
    const rows = [coordsFrom(0), coordsFrom(1), coordsFrom(2)];
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), ...rows.map((r, i) => kaggleRow(r, greyPixels(i))), ''].join('\n'));
    const samples = await importKaggleCsv(file, kaggle, ctx);
    expect(samples.length).toBe(3);
    samples.forEach((s, r) => {
      expect(s.source).toBe(file);
      expect(s.record).toBe(r + 1);
      expect(s.groupId).toBeNull();
      s.keypoints.forEach((k, j) => {
        const [x, y] = [rows[r][2 * j], rows[r][2 * j + 1]];
        if (x === null || y === null) {
          // A pair with one empty cell is an error (tested in bad-input); here both go together.
          expect(x === null && y === null, `row ${r} keypoint ${j}`).toBe(true);
          expect(k.state).toBe('missing');
          expect(Number.isNaN(k.x) && Number.isNaN(k.y)).toBe(true);
        } else {
          expect(k).toEqual({ x: Number(String(x)), y: Number(String(y)), state: 'labelled' });
        }
      });
      if (s.image.kind !== 'embedded') throw new Error('expected embedded pixels');
      expect(Array.from(s.image.pixels)).toEqual(greyPixels(r));
    });
  });

  it('accepts CRLF line ends, a UTF-8 BOM, quoted cells, blank trailing lines and no final newline', async () => {
    const dir = tempDir();
    const c = coordsFrom(3);
    const quoted = c.map((v) => (v === null ? '""' : `"${v}"`)).join(',');
    const text = '\ufeff' + [kaggleHeader(kaggle), kaggleRow(coordsFrom(4), greyPixels(4)), `${quoted},"${greyPixels(5).join(' ')}"`, '', ''].join('\r\n') + kaggleRow(coordsFrom(6), greyPixels(6));
    const file = writeText(join(dir, 'training.csv'), text);
    const samples = await importKaggleCsv(file, kaggle, ctx);
    expect(samples.length).toBe(3);
    expect(samples[1].keypoints[1].x).toBe(c[2]);
    expect(samples[1].image.kind === 'embedded' && Array.from(samples[1].image.pixels)).toEqual(greyPixels(5));
    expect(samples[2].record).toBe(3);
    expect(samples[2].image.kind === 'embedded' && samples[2].image.pixels[9215]).toBe(greyPixels(6)[9215]);
  });

  it('parses hundreds of rows across read-buffer boundaries identically', async () => {
    // ~35 kB per row: 300 rows span several 4 MB reads, so rows and numbers are cut at every kind of byte.
    const dir = tempDir();
    const rows = Array.from({ length: 300 }, (_, i) => coordsFrom(i));
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), ...rows.map((r, i) => kaggleRow(r, greyPixels(i))), ''].join('\n'));
    const samples = await importKaggleCsv(file, kaggle, ctx);
    expect(samples.length).toBe(300);
    for (const i of [0, 119, 120, 121, 240, 299]) {
      const img = samples[i].image;
      if (img.kind !== 'embedded') throw new Error('expected embedded pixels');
      expect(Array.from(img.pixels)).toEqual(greyPixels(i));
      expect(samples[i].keypoints.map((k) => k.x)).toEqual(rows[i].filter((_, j) => j % 2 === 0).map((v) => (v === null ? NaN : v)));
    }
  });

  it('reports progress in bytes and stops when cancelled', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), ...Array.from({ length: 200 }, (_, i) => kaggleRow(coordsFrom(i), greyPixels(i))), ''].join('\n'));
    const seen: [number, number][] = [];
    await importKaggleCsv(file, kaggle, { signal: new AbortController().signal, progress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
    const abort = new AbortController();
    abort.abort();
    await expect(importKaggleCsv(file, kaggle, { signal: abort.signal, progress: () => {} })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('takes its header from the schema, so other layouts work too', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'tri.csv'), ['left_eye_x,left_eye_y,right_eye_x,right_eye_y,nose_x,nose_y,Image', `1.5,2,3,4,,,${greyPixels(0).join(' ')}`, ''].join('\n'));
    const [s] = await importKaggleCsv(file, triSchema, ctx);
    expect(s.keypoints.map((k) => k.state)).toEqual(['labelled', 'labelled', 'missing']);
    expect(s.keypoints[0]).toEqual({ x: 1.5, y: 2, state: 'labelled' });
  });
});

describe('Kaggle test.csv and labels-only import', () => {
  it('test.csv: split test, ImageId as external id, all keypoints missing', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'test.csv'), ['ImageId,Image', `1,${greyPixels(1).join(' ')}`, `2,${greyPixels(2).join(' ')}`, ''].join('\n'));
    const samples = await importKaggleTestCsv(file, kaggle, ctx);
    expect(samples.map((s) => [s.externalId, s.split, s.record])).toEqual([['1', 'test', 1], ['2', 'test', 2]]);
    expect(samples[1].keypoints.every((k) => k.state === 'missing')).toBe(true);
    expect(samples[1].image.kind === 'embedded' && Array.from(samples[1].image.pixels)).toEqual(greyPixels(2));
  });

  it('labels-only: no pixels, nominal 96x96', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'labels.csv'), [kaggleHeader(kaggle, false), kaggleRow(coordsFrom(1)), kaggleRow(coordsFrom(2)), ''].join('\n'));
    const samples = await importKaggleLabels(file, kaggle, ctx);
    expect(samples.length).toBe(2);
    expect(samples[0].image).toEqual({ kind: 'none', width: 96, height: 96, channels: 0 });
    expect(samples[1].keypoints[1].y).toBe(coordsFrom(2)[3]);
  });
});

describe('Kaggle CSV export', () => {
  it('round trip: import, export, import gives the same float64 labels and pixels, and the same bytes', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 20 }, (_, i) => coordsFrom(i));
    const text = [kaggleHeader(kaggle), ...rows.map((r, i) => kaggleRow(r, greyPixels(i))), ''].join('\n');
    const file = writeText(join(dir, 'training.csv'), text);
    const first = await importKaggleCsv(file, kaggle, ctx);
    const out = join(dir, 'out', 'exported.csv');
    const res = await exportKaggleCsv(memorySource(kaggle, first), out, ctx);
    expect(res).toEqual({ written: 20, files: [out] });
    const second = await importKaggleCsv(out, kaggle, ctx);
    expect(maxLabelDifference(first, second)).toBe(0);
    second.forEach((s, i) => {
      s.keypoints.forEach((k, j) => {
        if (k.state !== 'missing') expect(Object.is(k.x, first[i].keypoints[j].x) && Object.is(k.y, first[i].keypoints[j].y)).toBe(true);
      });
      expect(s.image.kind === 'embedded' && Array.from(s.image.pixels)).toEqual(greyPixels(i));
    });
    // String(n) is the shortest text that reads back to n, and these inputs were written the same way.
    expect(readFileSync(out, 'utf8')).toBe(text);
  });

  it('writes the exact Kaggle header and an empty cell for a missing keypoint', async () => {
    const dir = tempDir();
    const [sample] = await importKaggleLabels(writeText(join(dir, 'l.csv'), [kaggleHeader(kaggle, false), kaggleRow(coordsFrom(0)), ''].join('\n')), kaggle, ctx);
    sample.keypoints[0] = { x: NaN, y: NaN, state: 'missing' };
    sample.keypoints[1] = { x: 12.25, y: 40, state: 'occluded' };
    const out = join(dir, 'labels-out.csv');
    await exportKaggleCsv(memorySource(kaggle, [sample]), out, ctx);
    const [header, row] = readFileSync(out, 'utf8').split('\n');
    expect(header).toBe(
      'left_eye_center_x,left_eye_center_y,right_eye_center_x,right_eye_center_y,left_eye_inner_corner_x,left_eye_inner_corner_y,left_eye_outer_corner_x,left_eye_outer_corner_y,right_eye_inner_corner_x,right_eye_inner_corner_y,right_eye_outer_corner_x,right_eye_outer_corner_y,left_eyebrow_inner_end_x,left_eyebrow_inner_end_y,left_eyebrow_outer_end_x,left_eyebrow_outer_end_y,right_eyebrow_inner_end_x,right_eyebrow_inner_end_y,right_eyebrow_outer_end_x,right_eyebrow_outer_end_y,nose_tip_x,nose_tip_y,mouth_left_corner_x,mouth_left_corner_y,mouth_right_corner_x,mouth_right_corner_y,mouth_center_top_lip_x,mouth_center_top_lip_y,mouth_center_bottom_lip_x,mouth_center_bottom_lip_y',
    );
    // Labels-only project: no Image column, readable back with kaggle-labels.
    expect(row.startsWith(',,12.25,40,')).toBe(true);
    const back = await importKaggleLabels(out, kaggle, ctx);
    expect(back[0].keypoints[1]).toEqual({ x: 12.25, y: 40, state: 'labelled' });
  });

  it('converts 96x96 image files to grey pixels, and refuses other sizes with a clear message', async () => {
    const dir = tempDir();
    const png = await writePng(join(dir, 'face.png'), 96, 96, 1);
    const src = memorySource(kaggle, [{ source: png, record: 1, groupId: null, image: { kind: 'file', path: png, width: 96, height: 96, channels: 1 }, keypoints: kaggle.keypoints.map(() => ({ x: 1, y: 2, state: 'labelled' as const })) }]);
    const out = join(dir, 'from-png.csv');
    await exportKaggleCsv(src, out, ctx);
    const [s] = await importKaggleCsv(out, kaggle, ctx);
    const expected = Array.from({ length: 9216 }, (_, i) => (i * 13) % 256);
    expect(s.image.kind === 'embedded' && Array.from(s.image.pixels)).toEqual(expected);

    const big = await writePng(join(dir, 'big.png'), 120, 100);
    const bad = memorySource(kaggle, [{ source: big, record: 1, groupId: null, image: { kind: 'file', path: big, width: 120, height: 100, channels: 3 }, keypoints: kaggle.keypoints.map(() => ({ x: 1, y: 2, state: 'labelled' as const })) }]);
    const target = join(dir, 'never.csv');
    await expect(exportKaggleCsv(bad, target, ctx)).rejects.toThrow(/is 120x100; the Kaggle CSV layout holds 96x96 grey images only/);
    await expect(exportKaggleCsv(bad, target, ctx)).rejects.toBeInstanceOf(KpsError);
    // Nothing left behind: neither the target nor a temporary file.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]);
  });

  it('exports 96x96 image files upright by their EXIF orientation (as their keypoints are), and with alpha dropped', async () => {
    const dir = tempDir();
    // Stored: a bright bar along the top left; EXIF orientation 6 shows it along the top right.
    const px = Buffer.alloc(96 * 96, 30);
    for (let y = 0; y < 16; y++) px.fill(230, y * 96, y * 96 + 48);
    const jpg = join(dir, 'turned.jpg');
    await sharp(px, { raw: { width: 96, height: 96, channels: 1 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(jpg);
    const rgba = join(dir, 'alpha.png');
    await sharp({ create: { width: 96, height: 96, channels: 4, background: { r: 100, g: 100, b: 100, alpha: 0.5 } } }).png().toFile(rgba);
    const kps = kaggle.keypoints.map(() => ({ x: 1, y: 2, state: 'labelled' as const }));
    const src = memorySource(kaggle, [jpg, rgba].map((path, i) => ({ source: path, record: i + 1, groupId: null, image: { kind: 'file' as const, path, width: 96, height: 96, channels: 3 }, keypoints: kps })));
    const out = join(dir, 'turned.csv');
    await exportKaggleCsv(src, out, ctx);
    const [turned, alpha] = await importKaggleCsv(out, kaggle, ctx);
    const g = turned.image.kind === 'embedded' ? turned.image.pixels : new Uint8Array(0);
    expect(g.length).toBe(9216);
    expect(g[8 * 96 + 90]).toBeGreaterThan(200); // top right: the bar
    expect(g[8 * 96 + 5]).toBeLessThan(60); // top left: background
    expect(g[40 * 96 + 90]).toBeGreaterThan(200); // the bar runs down the right side, half way
    expect(g[60 * 96 + 90]).toBeLessThan(60);
    expect(alpha.image.kind === 'embedded' && [...alpha.image.pixels].every((v) => Math.abs(v - 100) <= 1)).toBe(true);
  });

  it('a failed export leaves an existing file untouched', async () => {
    const dir = tempDir();
    const target = writeText(join(dir, 'keep.csv'), 'old contents\n');
    const big = await writePng(join(dir, 'big.png'), 50, 50);
    const bad = memorySource(kaggle, [{ source: big, record: 1, groupId: null, image: { kind: 'file', path: big, width: 50, height: 50, channels: 3 }, keypoints: kaggle.keypoints.map(() => ({ x: NaN, y: NaN, state: 'missing' as const })) }]);
    await expect(exportKaggleCsv(bad, target, ctx)).rejects.toThrow(/50x50/);
    expect(readFileSync(target, 'utf8')).toBe('old contents\n');
  });
});
