// A photo of two people (two IMM faces side by side): photo.predict lists both faces and predicts the one chosen;
// photo.add labels one chosen face or adds each face as its own sample, with that face stored as the sample's crop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { PRETRAINED_ID } from '../../../src-main/api/pretrained-id.js';
import { requireDataDir } from '../../helpers/data.js';
import { writeTwoPeoplePhoto } from '../../helpers/two-people.js';
import type { PredictionsFile } from '../../../src-main/core/predictions.js';

type Box = { x: number; y: number; width: number; height: number };
const inside = (x: number, y: number, b: Box, grow = 0.25) =>
  x >= b.x - grow * b.width && x <= b.x + (1 + grow) * b.width && y >= b.y - grow * b.height && y <= b.y + (1 + grow) * b.height;

describe('photos of several people', () => {
  let dir: string;
  let photo: string;
  let service: Service;

  beforeAll(async () => {
    const data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-multiface-'));
    photo = await writeTwoPeoplePhoto(data, dir);
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'ibug-68' });
  }, 60_000);
  afterAll(async () => {
    await service?.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists both faces and predicts the chosen one; a face that is not there is refused by number', async () => {
    const first = await service.call('photo.predict', { path: photo, runId: PRETRAINED_ID });
    expect(first.faces).toHaveLength(2);
    expect(first.faceIndex).toBe(0);
    const second = await service.call('photo.predict', { path: photo, runId: PRETRAINED_ID, faceIndex: 1 });
    expect(second.faces).toEqual(first.faces);
    // One face on each half of the picture.
    expect(first.faces.map((f) => f.x + f.width / 2 > 640).sort()).toEqual([false, true]);
    for (const [p, i] of [[first, 0], [second, 1]] as const) {
      expect(p.face.x).toBeCloseTo(p.faces[i].x, 3);
      const coords = p.coords!;
      for (let k = 0; k < 68; k++) expect(inside(coords[2 * k], coords[2 * k + 1], p.faces[i])).toBe(true);
    }
    await expect(service.call('photo.predict', { path: photo, runId: PRETRAINED_ID, faceIndex: 2 })).rejects.toThrow(/face 3 asked for, but 2 faces were found/);
  }, 120_000);

  it('predicts every face of the photo as a batch (kps predict --all-faces), or only the best one by default', async () => {
    const all = await service.call('job.wait', await service.call('photo.predictBatch', { paths: [photo], runId: PRETRAINED_ID, allFaces: true }));
    expect(all.state).toBe('done');
    const images = (all.result as PredictionsFile).images;
    expect(images.map((im) => im.faceIndex)).toEqual([0, 1]);
    expect(images[0].face!.x).not.toBeCloseTo(images[1].face!.x, 0);
    for (const im of images) expect(im.keypoints.every((k) => inside(k.x, k.y, im.face!))).toBe(true);
    const best = await service.call('job.wait', await service.call('photo.predictBatch', { paths: [photo], runId: PRETRAINED_ID }));
    const one = (best.result as PredictionsFile).images;
    expect(one).toHaveLength(1);
    expect(one[0].faceIndex).toBeUndefined();
    expect(one[0].face).toEqual(images[0].face);
    await expect(service.call('photo.predictBatch', { paths: [photo], runId: PRETRAINED_ID, allFaces: 'yes' as never })).rejects.toThrow(/photo.predictBatch: "allFaces" must be true or false/);
  }, 120_000);

  it('adds each face as its own sample with that face as its crop, prefilled as predictions to confirm', async () => {
    const { faces } = await service.call('photo.predict', { path: photo });
    const added = await service.call('photo.add', { path: photo, face: 'each', prefillRunId: PRETRAINED_ID });
    expect(added.sampleIds).toHaveLength(2);
    expect(added.prefilled).toBe(2 * 68);
    for (const [i, id] of added.sampleIds.entries()) {
      const s = await service.call('sample.get', { id });
      expect(s.record).toBe(i + 1);
      expect(s.predictedCount).toBe(68);
      expect(s.keypoints.every((k) => inside(k.x, k.y, faces[i]) && k.provenance === `model:${PRETRAINED_ID}`)).toBe(true);
    }
    // Ghosts for each sample come from its own face too (the stored face picks the detection), not the best-scoring one.
    const ghosts = await service.call('assist.predict', { runId: PRETRAINED_ID, sampleIds: added.sampleIds });
    for (const [i, g] of ghosts.items.entries()) for (let k = 0; k < 68; k++) expect(inside(g.coords[2 * k], g.coords[2 * k + 1], faces[i])).toBe(true);
    // The stored crop of each sample is its own face, so training crops that face (the statistics count both found).
    expect((await service.call('stats.get', {})).faces).toMatchObject({ found: 2, none: 0 });
    const one = await service.call('photo.add', { path: photo, face: 1 });
    expect(one.sampleIds).toEqual([one.sampleId]);
    expect((await service.call('sample.get', { id: one.sampleId })).record).toBe(2);
    await expect(service.call('photo.add', { path: photo, face: 5 })).rejects.toThrow(/face 6 asked for, but 2 faces were found/);
    await expect(service.call('photo.add', { path: photo, face: 'both' as never })).rejects.toThrow(/photo.add: "face" must be a face index/);
  }, 180_000);
});
