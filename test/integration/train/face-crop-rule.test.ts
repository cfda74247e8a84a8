// The face-crop rule on real LFPW photos: one stored detector box per image, and the same crop in training, evaluation and kps predict; labels never move a crop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import { openProject } from '../../../src-main/store/project.js';
import { parseSplit, prepareData } from '../../../src-main/train/data.js';
import { FACE_CROP_RULE } from '../../../src-main/train/facecrop.js';
import type { EvaluationReport } from '../../../src-main/train/runs.js';
import type { EnsureFacesResult } from '../../../src-main/train/faces.js';

const PHOTOS = 6;
let dir: string;
let service: Service;
let files: string[];
const project = () => join(dir, 'p.kps');
const tiny = { model: 'kpnet', width: 0.25, inputSize: 32, batch: 8, epochs: 1, split: 'random:0.3:0.2', augment: 'none' };

function storedFaces(): { sample_id: number; found: number; x: number | null; width: number | null }[] {
  const db = new Database(project(), { readonly: true });
  try {
    return db.prepare('SELECT sample_id, found, x, width FROM faces ORDER BY sample_id').all() as { sample_id: number; found: number; x: number | null; width: number | null }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const lfpw = join(requireDataDir(), 'lfpw-train');
  dir = mkdtempSync(join(tmpdir(), 'kps-facecrop-'));
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  const names = readdirSync(lfpw).filter((f) => f.endsWith('.jpg')).sort().slice(0, PHOTOS);
  for (const n of names) {
    copyFileSync(join(lfpw, n), join(photos, n));
    copyFileSync(join(lfpw, n.replace('.jpg', '.pts')), join(photos, n.replace('.jpg', '.pts')));
  }
  // A photo with no face: the sample must say so and use the fallback crop.
  await sharp({ create: { width: 240, height: 200, channels: 3, background: { r: 120, g: 120, b: 120 } } }).jpeg().toFile(join(photos, 'zz_blank.jpg'));
  copyFileSync(join(lfpw, names[0].replace('.jpg', '.pts')), join(photos, 'zz_blank.pts'));
  files = [...names, 'zz_blank.jpg'].map((n) => join(photos, n));
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: project(), schema: 'ibug-68' });
  const end = await service.call('job.wait', await service.call('import.start', { path: photos, format: 'pts' }));
  expect(end.state).toBe('done');
});

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the face-crop rule on LFPW photos', { timeout: 600_000 }, () => {
  it('finds each photo\'s face once and stores it; a photo without a face says so in the statistics and the gallery filter', async () => {
    expect((await service.call('stats.get', {})).faces).toEqual({ found: 0, none: 0, pending: PHOTOS + 1 });
    const end = await service.call('job.wait', await service.call('faces.detect', {}));
    expect(end.state).toBe('done');
    const r = end.result as EnsureFacesResult;
    expect(r).toMatchObject({ detected: PHOTOS + 1, found: PHOTOS, none: 1 });
    expect(r.meanMs).toBeGreaterThan(0);
    expect((await service.call('stats.get', {})).faces).toEqual({ found: PHOTOS, none: 1, pending: 0 });
    const none = await service.call('samples.list', { face: 'none' });
    expect(none.items.map((s) => s.source)).toEqual([expect.stringContaining('zz_blank')]);
    expect((await service.call('samples.list', { face: 'found' })).total).toBe(PHOTOS);
    await expect(service.call('samples.list', { face: 'maybe' as 'none' })).rejects.toThrow(/query.face must be one of found, none, pending/);
    // Found once: a second pass looks at nothing.
    const again = await service.call('job.wait', await service.call('faces.detect', {}));
    expect((again.result as EnsureFacesResult).detected).toBe(0);
  });

  let runId: string;
  it('training, evaluation and kps predict crop each photo the same way: the stored box through the same rule', async () => {
    const started = await service.call('train.start', { config: tiny, backend: 'wasm' });
    runId = started.runId;
    expect((await service.call('job.wait', { jobId: started.jobId })).state).toBe('done');
    const evaluated = await service.call('job.wait', await service.call('runs.evaluate', { id: runId }));
    expect(evaluated.state).toBe('done');
    const report = evaluated.result as EvaluationReport;
    // The report carries the face-alignment figures, and the headline is the NME for ibug-68.
    expect(report.train.headline?.metric).toBe('nme_outer');
    expect(report.train.face?.ced?.fraction.length).toBe(61);
    const stored = new Map((await service.call('predictions.get', { runId })).map((p) => [p.sampleId, p.coords]));
    const ids = (await service.call('samples.ids', {})).ids;
    const faces = new Map(storedFaces().map((f) => [f.sample_id, f]));
    for (const [i, file] of files.entries()) {
      const photo = await service.call('photo.predict', { path: file, runId });
      const id = ids[i];
      const face = faces.get(id)!;
      // The detector box kps predict crops with is the stored one.
      if (face.found) expect(photo.face.x).toBeCloseTo(face.x as number, 6);
      expect(photo.usedFallback).toBe(face.found === 0);
      const evalCoords = stored.get(id)!;
      expect(photo.coords).not.toBeNull();
      // Same crop, same model: kps predict gives evaluation's points on every photo, the faceless one included.
      photo.coords!.forEach((v, j) => expect(Math.abs(v - evalCoords[j])).toBeLessThan(1e-3));
    }
  });

  it('never reads the labels to crop: moving every label leaves the crops and the evaluation\'s predictions as they were', async () => {
    const store = openProject(project(), { readOnly: true });
    const opts = { inputSize: 32, keypointIndices: store.schema.keypoints.map((_, i) => i), split: parseSplit('random'), seed: 1, cropMargin: FACE_CROP_RULE.margin };
    const before = await prepareData(store, opts);
    store.close();
    const predsBefore = new Map((await service.call('predictions.get', { runId })).map((p) => [p.sampleId, p.coords]));
    const ids = (await service.call('samples.ids', {})).ids;
    for (const id of ids) {
      const s = await service.call('sample.get', { id });
      await service.call('labels.set', { sampleId: id, edits: s.keypoints.map((k, index) => ({ index, x: k.x + 40, y: k.y - 25, state: k.state })) });
    }
    const again = openProject(project(), { readOnly: true });
    const after = await prepareData(again, opts);
    again.close();
    expect(Array.from(after.boxes)).toEqual(Array.from(before.boxes));
    expect(Array.from(after.images)).toEqual(Array.from(before.images));
    expect(after.placements).toEqual(before.placements);
    expect(before.placements?.filter((p) => p === 'detector').length).toBe(PHOTOS);
    expect(before.placements?.filter((p) => p === 'fallback').length).toBe(1);
    // Evaluation again: the same crops give the same predictions.
    expect((await service.call('job.wait', await service.call('runs.evaluate', { id: runId }))).state).toBe('done');
    for (const p of await service.call('predictions.get', { runId })) {
      p.coords.forEach((v, j) => expect(Math.abs(v - predsBefore.get(p.sampleId)![j])).toBeLessThan(1e-4));
    }
  });
});
