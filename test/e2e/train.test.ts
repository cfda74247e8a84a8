// End to end (issue 5 items 1-3, 7): train a tiny run and follow it (also across a reload), pause/resume/cancel, overlay two runs, rename/notes/delete, compare view, own photo.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-main/store/types.js';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

/** The little of the DOM the page functions below use (the tests compile without the DOM library). */
interface PageDocument {
  querySelector(sel: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(sel: string): { length: number };
}

/** The first `rows` faces of the kaggle-proxy training set, complete rows first so every keypoint has labels. */
function tinyKaggleCsv(dataDir: string, dir: string, rows: number): string {
  const lines = readFileSync(join(dataDir, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const complete = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes(''));
  const path = join(dir, 'tiny.csv');
  writeFileSync(path, [lines[0], ...complete.slice(0, rows)].join('\n') + '\n');
  return path;
}

describe('train, runs, compare and photo views in the browser', () => {
  let s: Studio;
  let data: string;
  let csvDir: string;
  let firstRun: string;
  let secondRun: string;

  beforeAll(async () => {
    data = requireDataDir();
    csvDir = mkdtempSync(join(tmpdir(), 'kps-e2e-train-'));
    const csv = tinyKaggleCsv(data, csvDir, 48);
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: csv, format: 'kaggle-csv' }] }, viewport: { width: 1400, height: 900 } });
    await s.page.waitForSelector('[data-testid="nav-train"]:not([disabled])');
  });
  afterAll(async () => {
    await s?.close();
    if (csvDir) rmSync(csvDir, { recursive: true, force: true });
  });

  it('launches a tiny run, shows the augmented preview and live progress, reattaches after a reload (paused), resumes and follows the run to the end', async () => {
    const { page, api } = s;
    await page.click('[data-testid="nav-train"]');
    await page.waitForSelector('[data-testid="train-model"] option[value="kpnet"]', { state: 'attached' });
    // Augmented preview: samples of the project with their keypoints drawn.
    await page.selectOption('[data-testid="train-augment"]', 'default');
    await page.waitForSelector('[data-testid="augment-cell"] circle');
    const ids = await page.$$eval('[data-testid="augment-cell"]', (els) => els.map((e) => Number(e.getAttribute('data-sample-id'))));
    expect(ids.length).toBe(8);
    const total = (await api.call('samples.list', { limit: 1 })).total;
    expect(ids.every((id) => id >= 1 && id <= total)).toBe(true);

    await page.selectOption('[data-testid="train-model"]', 'kpnet');
    await page.fill('[data-testid="train-epochs"]', '3');
    await page.fill('[data-testid="train-batch"]', '16');
    await page.fill('[data-testid="train-lr"]', '0.002');
    await page.fill('[data-testid="train-name"]', 'tiny kpnet');
    await page.click('[data-testid="train-start"]');
    await page.waitForSelector('[data-testid="train-progress"][data-run-id]:not([data-run-id=""])');
    firstRun = (await page.getAttribute('[data-testid="train-progress"]', 'data-run-id'))!;
    expect(firstRun).not.toBe('');
    const started = await api.call('runs.get', { id: firstRun });
    expect(started.name).toBe('tiny kpnet');
    expect(started.model).toBe('kpnet');
    const cfg = started.config;
    expect(cfg.epochs).toBe(3);
    expect(cfg.batch).toBe(16);
    expect(cfg.lr).toBe(0.002);
    expect(cfg.augment).toBe('default');

    // Live figures arrive from the job's progress events: speed in samples/s and the backend.
    await page.waitForFunction(() => /^\d+$/.test((globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="train-speed"]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    // Pause so that the run is certainly unfinished when the window reloads: the view must find it again.
    await page.click('[data-testid="train-pause"]:not([disabled])');
    await expect.poll(async () => (await api.call('runs.get', { id: firstRun })).status).toBe('paused');
    await page.reload();
    await page.waitForSelector(`[data-testid="train-progress"][data-run-id="${firstRun}"][data-status="paused"]`, { timeout: 30_000 });
    expect((await api.call('runs.get', { id: firstRun })).epochs.length).toBeLessThan(3);
    await page.click('[data-testid="train-resume"]:not([disabled])');
    await page.waitForSelector(`[data-testid="train-progress"][data-status="done"]`, { timeout: 240_000 });
    const done = await api.call('runs.get', { id: firstRun });
    expect(done.status).toBe('done');
    expect(done.epochs.length).toBe(3);
    const final = done.final as { best_val_rmse_px: number; test: { rmse_px: number } };
    expect(await page.textContent('[data-testid="train-backend"]')).toBe(done.backend);
    expect(await page.textContent('[data-testid="train-best"]')).toBe(`${final.best_val_rmse_px.toFixed(2)} px`);
    expect(await page.textContent('[data-testid="train-test-rmse"]')).toBe(`${final.test.rmse_px.toFixed(2)} px`);
    // Curves: one point per epoch for the training and validation RMSE.
    const rmsePaths = await page.$$eval('[data-testid="chart-rmse"] path[data-series]', (els) => els.map((e) => (e.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length));
    expect(rmsePaths).toEqual([3, 3]);
  });

  it('pauses, resumes and cancels a run from the view', async () => {
    const { page, api } = s;
    await page.selectOption('[data-testid="train-model"]', 'smallnet');
    await page.fill('[data-testid="train-epochs"]', '40');
    await page.fill('[data-testid="train-name"]', 'to cancel');
    await page.click('[data-testid="train-start"]');
    await page.waitForFunction((prev) => {
      const el = (globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="train-progress"]');
      const id = el?.getAttribute('data-run-id');
      return !!id && id !== prev && el?.getAttribute('data-status') === 'running';
    }, firstRun);
    const id = (await page.getAttribute('[data-testid="train-progress"]', 'data-run-id'))!;
    await page.click('[data-testid="train-pause"]:not([disabled])');
    await expect.poll(async () => (await api.call('runs.get', { id })).status).toBe('paused');
    await page.waitForSelector('[data-testid="train-status"]:text("paused")');
    await page.click('[data-testid="train-resume"]:not([disabled])');
    await expect.poll(async () => (await api.call('runs.get', { id })).status).toBe('running');
    await page.click('[data-testid="train-cancel"]:not([disabled])');
    await expect.poll(async () => (await api.call('runs.get', { id })).status, { timeout: 30_000 }).toBe('cancelled');
    await page.waitForSelector('[data-testid="train-status"]:text("cancelled")');
    await api.call('runs.delete', { id });
  });

  it('overlays two runs, shows per-keypoint bars, renames, keeps notes', async () => {
    const { page, api } = s;
    // The second run is the heatmap model (one epoch): the compare view shows its heatmaps below.
    const started = await api.call('train.start', { config: { model: 'unet', epochs: 1, batch: 16, lr: 0.001 }, name: 'second' });
    secondRun = started.runId;
    const end = await api.call('job.wait', { jobId: started.jobId });
    expect(end.state).toBe('done');
    await page.click('[data-testid="nav-runs"]');
    await page.waitForSelector(`[data-testid="run-row"][data-run-id="${secondRun}"]`);
    const rows = await page.$$eval('[data-testid="run-row"]', (els) => els.map((e) => e.getAttribute('data-run-id')));
    expect(rows.sort()).toEqual([firstRun, secondRun].sort());
    const second = await api.call('runs.get', { id: secondRun });
    const f = second.final as { best_val_rmse_px: number; test: { rmse_px: number } };
    expect(await page.textContent(`[data-testid="run-row"][data-run-id="${secondRun}"] [data-testid="run-best-val"]`)).toBe(`${f.best_val_rmse_px.toFixed(2)} px`);
    expect(await page.textContent(`[data-testid="run-row"][data-run-id="${secondRun}"] [data-testid="run-test"]`)).toBe(`${f.test.rmse_px.toFixed(2)} px`);

    for (const id of [firstRun, secondRun]) await page.check(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="run-select"]`);
    await page.waitForSelector('[data-testid="runs-overlay"][data-count="2"]');
    const series = await page.$$eval('[data-testid="overlay-val"] path[data-series]', (els) => els.map((e) => ({ name: e.getAttribute('data-series'), n: (e.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length })));
    expect(series).toEqual([
      { name: 'tiny kpnet', n: 3 },
      { name: 'second', n: 1 },
    ]);
    // Bars: one group per keypoint with a test RMSE, one bar per run.
    expect(await page.locator('[data-testid="keypoint-bars"] .group').count()).toBe(15);
    expect(await page.locator('[data-testid="keypoint-bars"] .group').first().locator('.bar').count()).toBe(2);

    const row = `[data-testid="run-row"][data-run-id="${secondRun}"]`;
    await page.click(`${row} [data-testid="run-rename"]`);
    await page.fill('[data-testid="run-name-input"]', 'unet, one epoch');
    await page.press('[data-testid="run-name-input"]', 'Enter');
    await expect.poll(async () => (await api.call('runs.get', { id: secondRun })).name).toBe('unet, one epoch');
    await page.click(`${row} td:nth-child(3)`);
    await page.fill('[data-testid="run-notes"]', 'one epoch only: a smoke run');
    await page.click('[data-testid="run-notes-save"]');
    await expect.poll(async () => (await api.call('runs.get', { id: secondRun })).notes).toBe('one epoch only: a smoke run');
    await page.reload();
    await page.waitForSelector(`${row} [data-testid="run-name"]:text("unet, one epoch")`);
  });

  it('opens the compare view: errors worst first as stored, keypoint filter, best and worst grids, first-layer filters, a heatmap', async () => {
    const { page, api } = s;
    await page.click(`[data-testid="run-row"][data-run-id="${firstRun}"] [data-testid="run-compare"]`);
    await page.waitForSelector(`[data-testid="compare-view"][data-run-id="${firstRun}"]`);
    await page.waitForSelector('[data-testid="compare-item"]');
    const preds = await api.call('predictions.get', { runId: firstRun });
    const withError = preds.filter((p) => p.error !== null).sort((a, b) => (b.error as number) - (a.error as number));
    const shown = await page.$$eval('[data-testid="compare-item"]', (els) => els.map((e) => ({ id: Number(e.getAttribute('data-sample-id')), err: Number(e.getAttribute('data-error')) })));
    expect(shown.length).toBe(withError.length);
    expect(shown[0].err).toBeCloseTo(withError[0].error as number, 3);
    for (let i = 1; i < shown.length; i++) expect(shown[i].err).toBeLessThanOrEqual(shown[i - 1].err);
    // Labels and predictions are drawn together on the current face (every keypoint is labelled in this subset).
    expect(await page.locator('[data-testid="compare-current"] [data-kind="truth"]').count()).toBe(15);
    expect(await page.locator('[data-testid="compare-current"] [data-kind="pred"]').count()).toBe(15);
    expect(await page.locator('[data-testid="compare-current"] line').count()).toBe(15);
    expect(await page.locator('[data-testid="compare-worst"] [data-testid="worst-face"]').count()).toBe(8);
    expect(await page.locator('[data-testid="compare-best"] [data-testid="best-face"]').count()).toBe(8);

    // Filter on the nose tip (index 10): the order follows that keypoint's error alone.
    await page.selectOption('[data-testid="compare-keypoint"]', '10');
    await page.waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.querySelectorAll('[data-testid="compare-current"] [data-kind="pred"]').length === 1);
    const nose = await page.$$eval('[data-testid="compare-item"]', (els) => els.slice(0, 3).map((e) => ({ id: Number(e.getAttribute('data-sample-id')), err: Number(e.getAttribute('data-error')) })));
    const sample = await api.call('sample.get', { id: nose[0].id });
    const pred = preds.find((p) => p.sampleId === nose[0].id)!;
    expect(nose[0].err).toBeCloseTo(Math.hypot(pred.coords[20] - sample.keypoints[10].x, pred.coords[21] - sample.keypoints[10].y), 3);

    const filters = await api.call('runs.filters', { id: firstRun });
    expect(filters.filters.length).toBeGreaterThan(0);
    await page.waitForSelector('[data-testid="conv-filter"]');
    expect(await page.locator('[data-testid="conv-filter"]').count()).toBe(filters.filters.length);

    // The heatmap model's run: the nose tip's heatmap over the current face, as many cells as the service's map has above 2% of its peak.
    await page.selectOption('[data-testid="compare-run"]', secondRun);
    await page.waitForSelector(`[data-testid="compare-view"][data-run-id="${secondRun}"] [data-testid="compare-item"]`);
    const current = Number(await page.getAttribute('[data-testid="compare-item"].on', 'data-sample-id'));
    await page.selectOption('[data-testid="heatmap-keypoint"]', '10');
    await page.click('[data-testid="heatmap-show"]');
    await page.waitForSelector('[data-testid="compare-current"] [data-testid="heatmap"] rect');
    const heat = await api.call('runs.heatmap', { id: secondRun, sampleId: current, keypoint: 10 });
    const peak = Math.max(...heat.values);
    expect(await page.locator('[data-testid="compare-current"] [data-testid="heatmap"] rect').count()).toBe(heat.values.filter((v) => v > peak * 0.02).length);
  });

  it('opens an own photo, finds the face, predicts with a run and adds it as a sample', async () => {
    const { page, api } = s;
    const photo = join(data, 'imm-face-db', '01-1m.jpg');
    const before = (await api.call('project.info', {}))!.sampleCount;
    await page.click('[data-testid="nav-photo"]');
    await page.waitForSelector(`[data-testid="photo-run"] option[value="${firstRun}"]`, { state: 'attached' });
    await page.selectOption('[data-testid="photo-run"]', firstRun);
    await page.fill('[data-testid="photo-path"]', photo);
    await page.click('[data-testid="photo-open"]');
    await page.waitForSelector('[data-testid="photo-result"]', { timeout: 120_000 });
    expect(await page.locator('[data-testid="photo-kp"]').count()).toBe(15);
    // The predicted points lie inside the found face box (a loose check: a 3-epoch model, but the crop must be right).
    const box = await page.$eval('[data-testid="photo-face"]', (r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) }));
    expect(box.w).toBeGreaterThan(50);
    const pts = await page.$$eval('[data-testid="photo-kp"]', (els) => els.map((e) => ({ x: Number(e.getAttribute('cx')), y: Number(e.getAttribute('cy')) })));
    const cx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const cy = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    expect(cx).toBeGreaterThan(box.x - box.w * 0.25);
    expect(cx).toBeLessThan(box.x + box.w * 1.25);
    expect(cy).toBeGreaterThan(box.y - box.h * 0.25);
    expect(cy).toBeLessThan(box.y + box.h * 1.25);

    await page.click('[data-testid="photo-add"]');
    await page.waitForSelector('[data-testid="photo-added"]');
    const id = Number(await page.getAttribute('[data-testid="photo-added"]', 'data-sample-id'));
    expect((await api.call('project.info', {}))!.sampleCount).toBe(before + 1);
    const added = await api.call('sample.get', { id });
    expect(added.image.kind).toBe('file');
    expect(added.width).toBe(640);
    expect(added.height).toBe(480);
    expect(added.source).toBe(photo);
    expect(added.keypoints.filter((k) => k.state === 'labelled').length).toBe(15);
    expect(added.keypoints.every((k) => k.state !== 'labelled' || k.provenance === `model:${firstRun}`)).toBe(true);
    expect(added.keypoints[0].x).toBeCloseTo(pts[0].x, 3);
  });

  it('deletes a run only after confirmation', async () => {
    const { page, api } = s;
    await page.click('[data-testid="nav-runs"]');
    const row = `[data-testid="run-row"][data-run-id="${secondRun}"]`;
    await page.waitForSelector(row);
    await page.click(`${row} [data-testid="run-delete"]`);
    await page.click('[data-testid="run-delete-cancel"]');
    expect((await api.call('runs.list', {})).map((r: RunRecord) => r.id)).toContain(secondRun);
    await page.click(`${row} [data-testid="run-delete"]`);
    await page.click('[data-testid="run-delete-confirm"]');
    await page.waitForSelector(row, { state: 'detached' });
    expect((await api.call('runs.list', {})).map((r: RunRecord) => r.id)).not.toContain(secondRun);
    expect(s.pageErrors.filter((e) => !e.includes('http 4'))).toEqual([]);
  });
});
