// .pts, .asf and COCO on synthetic folders: coordinate conventions, group ids, unlabelled images, and round trips through the exporters.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { exportCoco, importCoco } from '../../../src-main/formats/coco.js';
import { groupIdFromName, quietContext } from '../../../src-main/formats/common.js';
import { importAsf } from '../../../src-main/formats/asf.js';
import { exportPts, formatPts, importPts, parsePts } from '../../../src-main/formats/pts.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { asfText, cocoDoc, greyPixels, ptsText, tempDir, triSchema, writeJpeg, writePng, writeText } from './fixtures.js';
import { maxLabelDifference, memorySource } from './memory-source.js';

const ctx = quietContext();

describe('group ids from IMM file names', () => {
  it('takes the person from IMM names and nothing from others', () => {
    expect(groupIdFromName('/data/01-3m.pts')).toBe('01');
    expect(groupIdFromName('03_07.asf')).toBe('03');
    expect(groupIdFromName('40-6f.jpg')).toBe('40');
    expect(groupIdFromName('image_0001.jpg')).toBeNull();
    expect(groupIdFromName('face.png')).toBeNull();
  });
});

describe('.pts', () => {
  it('parses 1-based points into 0-based ones and reads "-1 -1" as missing', () => {
    const kps = parsePts('a.pts', 'version: 1\nn_points:  3\n{\n1 1\n10.5 20.25\n-1 -1\n}\n', triSchema);
    expect(kps).toEqual([
      { x: 0, y: 0, state: 'labelled' },
      { x: 9.5, y: 19.25, state: 'labelled' },
      { x: NaN, y: NaN, state: 'missing' },
    ]);
    expect(parsePts('a.pts', formatPts(kps), triSchema)).toEqual(kps);
  });

  it('imports a folder (recursively): labelled images, unlabelled images, image sizes and groups', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    await writePng(join(dir, '01-1m.png'), 40, 30);
    writeText(join(dir, '01-1m.pts'), ptsText([[1, 2], [3, 4], [5, 6]]));
    await writeJpeg(join(dir, 'sub', 'img_b.JPG'), 20, 10);
    writeText(join(dir, 'sub', 'img_b.pts'), ptsText([[2, 2], [3, 3], [4, 4]]));
    await writePng(join(dir, 'unlabelled.png'), 8, 8);
    writeText(join(dir, 'notes.txt'), 'ignored');
    const samples = await importPts(dir, triSchema, ctx);
    expect(samples.map((s) => [s.source.slice(dir.length + 1), s.image.width, s.image.height, s.groupId])).toEqual([
      ['01-1m.pts', 40, 30, '01'],
      ['sub/img_b.pts', 20, 10, null],
      ['unlabelled.png', 8, 8, null],
    ]);
    expect(samples[0].keypoints[2]).toEqual({ x: 4, y: 5, state: 'labelled' });
    expect(samples[1].image.kind === 'file' && samples[1].image.path).toBe(join(dir, 'sub', 'img_b.JPG'));
    expect(samples[2].keypoints.every((k) => k.state === 'missing')).toBe(true);
    // A single .pts file imports just that sample.
    const one = await importPts(join(dir, '01-1m.pts'), triSchema, ctx);
    expect(one.length).toBe(1);
  });

  it('round trip: import, export (images copied or written as PNG), import within 1e-3 px', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 64, 48);
    writeText(join(dir, 'a.pts'), ptsText([[1.25, 2.5], [30.125, 40.0625], [-1, -1]]));
    const first = await importPts(dir, triSchema, ctx);
    const embedded: ImportedSample = {
      source: 'train.csv',
      record: 7,
      groupId: null,
      image: { kind: 'embedded', width: 96, height: 96, channels: 1, pixels: Uint8Array.from(greyPixels(3)) },
      keypoints: [{ x: 10.333333, y: 20.666667, state: 'labelled' }, { x: 0, y: 95, state: 'occluded' }, { x: NaN, y: NaN, state: 'missing' }],
    };
    const out = join(dir, 'export');
    const res = await exportPts(memorySource(triSchema, [...first, embedded]), out, ctx);
    expect(res.written).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['.kps-export', 'a.png', 'a.pts', 'sample_000002.png', 'sample_000002.pts']);
    const meta = await sharp(join(out, 'sample_000002.png')).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 96, 96, 1]);
    const { data } = await sharp(join(out, 'sample_000002.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual(greyPixels(3));
    const second = await importPts(out, triSchema, ctx);
    // .pts has no occluded state: the occluded point comes back labelled at the same place.
    embedded.keypoints[1].state = 'labelled';
    expect(maxLabelDifference([...first, embedded], second)).toBeLessThan(1e-3);
  });

  it('exporting again to the same folder replaces the earlier export', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 10, 10);
    writeText(join(dir, 'a.pts'), ptsText([[1, 1], [2, 2], [3, 3]]));
    const samples = await importPts(dir, triSchema, ctx);
    const out = join(dir, 'export');
    await exportPts(memorySource(triSchema, samples), out, ctx);
    samples[0].keypoints[0] = { x: 7, y: 8, state: 'labelled' };
    await exportPts(memorySource(triSchema, samples), out, ctx);
    const again = await importPts(out, triSchema, ctx);
    expect(again[0].keypoints[0]).toEqual({ x: 7, y: 8, state: 'labelled' });
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'a.pts', 'export']);
  });

  it('refuses to export into a folder that already has files, and leaves it alone', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 10, 10);
    writeText(join(dir, 'a.pts'), ptsText([[1, 1], [2, 2], [3, 3]]));
    const samples = await importPts(dir, triSchema, ctx);
    await expect(exportPts(memorySource(triSchema, samples), dir, ctx)).rejects.toThrow(/exists and is not empty/);
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'a.pts']);
  });
});

describe('.asf', () => {
  it('multiplies relative coordinates by the host image size; groups from IMM names', async () => {
    const dir = tempDir();
    await writeJpeg(join(dir, '03_07.jpg'), 200, 100);
    writeText(join(dir, '03_07.asf'), asfText([[0.25, 0.5], [0.75, 0.5], [0.5, 0.8]], '03_07.jpg'));
    const [s] = await importAsf(dir, triSchema, ctx);
    expect(s.groupId).toBe('03');
    expect(s.source).toBe(join(dir, '03_07.asf'));
    expect(s.image).toMatchObject({ kind: 'file', path: join(dir, '03_07.jpg'), width: 200, height: 100 });
    expect(s.keypoints).toEqual([
      { x: 50, y: 50, state: 'labelled' },
      { x: 150, y: 50, state: 'labelled' },
      { x: 100, y: 80, state: 'labelled' },
    ]);
  });

  it('round trip through COCO export keeps the points within 1e-3 px', async () => {
    const dir = tempDir();
    await writeJpeg(join(dir, '01_01.jpg'), 80, 60);
    writeText(join(dir, '01_01.asf'), asfText([[0.31251052, 0.37090045], [0.55638331, 0.3735511], [0.42954508, 0.49563471]], '01_01.jpg'));
    const first = await importAsf(dir, triSchema, ctx);
    const out = join(dir, 'coco');
    await exportCoco(memorySource(triSchema, first), out, ctx);
    const second = await importCoco(join(out, 'annotations.json'), triSchema, ctx);
    expect(maxLabelDifference(first, second)).toBeLessThan(1e-3);
    expect(second[0].groupId).toBe('01');
  });
});

describe('COCO', () => {
  it('maps v = 0/1/2 to missing/occluded/labelled, finds images in images/, keeps unannotated images', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'images'));
    await writePng(join(dir, 'images', 'a.png'), 30, 20);
    await writePng(join(dir, 'b.png'), 10, 10);
    const file = writeText(
      join(dir, 'kp.json'),
      cocoDoc(triSchema, [{ id: 5, file_name: 'a.png', width: 30, height: 20 }, { id: 6, file_name: 'b.png', width: 10, height: 10 }], [
        { id: 1, image_id: 5, keypoints: [1.5, 2.5, 2, 3, 4, 1, 0, 0, 0] },
      ]),
    );
    const samples = await importCoco(file, triSchema, ctx);
    expect(samples.length).toBe(2);
    expect(samples[0]).toMatchObject({ source: file, record: 1, externalId: '5' });
    expect(samples[0].keypoints).toEqual([
      { x: 1.5, y: 2.5, state: 'labelled' },
      { x: 3, y: 4, state: 'occluded' },
      { x: NaN, y: NaN, state: 'missing' },
    ]);
    expect(samples[0].image).toMatchObject({ path: join(dir, 'images', 'a.png'), width: 30, height: 20 });
    expect(samples[1]).toMatchObject({ record: 2, externalId: '6' });
    expect(samples[1].keypoints.every((k) => k.state === 'missing')).toBe(true);
  });

  it('maps keypoints by name when the category lists them in another order', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 30, 20);
    const doc = {
      images: [{ id: 1, file_name: 'a.png', width: 30, height: 20 }],
      annotations: [{ id: 1, image_id: 1, category_id: 3, keypoints: [5, 6, 2, 1, 2, 2, 3, 4, 2] }],
      categories: [{ id: 3, name: 'face', keypoints: ['nose', 'left_eye', 'right_eye'] }],
    };
    const file = writeText(join(dir, 'kp.json'), JSON.stringify(doc));
    const [s] = await importCoco(file, triSchema, ctx);
    expect(s.keypoints.map((k) => [k.x, k.y])).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('exports visibility, num_keypoints, bbox of labelled points, names and a 1-based skeleton', async () => {
    const dir = tempDir();
    const png = await writePng(join(dir, 'face.png'), 50, 40);
    const sample: ImportedSample = {
      source: png,
      record: 1,
      groupId: null,
      image: { kind: 'file', path: png, width: 50, height: 40, channels: 3 },
      keypoints: [{ x: 10, y: 12, state: 'labelled' }, { x: 30, y: 8, state: 'occluded' }, { x: NaN, y: NaN, state: 'missing' }],
    };
    const out = join(dir, 'export');
    const res = await exportCoco(memorySource(triSchema, [sample]), out, ctx);
    expect(res.written).toBe(1);
    const doc = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8'));
    expect(doc.categories).toEqual([{ id: 1, name: 'face', supercategory: 'face', keypoints: ['left_eye', 'right_eye', 'nose'], skeleton: [[1, 3], [2, 3]] }]);
    expect(doc.images).toEqual([{ id: 1, file_name: 'images/face.png', width: 50, height: 40 }]);
    expect(doc.annotations[0]).toMatchObject({ image_id: 1, category_id: 1, keypoints: [10, 12, 2, 30, 8, 1, 0, 0, 0], num_keypoints: 2, bbox: [10, 8, 20, 4], area: 80, iscrowd: 0 });
    expect(existsSync(join(out, 'images', 'face.png'))).toBe(true);
    const back = await importCoco(join(out, 'annotations.json'), triSchema, ctx);
    expect(maxLabelDifference([sample], back)).toBe(0);
  });

  it('to a .json path: file images are referenced where they are, embedded pixels go to <name>-images/', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const png = await writePng(join(dir, 'data', 'face.png'), 50, 40);
    const fileSample: ImportedSample = { source: png, record: 1, groupId: null, image: { kind: 'file', path: png, width: 50, height: 40, channels: 3 }, keypoints: [{ x: 1, y: 2, state: 'labelled' }, { x: 3, y: 4, state: 'labelled' }, { x: 5, y: 6, state: 'occluded' }] };
    const out = join(dir, 'out', 'keypoints.json');
    const res = await exportCoco(memorySource(triSchema, [fileSample]), out, ctx);
    expect(res.files).toEqual([out]);
    expect(readdirSync(join(dir, 'out'))).toEqual(['keypoints.json']);
    expect(JSON.parse(readFileSync(out, 'utf8')).images[0].file_name).toBe('../data/face.png');
    expect(maxLabelDifference([fileSample], await importCoco(out, triSchema, ctx))).toBe(0);

    const embedded: ImportedSample = { source: 't.csv', record: 1, groupId: null, image: { kind: 'embedded', width: 96, height: 96, channels: 1, pixels: Uint8Array.from(greyPixels(1)) }, keypoints: [{ x: 10.5, y: 20.25, state: 'labelled' }, { x: NaN, y: NaN, state: 'missing' }, { x: 0, y: 0, state: 'labelled' }] };
    await exportCoco(memorySource(triSchema, [embedded, fileSample]), out, ctx);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['keypoints-images', 'keypoints.json']);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.images.map((i: { file_name: string }) => i.file_name)).toEqual(['keypoints-images/sample_000001.png', '../data/face.png']);
    expect(maxLabelDifference([embedded, fileSample], await importCoco(out, triSchema, ctx))).toBe(0);
    // Exporting again replaces the images folder of the earlier export.
    await exportCoco(memorySource(triSchema, [embedded]), out, ctx);
    expect(readdirSync(join(dir, 'out', 'keypoints-images')).sort()).toEqual(['.kps-export', 'sample_000001.png']);
  });

  it('refuses labels-only samples (COCO needs an image per sample) and writes nothing', async () => {
    const dir = tempDir();
    const sample: ImportedSample = { source: 'l.csv', record: 1, groupId: null, image: { kind: 'none', width: 96, height: 96, channels: 0 }, keypoints: triSchema.keypoints.map(() => ({ x: 1, y: 1, state: 'labelled' as const })) };
    await expect(exportCoco(memorySource(triSchema, [sample]), join(dir, 'out'), ctx)).rejects.toThrow(/has no image; COCO needs one per sample/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an image missing from disk names the JSON, the annotation record and the file name', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'kp.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'gone.png', width: 5, height: 5 }], [{ id: 9, image_id: 1, keypoints: [1, 1, 2, 2, 2, 2, 3, 3, 2] }]));
    await expect(importCoco(file, triSchema, ctx)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, record 1: image id 1: "gone.png" not found`));
    writeFileSync(join(dir, 'gone.png'), '');
    await expect(importCoco(file, triSchema, ctx)).rejects.toThrow(/record 1: image .*gone\.png is empty \(0 bytes\)/);
  });
});
