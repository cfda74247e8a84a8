// thumbs.batch on a real Kaggle project: each BMP carries exactly the sample's pixels (checked against the PNG image route), in the order asked.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { greyBmp } from '../../../src-main/imaging/bmp.js';
import { requireDataDir } from '../../helpers/data.js';

/** Reads an 8-bit paletted BMP back to row-major grey pixels, checking the header on the way. */
function readGreyBmp(b: Buffer): { width: number; height: number; grey: Uint8Array } {
  expect(b.toString('latin1', 0, 2)).toBe('BM');
  expect(b.readUInt32LE(2)).toBe(b.length);
  expect(b.readUInt16LE(28)).toBe(8);
  const width = b.readInt32LE(18);
  const height = b.readInt32LE(22);
  const offset = b.readUInt32LE(10);
  const stride = (width + 3) & ~3;
  expect(b.length).toBe(offset + stride * height);
  const grey = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = b[offset + (height - 1 - y) * stride + x];
      // The palette maps index i to grey level i.
      expect(b[54 + index * 4]).toBe(index);
      grey[y * width + x] = index;
    }
  }
  return { width, height, grey };
}

describe('greyBmp', () => {
  it('pads rows to 4 bytes and stores them bottom-up', () => {
    const px = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 3x2
    const bmp = greyBmp(3, 2, px);
    const back = readGreyBmp(bmp);
    expect(back).toEqual({ width: 3, height: 2, grey: px });
    expect(bmp.length).toBe(14 + 40 + 1024 + 4 * 2);
  });
  it('rejects a pixel count that does not match the size', () => {
    expect(() => greyBmp(3, 3, new Uint8Array(8))).toThrow(/8 pixels for a 3x3 image/);
  });
});

describe('thumbs.batch', () => {
  let dir: string;
  let service: Service;
  let ids: number[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-thumbs-'));
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n', 7);
    writeFileSync(join(dir, 'six.csv'), lines.slice(0, 7).join('\n') + '\n');
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
    const imp = await service.call('job.wait', await service.call('import.start', { path: join(dir, 'six.csv'), format: 'kaggle-csv' }));
    expect(imp.state).toBe('done');
    ids = (await service.call('samples.ids', {})).ids;
    expect(ids).toHaveLength(6);
  }, 60_000);
  afterAll(async () => {
    await service?.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("returns each embedded sample's exact pixels, in the order asked", async () => {
    const asked = [ids[3], ids[0], ids[5]];
    const { items } = await service.call('thumbs.batch', { ids: asked });
    expect(items.map((i) => i.id)).toEqual(asked);
    for (const it of items) {
      if (it.kind !== 'bmp') throw new Error(`sample ${it.id}: kind ${it.kind}, expected bmp`);
      expect([it.width, it.height]).toEqual([96, 96]);
      const bmp = readGreyBmp(Buffer.from(it.bmp, 'base64'));
      // The image route's PNG of the same sample, decoded independently, must hold the same pixels.
      const png = await service.image(it.id);
      // sharp may expand grey to RGB on decode; every channel holds the grey level, so channel 0 is the image.
      const { data, info } = await sharp(png.body).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(1);
      expect([bmp.width, bmp.height]).toEqual([info.width, info.height]);
      expect(Buffer.from(bmp.grey).equals(data)).toBe(true);
    }
    // Different faces, different pixels: the batch does not repeat one image.
    expect(items[0].kind === 'bmp' && items[1].kind === 'bmp' && items[0].bmp !== items[1].bmp).toBe(true);
  });

  it('answers `none` for an id with no sample and still serves the rest', async () => {
    const missing = Math.max(...ids) + 1000;
    const { items } = await service.call('thumbs.batch', { ids: [missing, ids[1]] });
    expect(items[0]).toEqual({ id: missing, kind: 'none' });
    expect(items[1].kind).toBe('bmp');
  });

  it('rejects ids that are not sample ids, and batches over 512', async () => {
    await expect(service.call('thumbs.batch', { ids: [-1] })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(service.call('thumbs.batch', { ids: [1.5] })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(service.call('thumbs.batch', { ids: Array.from({ length: 513 }, (_, i) => i) })).rejects.toThrow(/at most 512/);
  });
});
