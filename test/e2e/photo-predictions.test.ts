// End to end (issue 11 item 13): the Photos view lists the predicted points, downloads them as JSON and CSV (what `kps predict --out` writes), and predicts a whole folder as a job.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { predictionsCsv, predictionsJson, type PredictionsFile } from '../../src-main/core/predictions.js';
import { fmt } from '../../src-renderer/lib/format.js';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

async function download(page: Page, testid: string): Promise<{ name: string; text: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
  const path = await d.path();
  return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

describe('Photos view: predicted points, downloads, folder prediction', () => {
  let s: Studio;
  let data: string;
  let runId: string;

  beforeAll(async () => {
    data = requireDataDir();
    const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const complete = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes(''));
    s = await startStudio({ open: false });
    const csv = join(s.tmp, 'tiny.csv');
    writeFileSync(csv, [lines[0], ...complete.slice(0, 32)].join('\n') + '\n');
    await s.api.call('project.create', { path: join(s.tmp, 'p.kps'), schema: 'kaggle-15' });
    const imp = await s.api.call('job.wait', await s.api.call('import.start', { path: csv, format: 'kaggle-csv' }));
    expect(imp.state).toBe('done');
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 1 }, name: 'photos-e2e', backend: 'wasm' });
    const end = await s.api.call('job.wait', { jobId: started.jobId });
    expect(end.state, end.error?.message).toBe('done');
    runId = started.runId;
    await s.page.goto(s.serve.url);
    await s.page.waitForSelector('[data-testid="nav-photo"]:not([disabled])');
    await s.page.click('[data-testid="nav-photo"]');
    await s.page.waitForSelector(`[data-testid="photo-run"] option[value="${runId}"]`, { state: 'attached' });
    await s.page.selectOption('[data-testid="photo-run"]', runId);
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  it("lists each predicted point of the shown photo as photo.predict gives it, and downloads them as the predictions file's JSON and CSV", async () => {
    const { page, api } = s;
    const photo = join(data, 'imm-face-db', '01-1m.jpg');
    await page.fill('[data-testid="photo-path"]', photo);
    await page.click('[data-testid="photo-open"]');
    await page.waitForSelector('[data-testid="photo-points"]', { timeout: 120_000 });
    const want = (await api.call('photo.predict', { path: photo, runId })).predictions!;
    expect(want.images).toHaveLength(1);
    const kps = want.images[0].keypoints;
    expect(kps).toHaveLength(15);
    const rows = await page.$$eval('[data-testid="photo-point-row"]', (trs) =>
      trs.map((tr) => ({
        name: tr.querySelector('[data-col="name"]')?.textContent?.trim(),
        x: tr.querySelector('[data-col="x"]')?.textContent?.trim(),
        y: tr.querySelector('[data-col="y"]')?.textContent?.trim(),
      })),
    );
    expect(rows).toEqual(kps.map((k) => ({ name: k.name, x: fmt(k.x), y: fmt(k.y) })));
    // The face detector's confidence is shown (the models give no per-point confidence).
    expect((await page.textContent('[data-testid="photo-face-score"]'))?.trim()).toBe(want.images[0].face!.score.toFixed(2));

    const json = await download(page, 'photo-download-json');
    expect(json.name).toMatch(/\.json$/);
    expect(json.text).toBe(predictionsJson(want));
    const parsed = JSON.parse(json.text) as PredictionsFile;
    expect(parsed.run).toBe(runId);
    expect(parsed.images[0].keypoints.map((k) => [k.x, k.y])).toEqual(kps.map((k) => [k.x, k.y]));

    const csv = await download(page, 'photo-download-csv');
    expect(csv.name).toMatch(/\.csv$/);
    expect(csv.text).toBe(predictionsCsv(want));
    const lines = csv.text.trim().split('\n');
    expect(lines[0].split(',').slice(0, 4)).toEqual(['file', 'keypoint', 'x', 'y']);
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 4))).toEqual(kps.map((k) => [k.name, String(k.x), String(k.y)]));
  }, 180_000);

  it('predicts every photo of a folder as a job, lists them, and downloads the same predictions file', async () => {
    const { page, api } = s;
    const folder = join(s.tmp, 'photos');
    mkdirSync(folder);
    for (const n of ['02-1m.jpg', '01-1m.jpg']) copyFileSync(join(data, 'imm-face-db', n), join(folder, n));
    writeFileSync(join(folder, 'notes.txt'), 'not a photo');
    await page.fill('[data-testid="photo-batch-path"]', folder);
    await page.click('[data-testid="photo-batch-run"]');
    await page.waitForSelector('[data-testid="photo-batch-result"][data-state="done"]', { timeout: 180_000 });
    const jobId = (await page.getAttribute('[data-testid="photo-batch-result"]', 'data-job-id'))!;
    const job = await api.call('job.get', { jobId });
    expect(job.kind).toBe('predict');
    const result = job.result as PredictionsFile;
    // The folder's images, sorted by name; the text file is not one.
    expect(result.images.map((im) => im.file)).toEqual([join(folder, '01-1m.jpg'), join(folder, '02-1m.jpg')]);
    expect(result.run).toBe(runId);
    const rows = await page.$$eval('[data-testid="photo-batch-row"]', (trs) =>
      trs.map((tr) => ({ file: tr.querySelector('[data-col="file"]')?.textContent?.trim(), points: Number(tr.querySelector('[data-col="points"]')?.textContent) })),
    );
    expect(rows).toEqual([
      { file: '01-1m.jpg', points: result.images[0].keypoints.length },
      { file: '02-1m.jpg', points: result.images[1].keypoints.length },
    ]);
    expect(rows[0].points).toBe(15);
    // One photo path: the folder job predicts a photo exactly as photo.predict does.
    const single = (await api.call('photo.predict', { path: join(folder, '01-1m.jpg'), runId })).predictions!;
    expect(result.images[0]).toEqual(single.images[0]);

    const json = await download(page, 'photo-batch-download-json');
    expect(json.text).toBe(predictionsJson(result));
    const csv = await download(page, 'photo-batch-download-csv');
    expect(csv.text).toBe(predictionsCsv(result));
    expect(csv.text.trim().split('\n')).toHaveLength(1 + result.images.reduce((n, im) => n + im.keypoints.length, 0));
  }, 240_000);
});
