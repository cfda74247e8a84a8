// The training UI's service ops on a real project: heatmaps agree with the soft-argmax predictions, first-layer filters, own photos.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { requireDataDir } from '../../helpers/data.js';
import type { PredictionsFile } from '../../../src-main/core/predictions.js';
import { confidenceRadius } from '../../../src-main/train/infer/confidence.js';

describe('training UI ops (handlers/train.ts, handlers/photo.ts)', () => {
  let dir: string;
  let data: string;
  let service: Service;
  let unetRun: string;

  beforeAll(async () => {
    data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-ui-ops-'));
    const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const complete = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes(''));
    writeFileSync(join(dir, 'tiny.csv'), [lines[0], ...complete.slice(0, 32)].join('\n') + '\n');
    service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
    const imp = await service.call('job.wait', await service.call('import.start', { path: join(dir, 'tiny.csv'), format: 'kaggle-csv' }));
    expect(imp.state).toBe('done');
    const started = await service.call('train.start', { config: { model: 'unet', epochs: 1, batch: 16 } });
    const end = await service.call('job.wait', { jobId: started.jobId });
    expect(end.state).toBe('done');
    unetRun = started.runId;
  }, 240_000);
  afterAll(async () => {
    await service?.call('project.close', {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the models with their defaults and marks the heatmap model', async () => {
    const o = await service.call('train.options', {});
    expect(o.models.map((m) => m.name)).toContain('kpnet');
    expect(o.models.find((m) => m.name === 'unet')?.heatmaps).toBe(true);
    expect(o.models.find((m) => m.name === 'kpnet')?.heatmaps).toBe(false);
    expect(typeof o.defaults.epochs).toBe('number');
    expect(o.augmentPresets).toContain('none');
  });

  it("returns a keypoint's heatmap whose expected position is the run's stored prediction", async () => {
    const [pred] = await service.call('predictions.get', { runId: unetRun, sampleIds: [3] });
    for (const k of [0, 10]) {
      const h = await service.call('runs.heatmap', { id: unetRun, sampleId: 3, keypoint: k });
      expect(h.values).toHaveLength(h.width * h.height);
      expect(h.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // Soft-argmax: the probability-weighted cell centre, mapped through the crop box, is the predicted point.
      let ex = 0;
      let ey = 0;
      h.values.forEach((p, i) => {
        ex += p * ((i % h.width) + 0.5) / h.width;
        ey += p * (Math.floor(i / h.width) + 0.5) / h.height;
      });
      expect(h.box.x0 + ex * h.box.side - 0.5).toBeCloseTo(pred.coords[2 * k], 2);
      expect(h.box.y0 + ey * h.box.side - 0.5).toBeCloseTo(pred.coords[2 * k + 1], 2);
    }
  });

  it('gives each keypoint of the heatmap run a confidence, fills above a threshold only, and keeps the fill unconfirmed until confirmed', async () => {
    const [p] = (await service.call('assist.predict', { runId: unetRun, sampleIds: [3] })).items;
    expect(p.confidence).toHaveLength(15);
    // The confidence is the heatmap's softmax mass within a few cells of its peak.
    for (const k of [0, 10]) {
      const h = await service.call('runs.heatmap', { id: unetRun, sampleId: 3, keypoint: k });
      const peak = h.values.indexOf(Math.max(...h.values));
      const r = confidenceRadius(h.height, h.width);
      let near = 0;
      h.values.forEach((v, i) => {
        if (Math.abs((i % h.width) - (peak % h.width)) <= r && Math.abs(Math.floor(i / h.width) - Math.floor(peak / h.width)) <= r) near += v;
      });
      expect(p.confidence![k]).toBeCloseTo(near, 4);
    }
    const conf = p.confidence as number[];
    const threshold = [...conf].sort((a, b) => a - b)[7];
    const above = conf.map((c, i) => (c >= threshold ? i : -1)).filter((i) => i >= 0);
    // Every keypoint of sample 3 missing, then a fill with the threshold: only the sure ones are written.
    await service.call('labels.set', { sampleId: 3, edits: conf.map((_, index) => ({ index, x: NaN, y: NaN, state: 'missing' as const })) });
    const fill = await service.call('assist.fillBatch', { runId: unetRun, sampleIds: [3], minConfidence: threshold, tag: null });
    expect(fill.keypoints).toBe(above.length);
    expect(fill.belowThreshold).toBe(15 - above.length);
    const s = await service.call('sample.get', { id: 3 });
    expect(s.predictedCount).toBe(above.length);
    for (const i of above) expect(s.keypoints[i]).toMatchObject({ state: 'labelled', provenance: `model:${unetRun}`, confidence: Math.round(conf[i] * 1e4) / 1e4 });
    expect(s.keypoints.filter((k) => k.state === 'missing')).toHaveLength(15 - above.length);
    expect(await service.call('samples.ids', { predicted: true })).toEqual({ ids: [3] });
    expect((await service.call('stats.get', {})).predicted).toEqual({ keypoints: above.length, samples: 1 });

    // Export: Kaggle CSV without them (empty cells), COCO with them marked; a mark needs COCO.
    const csvOut = join(dir, 'no-predicted.csv');
    const ex = await service.call('job.wait', await service.call('export.start', { out: csvOut, format: 'kaggle-csv', predicted: 'exclude' }));
    expect((ex.result as { predicted: unknown }).predicted).toEqual({ mode: 'exclude', keypoints: above.length });
    const row3 = readFileSync(csvOut, 'utf8').split('\n')[3].split(',');
    expect(row3.slice(0, 30).every((c) => c === '')).toBe(true);
    const cocoOut = join(dir, 'flagged.json');
    expect((await service.call('job.wait', await service.call('export.start', { out: cocoOut, format: 'coco', predicted: 'flag' }))).state).toBe('done');
    const ann = (JSON.parse(readFileSync(cocoOut, 'utf8')) as { annotations: { id: number; keypoint_predicted: number[]; keypoint_scores: (number | null)[]; num_keypoints: number }[] }).annotations.find((a) => a.id === 3)!;
    expect(ann.num_keypoints).toBe(above.length);
    expect(ann.keypoint_predicted).toEqual(conf.map((c) => (c >= threshold ? 1 : 0)));
    above.forEach((i) => expect(ann.keypoint_scores[i]).toBeCloseTo(conf[i], 3));
    await expect(service.call('export.start', { out: join(dir, 'x.csv'), format: 'kaggle-csv', predicted: 'flag' })).rejects.toThrow(/needs COCO/);

    // Confirm: the values stay, they become the annotator's, and undo brings the unconfirmed state back.
    const ok = await service.call('labels.confirm', { ids: [3] });
    expect(ok).toMatchObject({ samples: [3], keypoints: above.length });
    const after = await service.call('sample.get', { id: 3 });
    expect(after.predictedCount).toBe(0);
    expect(after.keypoints.map((k) => [k.x, k.y])).toEqual(s.keypoints.map((k) => [k.x, k.y]));
    await service.call('history.undo', {});
    expect((await service.call('sample.get', { id: 3 })).predictedCount).toBe(above.length);
    // Back to the imported labels for the tests below.
    await service.call('history.undo', {});
    await service.call('history.undo', {});
    expect((await service.call('sample.get', { id: 3 })).missingCount).toBe(0);
  }, 120_000);

  it('refuses heatmaps for a model without them, and returns first-layer filters', async () => {
    const started = await service.call('train.start', { config: { model: 'smallnet', epochs: 1, batch: 16 } });
    expect((await service.call('job.wait', { jobId: started.jobId })).state).toBe('done');
    await expect(service.call('runs.heatmap', { id: started.runId, sampleId: 1, keypoint: 10 })).rejects.toThrow(/no heatmaps/);
    await expect(service.call('assist.fillBatch', { runId: started.runId, sampleIds: [1], minConfidence: 0.5 })).rejects.toThrow(/gives no confidence per keypoint/);
    const f = await service.call('runs.filters', { id: started.runId });
    expect(f.filters.length).toBeGreaterThan(1);
    const { width, height } = f.filters[0];
    expect(f.filters.every((x) => x.width === width && x.height === height && x.values.length === width * height)).toBe(true);
    // Trained, seeded weights: not all zero and not all the same filter.
    expect(f.filters[0].values.some((v) => v !== 0)).toBe(true);
    expect(f.filters[0].values).not.toEqual(f.filters[1].values);
  }, 120_000);

  it('predicts a photo with a run, adds it with or without the predictions, and names a missing photo', async () => {
    const photo = join(data, 'imm-face-db', '02-1m.jpg');
    const p = await service.call('photo.predict', { path: photo, runId: unetRun });
    expect(p.width).toBe(640);
    expect(p.height).toBe(480);
    expect(p.usedFallback).toBe(false);
    expect(p.imageUrl.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(p.coords).toHaveLength(30);
    const plain = await service.call('photo.add', { path: photo });
    const s1 = await service.call('sample.get', { id: plain.sampleId });
    expect(plain.prefilled).toBe(0);
    expect(s1.keypoints.every((k) => k.state === 'missing')).toBe(true);
    expect(s1.source).toBe(photo);
    const filled = await service.call('photo.add', { path: photo, prefillRunId: unetRun });
    const s2 = await service.call('sample.get', { id: filled.sampleId });
    expect(filled.prefilled).toBe(15);
    s2.keypoints.forEach((k, i) => {
      expect(k.provenance).toBe(`model:${unetRun}`);
      expect(k.x).toBeCloseTo(p.coords![2 * i], 3);
    });
    await expect(service.call('photo.predict', { path: join(dir, 'nope.jpg') })).rejects.toThrow(/nope\.jpg: no such photo/);
    writeFileSync(join(dir, 'bad.jpg'), 'not an image');
    await expect(service.call('photo.add', { path: join(dir, 'bad.jpg') })).rejects.toThrow(/bad\.jpg: cannot read the photo/);
  }, 120_000);

  it('predicts a folder as a `predict` job whose records are photo.predict\'s, and names a missing folder or run at once', async () => {
    const folder = join(dir, 'photos');
    mkdirSync(folder);
    for (const n of ['02-1m.jpg', '01-1m.jpg']) copyFileSync(join(data, 'imm-face-db', n), join(folder, n));
    writeFileSync(join(folder, 'readme.txt'), 'not a photo');
    const { jobId } = await service.call('photo.predictBatch', { paths: [folder], runId: unetRun });
    const end = await service.call('job.wait', { jobId });
    expect(end.state, end.error?.message).toBe('done');
    expect(end.kind).toBe('predict');
    const file = end.result as PredictionsFile;
    expect(file.run).toBe(unetRun);
    expect(file.schema).toBe('kaggle-15');
    expect(file.images.map((i) => i.file)).toEqual([join(folder, '01-1m.jpg'), join(folder, '02-1m.jpg')]);
    for (const im of file.images) {
      const one = await service.call('photo.predict', { path: im.file, runId: unetRun });
      expect(one.predictions!.images).toEqual([im]);
      expect(im.keypoints).toHaveLength(15);
      im.keypoints.forEach((k, i) => expect([k.x, k.y]).toEqual([one.coords![2 * i], one.coords![2 * i + 1]]));
    }
    // A face-sized image (the run's input size, 96x96 here) is used whole, as kps predict does.
    const { data: px } = await (await import('sharp')).default({ create: { width: 96, height: 96, channels: 3, background: '#808080' } }).png().toBuffer({ resolveWithObject: true });
    writeFileSync(join(dir, 'face96.png'), px);
    const small = await service.call('photo.predict', { path: join(dir, 'face96.png'), runId: unetRun });
    expect(small.placement).toBe('whole');
    expect(small.predictions!.images[0].face).toBeNull();
    await expect(service.call('photo.predictBatch', { paths: [join(dir, 'nowhere')], runId: unetRun })).rejects.toThrow(/nowhere: no such file or folder/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(service.call('photo.predictBatch', { paths: [empty], runId: unetRun })).rejects.toThrow(/no image files in .*empty/);
    await expect(service.call('photo.predictBatch', { paths: [folder], runId: 'no-such-run' })).rejects.toThrow(/no-such-run/);
    await expect(service.call('photo.predictBatch', { paths: [], runId: unetRun })).rejects.toThrow(/photo.predictBatch: "paths" must be a non-empty list/);
  }, 180_000);
});
