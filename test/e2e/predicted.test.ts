// End-to-end: a model's values stay "predicted, unconfirmed" until a person confirms them. The gallery badges and
// filters them, the editor marks them with their confidence and confirms one (C) or all (one undo), the statistics count
// them, and the export leaves them out when told.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { eventually, startStudio, type Studio } from './harness.js';

interface PageGlobals {
  location: { hash: string };
}

let studio: Studio;
let page: Page;
let dir: string;

async function go(hash: string): Promise<void> {
  await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), hash);
}


beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-e2e-predicted-'));
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 31).join('\n') + '\n');
  studio = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: join(dir, 'excerpt.csv'), format: 'kaggle-csv' }] }, viewport: { width: 1400, height: 850 } });
  page = studio.page;
  await page.waitForSelector('[data-testid="gallery"]', { timeout: 60_000 });
});

afterAll(async () => {
  await studio?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('predicted, unconfirmed keypoints', () => {
  it('badges, filters, marks, confirms (one and all, undoable), counts and leaves them out of an export', async () => {
    // A model's fill of three keypoints of sample 2 (two with the model's confidence), as assist.fillBatch writes them.
    const before = await studio.api.call('sample.get', { id: 2 });
    await studio.api.call('labels.set', {
      sampleId: 2,
      actor: 'model:run-e2e',
      edits: [
        { index: 0, x: before.keypoints[0].x + 1, y: before.keypoints[0].y, state: 'labelled', confidence: 0.83 },
        { index: 1, x: before.keypoints[1].x, y: before.keypoints[1].y + 1, state: 'labelled', confidence: 0.41 },
        { index: 10, x: 48, y: 60, state: 'labelled' },
      ],
    });

    // Gallery: a badge on sample 2 only, and the filter lists it alone.
    await eventually(async () => expect(await page.getAttribute('[data-testid="gallery-item"][data-sample-id="2"] [data-testid="badge-predicted"]', 'data-count')).toBe('3'));
    expect(await page.locator('[data-testid="badge-predicted"]').count()).toBe(1);
    await page.selectOption('[data-testid="filter-predicted"]', 'true');
    await eventually(async () => expect(await page.$$eval('[data-testid="gallery-item"]', (els) => els.map((e) => e.getAttribute('data-sample-id')))).toEqual(['2']));
    await page.selectOption('[data-testid="filter-predicted"]', '');

    // Editor: the three rows say predicted, with the confidence where the model gave one.
    await go('#/editor/2');
    await page.waitForSelector('[data-testid="editor-stage"][data-sample-id="2"][data-ready="true"]', { timeout: 20_000 });
    expect(await page.getAttribute('[data-testid="predicted-line"]', 'data-count')).toBe('3');
    expect(await page.getAttribute('[data-testid="kp-row-0"]', 'data-predicted')).toBe('true');
    expect(await page.getAttribute('[data-testid="kp-row-2"]', 'data-predicted')).toBe('false');
    expect(await page.textContent('[data-testid="kp-pred-0"]')).toContain('0.83');
    expect(await page.textContent('[data-testid="kp-pred-1"]')).toContain('0.41');
    expect((await page.textContent('[data-testid="kp-pred-10"]'))?.trim()).toBe('predicted');

    // C confirms the selected one as it is: same place, the annotator's now.
    await page.click('[data-testid="kp-row-0"] td.name');
    await page.waitForSelector('[data-testid="kp-row-0"].selected');
    await page.keyboard.press('c');
    await eventually(async () => {
      const s = await studio.api.call('sample.get', { id: 2 });
      expect(s.keypoints[0].provenance).toBe('annotator');
      expect(s.keypoints[0].x).toBe(before.keypoints[0].x + 1);
      expect(s.predictedCount).toBe(2);
    });
    expect(await page.getAttribute('[data-testid="kp-row-0"]', 'data-predicted')).toBe('false');

    // Confirm all: one action; one undo brings both back as predicted, with their confidence.
    await page.click('[data-testid="confirm-predicted"]');
    await eventually(async () => expect((await studio.api.call('sample.get', { id: 2 })).predictedCount).toBe(0));
    expect(await page.locator('[data-testid="predicted-line"]').count()).toBe(0);
    await page.click('[data-testid="undo"]');
    await eventually(async () => {
      const s = await studio.api.call('sample.get', { id: 2 });
      expect(s.predictedCount).toBe(2);
      expect(s.keypoints[1].confidence).toBe(0.41);
    });
    await eventually(async () => expect(await page.getAttribute('[data-testid="predicted-line"]', 'data-count')).toBe('2'));

    // Statistics count them.
    await go('#/stats');
    await eventually(async () => expect(await page.getAttribute('[data-testid="stat-predicted"]', 'data-keypoints')).toBe('2'));
    expect(await page.getAttribute('[data-testid="stat-predicted"]', 'data-samples')).toBe('1');

    // Export without them: Kaggle CSV with empty cells where they were; the result says how many were left out.
    await go('#/import');
    const out = join(dir, 'confirmed-only.csv');
    await page.selectOption('[data-testid="export-format"]', 'kaggle-csv');
    await page.fill('[data-testid="export-path"]', out);
    await page.check('[data-testid="export-predicted-exclude"]');
    expect(await page.isDisabled('[data-testid="export-predicted-flag"]')).toBe(true);
    await page.click('[data-testid="export-run"]');
    await page.waitForSelector('[data-testid="export-result"][data-state="done"]:has-text("left out 2 predicted")', { timeout: 20_000 });
    const rows = readFileSync(out, 'utf8').split('\n');
    const header = rows[0].split(',');
    const row2 = rows[2].split(',');
    expect(row2[header.indexOf('right_eye_center_x')]).toBe('');
    expect(row2[header.indexOf('nose_tip_x')]).toBe('');
    expect(Number(row2[header.indexOf('left_eye_center_x')])).toBeCloseTo(before.keypoints[0].x + 1, 4);
  });
});
