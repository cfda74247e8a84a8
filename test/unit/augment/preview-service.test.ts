// augment.preview through the real service and project store: a synthetic Kaggle CSV is imported, then previewed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import '../../../src-main/service/handlers/augment.js';
import { centroidNear, dotImage } from './dots.js';

/** Kaggle-15 mean positions: every row has all 15 keypoints, each drawn as a dot. */
const MEAN = [
  [66.2, 36.8], [29.6, 37.1], [59.3, 37.9], [73.4, 37.6], [36.6, 37.9], [22.4, 38.0], [56.2, 29.2], [79.6, 29.7],
  [39.3, 29.4], [15.8, 30.5], [48.0, 57.3], [63.4, 75.9], [33.0, 76.1], [48.1, 72.7], [48.2, 82.6],
];

describe('augment.preview over the service', () => {
  let dir: string;
  let service: Service;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-aug-service-'));
    const header = [
      'left_eye_center', 'right_eye_center', 'left_eye_inner_corner', 'left_eye_outer_corner', 'right_eye_inner_corner', 'right_eye_outer_corner',
      'left_eyebrow_inner_end', 'left_eyebrow_outer_end', 'right_eyebrow_inner_end', 'right_eyebrow_outer_end', 'nose_tip',
      'mouth_left_corner', 'mouth_right_corner', 'mouth_center_top_lip', 'mouth_center_bottom_lip',
    ].flatMap((n) => [`${n}_x`, `${n}_y`]);
    const rows = [header.join(',') + ',Image'];
    for (let r = 0; r < 4; r++) {
      // Dots drawn far enough apart to be found: brows and eye corners merge, so draw eye centres, nose and mouth corners only.
      const pts = MEAN.map(([x, y]) => ({ x: x + r - 1.5, y: y + (r % 2) }));
      const drawn = [0, 1, 10, 11, 12].map((i) => pts[i]);
      const img = dotImage(96, 96, drawn, 1.3);
      rows.push(pts.flatMap((p) => [p.x.toFixed(3), p.y.toFixed(3)]).join(',') + ',' + Array.from(img, (v) => Math.round(v * 255)).join(' '));
    }
    writeFileSync(join(dir, 'training.csv'), rows.join('\n') + '\n');
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
    const job = await service.call('import.start', { path: join(dir, 'training.csv'), format: 'kaggle-csv' });
    const done = await service.call('job.wait', job);
    expect(done.state).toBe('done');
  });
  afterAll(async () => {
    await service.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns augmented samples of the project whose eye, nose and mouth dots sit on the returned keypoints', async () => {
    const res = await service.call('augment.preview', { count: 10, params: { preset: 'strong', noise: { p: 0 } }, seed: 5, encoding: 'array' });
    expect(res.samples).toHaveLength(10);
    let checked = 0;
    let flips = 0;
    for (const s of res.samples) {
      expect([s.width, s.height]).toEqual([96, 96]);
      if (s.draw.flip) flips++;
      for (const i of [0, 1, 10, 11, 12]) {
        const k = s.keypoints[i];
        if (k.state === 'missing' || k.x < 8 || k.y < 8 || k.x > 87 || k.y > 87) continue;
        const c = centroidNear(s.pixels as number[], 96, 96, k.x, k.y, 5);
        expect(Math.hypot(c.x - k.x, c.y - k.y)).toBeLessThan(0.5);
        checked++;
      }
      // The subject's left eye stays on the image right, flipped or not (rotations stay under 25 degrees).
      if (s.keypoints[0].state !== 'missing' && s.keypoints[1].state !== 'missing') expect(s.keypoints[0].x).toBeGreaterThan(s.keypoints[1].x);
    }
    expect(checked).toBeGreaterThan(30);
    expect(flips).toBeGreaterThan(0);
  });

  it('bad requests come back as bad-input errors', async () => {
    await expect(service.call('augment.preview', { count: 1000 })).rejects.toMatchObject({ code: 'bad-input' });
  });
});
