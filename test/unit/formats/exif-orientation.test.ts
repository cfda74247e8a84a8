// The point-format importers on EXIF-rotated photos: sizes (and the bounds points are checked against) are the upright ones, as the grey decoding gives.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import { importCoco } from '../../../src-main/formats/coco.js';
import { quietContext, readImageInfo } from '../../../src-main/formats/common.js';
import { importAsf } from '../../../src-main/formats/asf.js';
import { importPts } from '../../../src-main/formats/pts.js';
import { decodeGrey } from '../../../src-main/imaging/grey.js';
import { asfText, cocoDoc, ptsText, tempDir, triSchema, writeText } from './fixtures.js';

const ctx = quietContext();

/** A 120 x 80 (stored) JPEG whose EXIF orientation 6 shows it 80 x 120. */
async function writeRotatedJpeg(path: string): Promise<string> {
  const rgb = Buffer.alloc(120 * 80 * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 5) % 256;
  await sharp(rgb, { raw: { width: 120, height: 80, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(path);
  return path;
}

describe('importers on an EXIF orientation 6 photo (stored 120 x 80, upright 80 x 120)', () => {
  it('readImageInfo gives the upright size, the one decodeGrey decodes to, and the orientation', async () => {
    const path = await writeRotatedJpeg(join(tempDir(), 'r.jpg'));
    const info = await readImageInfo(path);
    expect(info).toEqual({ width: 80, height: 120, channels: 3, orientation: 6 });
    const grey = await decodeGrey(path);
    expect([grey.width, grey.height]).toEqual([info.width, info.height]);
  });

  it('.pts: upright size, and a point low in the upright frame (outside the stored one) is accepted', async () => {
    const dir = tempDir();
    await writeRotatedJpeg(join(dir, 'r.jpg'));
    // 1-based; (70, 110) lies inside 80 x 120 but below the stored image's 80 rows.
    writeText(join(dir, 'r.pts'), ptsText([[10, 10], [70, 10], [70, 110]]));
    const [s] = await importPts(dir, triSchema, ctx);
    expect(s.image).toMatchObject({ kind: 'file', width: 80, height: 120 });
    expect(s.keypoints[2]).toEqual({ x: 69, y: 109, state: 'labelled' });
  });

  it('.asf: relative points scale by the upright width and height', async () => {
    const dir = tempDir();
    await writeRotatedJpeg(join(dir, '03_07.jpg'));
    writeText(join(dir, '03_07.asf'), asfText([[0.25, 0.5], [0.75, 0.5], [0.5, 0.75]], '03_07.jpg'));
    const [s] = await importAsf(dir, triSchema, ctx);
    expect(s.image).toMatchObject({ width: 80, height: 120 });
    expect(s.keypoints.map((k) => [k.x, k.y])).toEqual([[20, 60], [60, 60], [40, 90]]);
  });

  it('COCO: the upright size imports; the stored size is refused with a message naming the record and the orientation', async () => {
    const dir = tempDir();
    await writeRotatedJpeg(join(dir, 'r.jpg'));
    const ok = writeText(join(dir, 'up.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'r.jpg', width: 80, height: 120 }], [{ id: 1, image_id: 1, keypoints: [10, 100, 2, 60, 100, 2, 40, 110, 2] }]));
    const [s] = await importCoco(ok, triSchema, ctx);
    expect(s.image).toMatchObject({ width: 80, height: 120 });
    expect(s.keypoints[2]).toEqual({ x: 40, y: 110, state: 'labelled' });
    const stored = writeText(join(dir, 'stored.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'r.jpg', width: 120, height: 80 }], [{ id: 1, image_id: 1, keypoints: [10, 10, 2, 60, 10, 2, 40, 70, 2] }]));
    await expect(importCoco(stored, triSchema, ctx)).rejects.toThrow(
      /stored\.json.*image id 1: the JSON says 120x80 but .*r\.jpg is 80x120 upright \(its EXIF orientation 6 swaps the stored 120x80/,
    );
  });
});
