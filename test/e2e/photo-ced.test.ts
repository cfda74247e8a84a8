// End to end (issue 8 items 1-2): a photo run on LFPW shows its CED in Runs and Compare; the gallery filters by the face detector's result and Statistics counts faces.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, waitForGallery, galleryIds, type Studio } from './harness.js';
import type { FinalMetrics } from '../../src-main/train/trainer.js';

describe('a photo run: CED in Runs and Compare, faces in the gallery and Statistics', () => {
  let s: Studio;
  let dir: string;
  let runId: string;

  beforeAll(async () => {
    const lfpw = join(requireDataDir(), 'lfpw-train');
    dir = mkdtempSync(join(tmpdir(), 'kps-e2e-ced-'));
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    const names = readdirSync(lfpw).filter((f) => f.endsWith('.jpg')).sort().slice(0, 8);
    for (const n of names) for (const ext of ['.jpg', '.pts']) copyFileSync(join(lfpw, n.replace('.jpg', ext)), join(photos, n.replace('.jpg', ext)));
    await sharp({ create: { width: 240, height: 200, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toFile(join(photos, 'zz_blank.jpg'));
    copyFileSync(join(lfpw, names[0].replace('.jpg', '.pts')), join(photos, 'zz_blank.pts'));
    s = await startStudio({ project: { schema: 'ibug-68', imports: [{ path: photos, format: 'pts' }] }, viewport: { width: 1400, height: 900 } });
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.25, inputSize: 32, batch: 8, epochs: 1, split: 'random:0.34:0.2', augment: 'none' }, name: 'photo run', backend: 'wasm' });
    const end = await s.api.call('job.wait', { jobId: started.jobId });
    if (end.state !== 'done') throw new Error(`training ended ${end.state}: ${end.error?.message ?? end.message}`);
    runId = started.runId;
  });
  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws the test CED of the selected run in the Runs view, with its face-alignment line', async () => {
    const { page, api } = s;
    const final = (await api.call('runs.get', { id: runId })).final as FinalMetrics;
    const face = final.test.face!;
    expect(face.samples).toBeGreaterThan(0);
    await page.click('[data-testid="nav-runs"]');
    await page.waitForSelector(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await page.click(`[data-testid="run-row"][data-run-id="${runId}"] [data-testid="run-select"]`);
    await page.waitForSelector('[data-testid="overlay-ced"] path[data-series="photo run"]');
    const d = await page.getAttribute('[data-testid="overlay-ced"] path[data-series="photo run"]', 'd');
    // One vertex per CED threshold.
    expect((d ?? '').match(/[ML]/g)?.length).toBe(face.ced!.nme.length);
    await page.click(`[data-testid="run-row"][data-run-id="${runId}"]`);
    const line = await page.textContent('[data-testid="run-face-line"]');
    expect(line).toContain(`NME ${(face.nme_outer! * 100).toFixed(2)}% (outer eye corners)`);
    expect(line).toContain(`${face.samples} faces`);
  });

  it('draws the CED per split in Compare', async () => {
    const { page } = s;
    await page.click(`[data-testid="run-row"][data-run-id="${runId}"] [data-testid="run-compare"]`);
    await page.waitForSelector('[data-testid="compare-ced-chart"] path[data-series="test"]');
    const series = await page.$$eval('[data-testid="compare-ced-chart"] path[data-series]', (els) => els.map((e) => e.getAttribute('data-series')));
    expect(series).toEqual(['test', 'val', 'train']);
    expect(await page.textContent('[data-testid="compare-face-line"]')).toMatch(/AUC@0\.08 \d\.\d{3}/);
  });

  it('filters the gallery by the face found, and counts faces in Statistics', async () => {
    const { page, api } = s;
    expect((await api.call('stats.get', {})).faces).toEqual({ found: 8, none: 1, pending: 0 });
    await page.click('[data-testid="nav-gallery"]');
    await waitForGallery(page, 9);
    await page.selectOption('[data-testid="filter-face"]', 'none');
    await waitForGallery(page, 1);
    const [blank] = await galleryIds(page);
    expect((await api.call('sample.get', { id: blank })).source).toContain('zz_blank');
    await page.selectOption('[data-testid="filter-face"]', 'found');
    await waitForGallery(page, 8);
    await page.click('[data-testid="nav-stats"]');
    await page.waitForSelector('[data-testid="stat-faces"]');
    expect(await page.getAttribute('[data-testid="stat-faces"]', 'data-found')).toBe('8');
    expect(await page.getAttribute('[data-testid="stat-faces"]', 'data-none')).toBe('1');
    expect(s.pageErrors).toEqual([]);
  });
});
