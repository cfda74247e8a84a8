// A 4,000 x 3,000 photo through photo.predict with the pretrained net: the Photos view gets a preview of at most 800 px
// (the renderer never decodes the full photo), the detector box and the points come back in the photo's own pixels,
// and they agree with the same face predicted at its original size.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { requireDataDir } from '../../helpers/data.js';
import { PRETRAINED_ID } from '../../../src-main/api/pretrained-id.js';
import { eyeKeypoints, outerEyeDistance, sampleNme } from '../../../src-main/train/pretrained/mapping.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { boxOfFlat, iouWithFace, readPtsFlat } from '../../helpers/pts.js';

const STEM = 'image_0004';
const W = 4000, H = 3000;

const readPts = (file: string) => readPtsFlat(file, 'ibug-68');

describe('a 4,000 px photo in the Photos view', () => {
  let dir: string;
  let service: Service;
  let small: string;
  let large: string;
  let scale: number;
  const offset = { x: 1700, y: 900 };

  beforeAll(async () => {
    const lfpw = join(requireDataDir(), 'lfpw-train');
    dir = mkdtempSync(join(tmpdir(), 'kps-large-photo-'));
    const faces = join(dir, 'faces');
    mkdirSync(faces);
    for (const ext of ['.jpg', '.pts']) copyFileSync(join(lfpw, STEM + ext), join(faces, STEM + ext));
    small = join(faces, `${STEM}.jpg`);
    // The face enlarged about 4 times (a photo taken close up) and placed off centre on a 4,000 x 3,000 grey canvas.
    const meta = await sharp(small).metadata();
    scale = 1800 / Math.max(meta.width!, meta.height!);
    const face = await sharp(small).resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale)).toBuffer();
    large = join(dir, 'large.jpg');
    await sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } })
      .composite([{ input: face, left: offset.x, top: offset.y }])
      .jpeg({ quality: 90 })
      .toFile(large);
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'ibug-68' });
    expect((await service.call('job.wait', await service.call('import.start', { path: faces, format: 'pts' }))).state).toBe('done');
  }, 120_000);
  afterAll(async () => {
    await service?.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends an 800 px preview and puts the box and points on the face in the photo\'s own pixels', async () => {
    const schema = loadBuiltinSchema('ibug-68');
    const eyes = eyeKeypoints(schema);
    const gtSmall = readPts(join(dir, 'faces', `${STEM}.pts`));
    // Where the labels are in the large photo (pixel centres scaled, then shifted).
    const gt = gtSmall.map((v, i) => (v + 0.5) * scale - 0.5 + (i % 2 === 0 ? offset.x : offset.y));

    const p = await service.call('photo.predict', { path: large, runId: PRETRAINED_ID });
    expect([p.width, p.height]).toEqual([W, H]);
    expect(p.scale).toBeCloseTo(800 / W, 6);
    const preview = await sharp(Buffer.from(p.imageUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64')).metadata();
    expect([preview.width, preview.height]).toEqual([800, 600]);

    // The detector box covers the face where it was placed, and every point lies in the box widened by a tenth on each side.
    const f = p.face;
    expect(iouWithFace(boxOfFlat(gt), f)).toBeGreaterThan(0.3);
    const coords = p.coords!;
    expect(coords).toHaveLength(136);
    for (let k = 0; k < 68; k++) {
      expect(coords[2 * k]).toBeGreaterThan(f.x - 0.1 * f.width);
      expect(coords[2 * k]).toBeLessThan(f.x + 1.1 * f.width);
      expect(coords[2 * k + 1]).toBeGreaterThan(f.y - 0.1 * f.height);
      expect(coords[2 * k + 1]).toBeLessThan(f.y + 1.1 * f.height);
    }
    const nme = sampleNme(coords, gt, outerEyeDistance(eyes, gt));
    expect(nme).toBeLessThan(0.1);

    // The same face at its original size: the large photo's points, brought back to that frame, are the same shape.
    const q = await service.call('photo.predict', { path: small, runId: PRETRAINED_ID });
    const back = coords.map((v, i) => (v - (i % 2 === 0 ? offset.x : offset.y) + 0.5) / scale - 0.5);
    expect(sampleNme(back, q.coords!, outerEyeDistance(eyes, gtSmall))).toBeLessThan(0.04);
  }, 120_000);
});
