// End to end (issue 11 item 11): the top bar holds in one row at 1000 x 700 and 1400 x 900 with a job shown, nothing cut off.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

describe('top navigation', () => {
  let s: Studio;
  let csvDir: string;
  let runId: string;

  beforeAll(async () => {
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    csvDir = mkdtempSync(join(tmpdir(), 'kps-e2e-nav-'));
    const csv = join(csvDir, 'tiny.csv');
    writeFileSync(csv, lines.slice(0, 41).join('\n') + '\n');
    s = await startStudio({ project: { name: 'a-project-with-a-rather-long-name', schema: 'kaggle-15', imports: [{ path: csv, format: 'kaggle-csv' }] }, viewport: { width: 1400, height: 900 } });
    await s.page.waitForSelector('[data-testid="nav-train"]:not([disabled])');
    // A training job that is running (then paused) keeps the job bar at its widest: progress, message and Cancel.
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 8, epochs: 50 }, name: 'nav', backend: 'wasm' });
    runId = started.runId;
    await s.page.waitForSelector('[data-testid="job-progress"][data-state="running"] progress', { timeout: 120_000 });
    await s.page.waitForFunction(() => /epoch/.test((globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document.querySelector('[data-testid="job-progress"]')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await s.api.call('train.pause', { runId });
  });
  afterAll(async () => {
    if (runId) await s?.api.call('train.cancel', { runId }).catch(() => undefined);
    await s?.close();
    if (csvDir) rmSync(csvDir, { recursive: true, force: true });
  });

  // 1,200 px is the narrowest window with the tabs' long labels.
  for (const size of [{ width: 1000, height: 700 }, { width: 1200, height: 800 }, { width: 1400, height: 900 }]) {
    it(`holds in one row at ${size.width} x ${size.height} with a job shown`, async () => {
      const { page, api } = s;
      await page.setViewportSize(size);
      await page.click('[data-testid="nav-gallery"]');
      expect((await api.call('job.list', {})).some((j) => j.kind === 'train' && (j.state === 'running' || j.state === 'paused'))).toBe(true);
      await page.waitForSelector('[data-testid="job-progress"] progress', { state: 'attached' });
      const nav = (await page.locator('header.top nav').boundingBox()) as Box;
      const tabs = (await page.$$eval('header.top nav .tab', (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }),
      )) as Box[];
      expect(tabs).toHaveLength(10);
      // One row: every tab on the same line and at one line's height, and the nav no taller than a tab.
      const rowHeight = Math.max(...tabs.map((t) => t.height));
      expect(rowHeight).toBeLessThan(34);
      expect(new Set(tabs.map((t) => Math.round(t.y))).size).toBe(1);
      expect(nav.height).toBeLessThanOrEqual(rowHeight + 1);
      // Nothing cut off: every tab, the job bar and the theme toggle lie inside the window and inside the 42 px bar.
      const header = (await page.locator('header.top').boundingBox()) as Box;
      expect(header.height).toBeLessThanOrEqual(43);
      for (const sel of ['[data-testid="job-progress"]', '[data-testid="theme-toggle"]', '[data-testid="job-progress"] button']) {
        const b = (await page.locator(sel).boundingBox()) as Box;
        expect(b.x + b.width, sel).toBeLessThanOrEqual(size.width + 0.5);
        expect(b.y + b.height, sel).toBeLessThanOrEqual(header.y + header.height + 0.5);
      }
      // The job bar gives way by shortening its message, never by hiding its Cancel button.
      const job = (await page.locator('[data-testid="job-progress"]').boundingBox()) as Box;
      const cancel = (await page.locator('[data-testid="job-progress"] button').boundingBox()) as Box;
      const jobBox = (await page.locator('header.top .job').boundingBox()) as Box;
      expect(cancel.x + cancel.width).toBeLessThanOrEqual(Math.min(job.x + job.width, jobBox.x + jobBox.width) + 0.5);
      for (const t of tabs) {
        expect(t.x).toBeGreaterThanOrEqual(0);
        expect(t.x + t.width).toBeLessThanOrEqual(size.width);
        expect(t.y + t.height).toBeLessThanOrEqual(header.y + header.height + 0.5);
      }
      expect(await page.evaluate(() => {
        const h = (globalThis as unknown as { document: { querySelector(q: string): { scrollWidth: number; clientWidth: number } } }).document.querySelector('header.top');
        return h.scrollWidth - h.clientWidth;
      })).toBeLessThanOrEqual(0);
      // Every tab's label is whole (not clipped by an ellipsis or overflow).
      const clipped = await page.$$eval('header.top nav .tab', (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      expect(clipped).toEqual([]);
    });
  }
});
