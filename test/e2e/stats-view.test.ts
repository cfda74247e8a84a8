// End to end (issue 11 item 13): the statistics view's histogram has labelled axes, tick values and a count on each bar equal to stats.get; the mean shape names its keypoints on hover and all at once, without overlaps.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetStats } from '../../src-main/api/ops.js';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('statistics view: histogram axes and counts, mean-shape names', () => {
  let s: Studio;
  let st: DatasetStats;

  beforeAll(async () => {
    const csv = join(requireDataDir(), 'kaggle-proxy', 'training.csv');
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: csv, format: 'kaggle-csv' }] } });
    await s.page.waitForSelector('[data-testid="nav-stats"]:not([disabled])');
    await s.page.click('[data-testid="nav-stats"]');
    await s.page.waitForSelector('[data-testid="stats-panel"][data-loaded="true"]');
    st = await s.api.call('stats.get', {});
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('labels both histogram axes, shows tick values, and writes each bar count as the service counts it', async () => {
    const { page } = s;
    const hist = page.locator('[data-testid="stat-hist"]');
    expect((await hist.locator('[data-testid="stat-hist-xlabel"]').textContent())?.trim()).toBe('labelled keypoints per row');
    expect((await hist.locator('[data-testid="stat-hist-ylabel"]').textContent())?.trim()).toBe('rows');
    // One x tick per possible count 0..K, in order.
    const xticks = (await hist.locator('[data-testid="stat-hist-xtick"]').allTextContents()).map((t) => t.trim());
    expect(xticks).toEqual(st.labelledPerRowHistogram.map((_, k) => String(k)));
    // y ticks: increasing numbers from 0 up to at least the tallest bar.
    const yticks = (await hist.locator('[data-testid="stat-hist-ytick"]').allTextContents()).map((t) => Number(t.trim().replace(/,/g, '')));
    expect(yticks.length).toBeGreaterThanOrEqual(3);
    expect(yticks[0]).toBe(0);
    for (let i = 1; i < yticks.length; i++) expect(yticks[i]).toBeGreaterThan(yticks[i - 1]);
    const maxCount = Math.max(...st.labelledPerRowHistogram);
    expect(yticks[yticks.length - 1]).toBeGreaterThanOrEqual(maxCount);
    // Each bar's visible count is the service's figure, and its drawn height is that count on the y scale.
    const top = yticks[yticks.length - 1];
    const plotH = Number(await hist.getAttribute('data-plot-height'));
    expect(plotH).toBeGreaterThan(50);
    for (let k = 0; k < st.labelledPerRowHistogram.length; k++) {
      const n = st.labelledPerRowHistogram[k];
      const count = hist.locator(`[data-testid="stat-hist-count-${k}"]`);
      expect(await count.isVisible()).toBe(true);
      expect((await count.textContent())?.trim().replace(/,/g, '')).toBe(String(n));
      const bar = hist.locator(`[data-testid="stat-hist-${k}"] rect.hbar`);
      expect(Number(await bar.getAttribute('height'))).toBeCloseTo((plotH * n) / top, 3);
    }
    // The counts are also there as text for screen readers and copying.
    const table = (await page.textContent('[data-testid="stat-hist-table"]')) ?? '';
    st.labelledPerRowHistogram.forEach((n, k) => expect(table).toContain(`${k}: ${n}`));
  });

  it('names a mean-shape keypoint on hover, and every labelled one with the toggle, with no two names overlapping', async () => {
    const { page } = s;
    const info = await s.api.call('project.info', {});
    const names = info!.schema.keypoints.map((k) => k.name);
    const shown = st.meanShape.map((p, i) => (p ? i : -1)).filter((i) => i >= 0);
    expect(shown.length).toBeGreaterThan(10);
    // Nothing named before hovering; hovering a point names exactly that point.
    expect(await page.locator('[data-testid^="stat-mean-label-"]').count()).toBe(0);
    const i = shown[3];
    await page.hover(`[data-testid="stat-mean-pt-${i}"]`);
    await page.waitForSelector(`[data-testid="stat-mean-label-${i}"]`);
    expect((await page.textContent(`[data-testid="stat-mean-label-${i}"]`))?.trim()).toBe(names[i]);
    expect(await page.locator('[data-testid^="stat-mean-label-"]').count()).toBe(1);
    await page.mouse.move(0, 0);
    await page.waitForSelector(`[data-testid="stat-mean-label-${i}"]`, { state: 'detached' });

    await page.check('[data-testid="stat-mean-names"]');
    const boxes: Box[] = [];
    for (const j of shown) {
      const label = page.locator(`[data-testid="stat-mean-label-${j}"]`);
      expect((await label.textContent())?.trim()).toBe(names[j]);
      const b = await label.boundingBox();
      expect(b).not.toBeNull();
      boxes.push(b!);
    }
    expect(await page.locator('[data-testid^="stat-mean-label-"]').count()).toBe(shown.length);
    for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) expect(overlaps(boxes[a], boxes[b]), `${names[shown[a]]} overlaps ${names[shown[b]]}`).toBe(false);
    // Each name is drawn inside the drawing, at a legible size.
    const svg = (await page.locator('[data-testid="stat-mean-shape"]').boundingBox())!;
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(svg.x - 0.5);
      expect(b.x + b.width).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
      expect(b.height).toBeGreaterThanOrEqual(9);
    }
    await page.uncheck('[data-testid="stat-mean-names"]');
    expect(await page.locator('[data-testid^="stat-mean-label-"]').count()).toBe(0);
  });
});
