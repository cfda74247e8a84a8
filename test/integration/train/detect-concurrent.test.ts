// Face detection called several times at once while its nets are still loading (a cold start: the first photos of
// `kps predict` or of a Photos-view batch). Each call must wait for the one load, not start its own.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFaces } from '../../../src-main/train/infer/detect.js';
import { requireDataDir } from '../../helpers/data.js';

describe('detectFaces on a cold start', () => {
  it('finds the face in every photo when eight calls start together before the nets have loaded', async () => {
    const dir = join(requireDataDir(), 'imm-face-db');
    const photos = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, 8).map((f) => join(dir, f));
    expect(photos).toHaveLength(8);
    // Nothing in this file has touched the detector before: the loads happen inside these calls.
    const found = await Promise.all(photos.map((p) => detectFaces(p)));
    expect(found.map((d) => d.faces.length > 0)).toEqual(photos.map(() => true));
    // The same photos one at a time, nets now loaded: the same boxes.
    for (let i = 0; i < photos.length; i++) {
      const again = await detectFaces(photos[i]);
      expect(again.faces[0].x).toBeCloseTo(found[i].faces[0].x, 3);
      expect(again.faces[0].width).toBeCloseTo(found[i].faces[0].width, 3);
    }
  }, 120_000);
});
