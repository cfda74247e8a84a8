// End to end (issue 11 item 11, the editor part): the editor toolbar holds in one row from 1,000 x 700 up, with a
// model's predictions shown (its widest state); zoom −, level and + stay side by side; under 1,200 px the view
// options fold into the ⋯ menu and still work (checked on the stage's state).
import { readFileSync, writeFileSync } from 'node:fs';
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

type Doc = { document: { documentElement: { scrollWidth: number }; querySelector(q: string): { scrollWidth: number; clientWidth: number } | null }; innerWidth: number };

describe('editor toolbar layout', () => {
  let s: Studio;
  let sampleId: number;

  beforeAll(async () => {
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    s = await startStudio({ open: false, viewport: { width: 1400, height: 900 } });
    const csv = join(s.tmp, 'tiny.csv');
    writeFileSync(csv, lines.slice(0, 11).join('\n') + '\n');
    await s.api.call('project.create', { path: join(s.tmp, 'toolbar-with-a-long-project-name.kps'), schema: 'kaggle-15' });
    expect((await s.api.call('job.wait', await s.api.call('import.start', { path: csv, format: 'kaggle-csv' }))).state).toBe('done');
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 8, epochs: 1 }, name: 'a run with a fairly long name', backend: 'wasm' });
    const end = await s.api.call('job.wait', { jobId: started.jobId });
    expect(end.state, end.error?.message).toBe('done');
    sampleId = (await s.api.call('samples.ids', { minMissing: 1 })).ids[0];
    await s.page.goto(`${s.serve.url}#/editor/${sampleId}`);
    await s.page.waitForSelector('[data-testid="editor-stage"][data-ready="true"]');
    // The widest state: a run chosen, its status, accept and accept all shown.
    await s.page.selectOption('[data-testid="assist-run"]', started.runId);
    await s.page.waitForSelector('[data-testid="assist-status"][data-state="ready"]', { timeout: 60_000 });
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  const box = async (sel: string): Promise<Box> => (await s.page.locator(sel).boundingBox()) as Box;

  for (const size of [{ width: 1000, height: 700 }, { width: 1280, height: 800 }, { width: 1400, height: 900 }]) {
    it(`is one row at ${size.width} x ${size.height}, zoom − level + adjacent, nothing cut off`, async () => {
      const { page } = s;
      await page.setViewportSize(size);
      await page.waitForFunction((w) => (globalThis as unknown as Doc).innerWidth === w, size.width);
      const bar = await box('[data-testid="editor"] > header.toolbar');
      const items = (await page.$$eval('[data-testid="editor"] > header.toolbar > *', (els) =>
        els
          .filter((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { display: string } }).getComputedStyle(e).display !== 'none')
          .map((e) => {
            const r = e.getBoundingClientRect();
            return { id: e.getAttribute('data-testid') ?? e.className, x: r.x, y: r.y, width: r.width, height: r.height };
          }),
      )) as (Box & { id: string })[];
      expect(items.length).toBeGreaterThanOrEqual(8);
      // One row: every group's vertical centre on one line, and the bar one control high.
      const centres = items.map((b) => b.y + b.height / 2);
      expect(Math.max(...centres) - Math.min(...centres), JSON.stringify(items)).toBeLessThan(3);
      expect(bar.height).toBeLessThan(40);
      // Left to right without overlap, all inside the window.
      for (let i = 1; i < items.length; i++) expect(items[i].x, `${items[i].id} after ${items[i - 1].id}`).toBeGreaterThanOrEqual(items[i - 1].x + items[i - 1].width - 0.5);
      for (const b of items) expect(b.x + b.width, b.id).toBeLessThanOrEqual(size.width + 0.5);
      // The sample title keeps some room (it shortens with an ellipsis, the whole text in its tooltip).
      expect((await box('[data-testid="editor-title"]')).width).toBeGreaterThan(40);
      expect(await page.getAttribute('[data-testid="editor-title"]', 'title')).toMatch(new RegExp(`^#${sampleId} `));
      // Zoom −, level and + touch, on one line.
      const [minus, level, plus] = [await box('[data-testid="zoom-out"]'), await box('[data-testid="zoom-fit"]'), await box('[data-testid="zoom-in"]')];
      expect(Math.abs(minus.x + minus.width - level.x)).toBeLessThan(1.5);
      expect(Math.abs(level.x + level.width - plus.x)).toBeLessThan(1.5);
      expect(Math.abs(minus.y - plus.y)).toBeLessThan(1);
      expect(Math.abs(level.y - plus.y)).toBeLessThan(1);
      // Controls that matter while labelling are always on the bar.
      for (const id of ['prev-sample', 'next-sample', 'next-missing', 'assist-status', 'accept-all', 'fill-mode', 'undo', 'redo', 'tag-reviewed', 'save-status']) {
        expect(await page.isVisible(`[data-testid="${id}"]`), id).toBe(true);
      }
      // No horizontal overflow of the page or the bar.
      const over = await page.evaluate(() => {
        const g = globalThis as unknown as Doc;
        const t = g.document.querySelector('[data-testid="editor"] > header.toolbar')!;
        return { page: g.document.documentElement.scrollWidth - g.innerWidth, bar: t.scrollWidth - t.clientWidth };
      });
      expect(over.page).toBeLessThanOrEqual(0);
      expect(over.bar).toBeLessThanOrEqual(0);
      // Under 1,200 px the view options are in the ⋯ menu, otherwise on the bar.
      const folded = size.width < 1200;
      expect(await page.isVisible('[data-testid="toolbar-more"]')).toBe(folded);
      expect(await page.isVisible('[data-testid="names-toggle"]')).toBe(!folded);
    });
  }

  it('at 1000 px the ⋯ menu opens inside the window, and its names toggle works', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1000, height: 700 });
    await page.click('[data-testid="toolbar-more"]');
    await page.waitForSelector('[data-testid="names-toggle"]', { state: 'visible' });
    const menu = await box('[data-testid="toolbar-secondary"]');
    expect(menu.x).toBeGreaterThanOrEqual(0);
    expect(menu.x + menu.width).toBeLessThanOrEqual(1000);
    expect(menu.y + menu.height).toBeLessThanOrEqual(700);
    const before = await page.getAttribute('[data-testid="editor-stage"]', 'data-names');
    await page.click('[data-testid="names-toggle"]');
    await page.waitForSelector(`[data-testid="editor-stage"][data-names="${before === 'true' ? 'false' : 'true'}"]`);
    // A click outside closes the menu.
    await page.click('[data-testid="editor-title"]');
    await page.waitForSelector('[data-testid="names-toggle"]', { state: 'hidden' });
  });
});
