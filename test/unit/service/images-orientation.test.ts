// The image server on an EXIF-rotated photo: thumbnails (re-encoded by sharp, which drops the EXIF orientation) come out upright.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageServer } from '../../../src-main/service/images.js';
import type { ProjectStore } from '../../../src-main/store/types.js';

describe('ImageServer on an EXIF orientation 6 photo', () => {
  it('serves a thumbnail in the upright frame the sample is stored in (portrait 80 x 120 -> 27 x 40)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kps-img-')), 'r.jpg');
    // Stored 120 x 80 with a bright bar at the stored top left; orientation 6 shows it 80 x 120, the bar top right.
    const px = Buffer.alloc(120 * 80 * 3, 40);
    for (let y = 0; y < 20; y++) px.fill(230, (y * 120) * 3, (y * 120 + 40) * 3);
    await sharp(px, { raw: { width: 120, height: 80, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(path);
    const store = {
      path: '/virtual/p.kps',
      getSample: () => ({ image: { kind: 'file', path, width: 80, height: 120, channels: 3 } }),
      getPixels: () => null,
      getImagePath: () => path,
    } as unknown as ProjectStore;
    const thumb = await new ImageServer().get(store, 1, 40);
    expect(thumb.contentType).toBe('image/jpeg');
    const { data, info } = await sharp(thumb.body).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([27, 40]);
    // Upright: top right bright, top left dark.
    expect(data[3 * info.width + info.width - 3]).toBeGreaterThan(180);
    expect(data[3 * info.width + 2]).toBeLessThan(90);
  });
});
