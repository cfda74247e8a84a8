// The pretrained start on real faces: the face-api 68-point net predicts ibug-68 projects directly, and a mapping fitted on a
// few labelled imm-58 faces reproduces held-out persons' faces better than the mean shape; the pseudo-run id works in
// assist.predict / assist.fillBatch, photo.predict / photo.predictBatch, qc.run and `kps predict --pretrained`.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { repoRoot, requireDataDir } from '../../helpers/data.js';
import type { PredictionsFile } from '../../../src-main/core/predictions.js';
import type { PretrainedInfo } from '../../../src-main/api/pretrained.js';
import { PRETRAINED_ID } from '../../../src-main/api/pretrained-id.js';
import { predict68 } from '../../../src-main/train/pretrained/face68.js';
import { eyeKeypoints, faceFrame, fromFrame, meanShapeInFrame, outerEyeDistance, sampleNme } from '../../../src-main/train/pretrained/mapping.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { readPtsFlat } from '../../helpers/pts.js';

const readPts = (file: string) => readPtsFlat(file, 'imm-58');

function copyFaces(from: string, to: string, stems: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const s of stems) for (const ext of ['.jpg', '.pts']) copyFileSync(join(from, s + ext), join(to, s + ext));
}

describe('the pretrained face-api 68-point net as a model', () => {
  let dir: string;
  let data: string;
  let service: Service;

  beforeAll(async () => {
    data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-pretrained-'));
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
  });
  afterAll(async () => {
    await service?.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps its 68 points to imm-58 from 16 labelled faces, and reproduces held-out persons better than the mean shape', async () => {
    const imm = join(data, 'imm-face-db');
    // 8 persons x 2 faces labelled; 6 faces of 3 other persons held out (no person on both sides).
    // File names are <person>-<shot><m|f>: find them by person and shot.
    const names = readdirSync(imm).filter((f) => f.endsWith('.jpg'));
    const stem = (person: string, shot: number) => names.find((f) => f.startsWith(`${person}-${shot}`))!.slice(0, -4);
    const train = ['01', '02', '03', '04', '05', '06', '07', '08'].flatMap((p) => [stem(p, 1), stem(p, 3)]);
    const held = ['30', '31', '32'].flatMap((p) => [stem(p, 1), stem(p, 4)]);
    copyFaces(imm, join(dir, 'imm'), train);
    await service.call('project.create', { path: join(dir, 'imm.kps'), schema: 'imm-58' });
    expect((await service.call('job.wait', await service.call('import.start', { path: join(dir, 'imm'), format: 'pts' }))).state).toBe('done');

    const before = await service.call('pretrained.info', {});
    expect(before).toMatchObject({ id: PRETRAINED_ID, mode: 'direct', nativeLayout: false, ready: false, mapping: null });
    // Without a mapping the net cannot speak imm-58: a clear error, before any detection.
    await expect(service.call('assist.predict', { runId: PRETRAINED_ID, sampleIds: [1] })).rejects.toThrow(/layout is imm-58: fit the pretrained mapping first/);

    const job = await service.call('pretrained.fitMapping', { folds: 4 });
    const end = await service.call('job.wait', job);
    expect(end.state).toBe('done');
    const info = end.result as PretrainedInfo;
    expect(info.mode).toBe('mapping');
    expect(info.ready).toBe(true);
    expect(info.mapping?.samples).toBe(16);
    expect(info.mapping?.keypoints).toBe(58);
    expect(info.mapping?.stale).toBe(false);
    const ho = info.mapping!.heldOut!;
    expect(ho.folds).toBe(4);
    expect(ho.samples).toBe(16);
    expect(ho.nme).toBeLessThan(ho.meanShapeNme);
    expect(ho.nme).toBeLessThan(ho.meanShapeBoxNme!);
    expect(ho.directNme).toBeNull();
    // Stored in the project: the same summary on a later call.
    expect((await service.call('pretrained.info', {})).mapping).toEqual(info.mapping);

    // The held-out persons through the photo path of the Photos view, against the labelled faces' mean shape placed by the same 68 points.
    const schema = loadBuiltinSchema('imm-58');
    const eyes = eyeKeypoints(schema);
    const labelled = await Promise.all(
      train.map(async (s) => ({ id: 0, p68: (await predict68(join(imm, `${s}.jpg`))).points!, target: readPts(join(imm, `${s}.pts`)) })),
    );
    const mean = meanShapeInFrame(labelled, 58);
    let mapped = 0;
    let baseline = 0;
    for (const s of held) {
      const gt = readPts(join(imm, `${s}.pts`));
      const p = await service.call('photo.predict', { path: join(imm, `${s}.jpg`), runId: PRETRAINED_ID });
      expect(p.runId).toBe(PRETRAINED_ID);
      expect(p.coords).toHaveLength(116);
      const face = await predict68(join(imm, `${s}.jpg`));
      const d = outerEyeDistance(eyes, gt);
      mapped += sampleNme(p.coords!, gt, d) / held.length;
      baseline += sampleNme(fromFrame(faceFrame(face.points!), mean), gt, d) / held.length;
    }
    expect(mapped).toBeLessThan(baseline);
    expect(mapped).toBeLessThan(0.08);

    // Ghosts and fill: predictions for stored samples, and one undoable fill of a keypoint made missing.
    const [a] = (await service.call('assist.predict', { runId: PRETRAINED_ID, sampleIds: [1] })).items;
    expect(a.coords.every(Number.isFinite)).toBe(true);
    await service.call('labels.set', { sampleId: 1, edits: [{ index: 20, x: NaN, y: NaN, state: 'missing' }] });
    const fill = await service.call('assist.fillBatch', { runId: PRETRAINED_ID, sampleIds: [1] });
    expect(fill.keypoints).toBe(1);
    const s1 = await service.call('sample.get', { id: 1 });
    expect(s1.keypoints[20].x).toBeCloseTo(a.coords[40], 1);
    expect(s1.keypoints[20].y).toBeCloseTo(a.coords[41], 1);
    // Labels changed since the fit: the summary says so.
    expect((await service.call('pretrained.info', {})).mapping?.stale).toBe(true);

    // QC with the pretrained net as evidence: the mapping's k-fold held-out predictions.
    const qc = await service.call('job.wait', await service.call('qc.run', { runId: PRETRAINED_ID }));
    expect(qc.state).toBe('done');
    const ev = (qc.result as { evidence: { model: string; modelSamples: number } }).evidence;
    expect(ev.model).toBe('pretrained');
    expect(ev.modelSamples).toBe(16);
    await service.call('project.close', {});
  }, 240_000);

  it('predicts ibug-68 directly: ghosts near the labels, a predictions file from the predict job, and kps predict --pretrained', async () => {
    const lfpw = join(data, 'lfpw-train');
    const stems = ['image_0001', 'image_0002', 'image_0003'];
    copyFaces(lfpw, join(dir, 'lfpw'), stems);
    const project = join(dir, 'lfpw.kps');
    await service.call('project.create', { path: project, schema: 'ibug-68' });
    expect((await service.call('job.wait', await service.call('import.start', { path: join(dir, 'lfpw'), format: 'pts' }))).state).toBe('done');
    expect(await service.call('pretrained.info', {})).toMatchObject({ mode: 'direct', nativeLayout: true, ready: true, mapping: null });
    const schema = loadBuiltinSchema('ibug-68');
    const { items } = await service.call('assist.predict', { runId: PRETRAINED_ID, sampleIds: [1, 2, 3] });
    expect(items.map((i) => i.sampleId)).toEqual([1, 2, 3]);
    for (const it of items) {
      const s = await service.call('sample.get', { id: it.sampleId });
      const gt = s.keypoints.flatMap((k) => [k.x, k.y]);
      expect(sampleNme(it.coords, gt, outerEyeDistance(eyeKeypoints(schema), gt))).toBeLessThan(0.15);
    }
    const job = await service.call('photo.predictBatch', { paths: [join(lfpw, 'image_0004.jpg')], runId: PRETRAINED_ID });
    const done = await service.call('job.wait', job);
    const file = done.result as PredictionsFile;
    expect(file.run).toBe(PRETRAINED_ID);
    expect(file.images[0].keypoints).toHaveLength(68);
    expect(file.images[0].face).not.toBeNull();
    await service.call('project.close', {});

    const out = join(dir, 'pred.json');
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main', 'cli', 'main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    const bad = cli('predict', project, join(lfpw, 'image_0004.jpg'), '--out', out);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/give either --run <id> or --pretrained/);
    const r = cli('predict', project, join(lfpw, 'image_0004.jpg'), '--pretrained', '--out', out, '--json');
    expect(r.stderr.replace(/^kps: note.*\n/gm, '')).toBe('');
    expect(r.status).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8')) as PredictionsFile;
    expect(written.run).toBe(PRETRAINED_ID);
    // The same photo path as the predict job: the same points.
    written.images[0].keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(file.images[0].keypoints[i].x, 3);
      expect(k.y).toBeCloseTo(file.images[0].keypoints[i].y, 3);
    });
  }, 240_000);
});
