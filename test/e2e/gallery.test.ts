// End to end (issue 3, gallery): filters equal the API's queries, keyboard and mouse selection, bulk actions and undo, asserted through the API.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { galleryIds, startStudio, visibleGalleryIds, waitForGallery, type Studio } from './harness.js';

describe('gallery in the browser', () => {
  let s: Studio;
  let allIds: number[];

  beforeAll(async () => {
    const csv = join(requireDataDir(), 'kaggle-proxy', 'training.csv');
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: csv, format: 'kaggle-csv' }] } });
    allIds = (await s.api.call('samples.ids', { sort: 'id' })).ids;
    expect(allIds).toHaveLength(1045);
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(async () => {
    // Every test starts from the unfiltered gallery with nothing selected.
    await s.page.goto(`${s.serve.url}#/gallery`);
    // The filter is kept per tab (sessionStorage), so a test may find the previous one's: clear it.
    await s.page.waitForSelector('[data-testid="gallery"][data-loaded="true"]');
    if (await s.page.locator('[data-testid="filter-reset"]').count()) await s.page.click('[data-testid="filter-reset"]');
    await waitForGallery(s.page, (await s.api.call('samples.ids', {})).ids.length);
  });

  async function scrollGallery(to: 'top' | 'bottom'): Promise<void> {
    await s.page.$eval(
      '[data-testid="gallery"]',
      (el: { scrollTop: number; scrollHeight: number }, where: string) => {
        el.scrollTop = where === 'top' ? 0 : el.scrollHeight;
      },
      to,
    );
    await s.page.waitForTimeout(150);
  }

  it('filters by one named missing keypoint: the ids shown are the API query, from the first to the last', async () => {
    const { page } = s;
    const names = await page.$$eval('[data-testid="filter-missing"] option', (os: { textContent: string | null }[]) => os.map((o) => o.textContent));
    const info = await s.api.call('project.info', {});
    expect(names.slice(1)).toEqual(info!.schema.keypoints.map((k) => k.name));
    const index = info!.schema.keypoints.findIndex((k) => k.name === 'left_eye_inner_corner');
    await page.selectOption('[data-testid="filter-missing"]', String(index));
    const { ids } = await s.api.call('samples.ids', { sort: 'id', missingKeypoint: index });
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.length).toBeLessThan(1045);
    await waitForGallery(page, ids.length);
    const top = await visibleGalleryIds(page);
    expect(top.length).toBeGreaterThan(0);
    expect(top).toEqual(ids.slice(0, top.length));
    // Every sample shown has that keypoint missing, by the badge and by the API's own labels.
    const { items } = await s.api.call('samples.list', { missingKeypoint: index, sort: 'id', offset: 0, limit: top.length });
    for (const item of items) expect(item.keypoints[index].state).toBe('missing');
    await scrollGallery('bottom');
    await page.waitForSelector(`[data-testid="gallery-item"][data-sample-id="${ids[ids.length - 1]}"] [data-testid="badge"]`);
    const bottom = await visibleGalleryIds(page);
    expect(bottom).toEqual(ids.slice(ids.length - bottom.length));
  });

  it('filters by the number of missing keypoints and sorts like the API', async () => {
    const { page } = s;
    await page.fill('[data-testid="filter-min-missing"]', '1');
    await page.press('[data-testid="filter-min-missing"]', 'Enter');
    await page.fill('[data-testid="filter-max-missing"]', '6');
    await page.press('[data-testid="filter-max-missing"]', 'Enter');
    await page.selectOption('[data-testid="gallery-sort"]', 'missing-desc');
    const { ids } = await s.api.call('samples.ids', { minMissing: 1, maxMissing: 6, sort: 'missing-desc' });
    await waitForGallery(page, ids.length);
    const shown = await galleryIds(page);
    expect(shown).toEqual(ids.slice(0, shown.length));
    const { items } = await s.api.call('samples.list', { minMissing: 1, maxMissing: 6, sort: 'missing-desc', limit: shown.length });
    for (let i = 0; i < items.length; i++) {
      expect(items[i].missingCount).toBeGreaterThanOrEqual(1);
      expect(items[i].missingCount).toBeLessThanOrEqual(6);
      if (i > 0) expect(items[i].missingCount).toBeLessThanOrEqual(items[i - 1].missingCount);
    }
  });

  it('moves with the arrow keys and opens the focused sample in the editor with Enter', async () => {
    const { page } = s;
    await page.click(`[data-testid="gallery-item"][data-sample-id="${allIds[0]}"]`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const cols = await page.$eval('[data-testid="gallery"]', (vp: { querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { top: number } }> }) => {
      const tops = Array.from(vp.querySelectorAll('[data-testid="gallery-item"]')).map((el) => Math.round(el.getBoundingClientRect().top));
      return tops.filter((t) => t === tops[0]).length;
    });
    await page.keyboard.press('ArrowDown');
    const expected = allIds[2 + cols];
    expect(await page.getAttribute('[data-testid="gallery-item"][aria-selected="true"]', 'data-sample-id')).toBe(String(expected));
    await page.keyboard.press('Enter');
    await page.waitForFunction(`location.hash === '#/editor/${expected}'`);
    // Back in the gallery the same sample keeps the focus.
    await page.click('[data-testid="nav-gallery"]');
    await waitForGallery(page);
    expect(await page.getAttribute('[data-testid="gallery-item"][aria-selected="true"]', 'data-sample-id')).toBe(String(expected));
  });

  it('bulk-tags a Shift-click range and undoes it with the Undo button and with Ctrl+Z', async () => {
    const { page } = s;
    const range = allIds.slice(3, 8);
    await page.click(`[data-testid="gallery-item"][data-sample-id="${range[0]}"]`);
    await page.click(`[data-testid="gallery-item"][data-sample-id="${range[range.length - 1]}"]`, { modifiers: ['Shift'] });
    expect(await page.textContent('[data-testid="selection-count"]')).toBe(`${range.length} selected`);
    await page.fill('[data-testid="bulk-tag-input"]', 'blurry');
    await page.click('[data-testid="bulk-tag-add"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'blurry', sort: 'id' })).ids).toEqual(range);
    await page.click('[data-testid="gallery-undo"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'blurry' })).ids).toEqual([]);
    await page.click('[data-testid="gallery-redo"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'blurry', sort: 'id' })).ids).toEqual(range);

    // Ctrl-click adds single samples; "mark for review" tags them; Ctrl+Z in the gallery undoes it.
    const picks = [allIds[10], allIds[12]];
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`);
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[1]}"]`, { modifiers: ['Control'] });
    await page.click('[data-testid="bulk-review"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'needs review', sort: 'id' })).ids).toEqual(picks);
    await page.focus('[data-testid="gallery"]');
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'needs review' })).ids).toEqual([]);
    // The earlier tag action is still there.
    expect((await s.api.call('samples.ids', { tag: 'blurry', sort: 'id' })).ids).toEqual(range);
    await page.click('[data-testid="gallery-undo"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { tag: 'blurry' })).ids).toEqual([]);
  });

  it('sets the split of a selection and filters by it', async () => {
    const { page } = s;
    const picks = [allIds[1], allIds[4], allIds[6]];
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`);
    for (const id of picks.slice(1)) await page.click(`[data-testid="gallery-item"][data-sample-id="${id}"]`, { modifiers: ['Control'] });
    await page.selectOption('[data-testid="bulk-split"]', 'val');
    await page.click('[data-testid="bulk-split-set"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { split: 'val', sort: 'id' })).ids).toEqual(picks);
    await page.selectOption('[data-testid="filter-split"]', 'val');
    await waitForGallery(page, 3);
    expect(await galleryIds(page)).toEqual(picks);
    await page.click('[data-testid="gallery-undo"]');
    await expect.poll(async () => (await s.api.call('samples.ids', { split: 'val' })).ids).toEqual([]);
    await waitForGallery(page, 0);
  });

  it('deletes a selection only after confirmation, and undo brings it back', async () => {
    const { page } = s;
    const picks = [allIds[20], allIds[21]];
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`);
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[1]}"]`, { modifiers: ['Control'] });
    await page.click('[data-testid="bulk-delete"]');
    await page.click('[data-testid="confirm-delete-cancel"]');
    expect((await s.api.call('project.info', {}))!.sampleCount).toBe(1045);
    await page.click('[data-testid="bulk-delete"]');
    await page.click('[data-testid="confirm-delete-ok"]');
    await expect.poll(async () => (await s.api.call('samples.ids', {})).ids.length).toBe(1043);
    const left = (await s.api.call('samples.ids', {})).ids;
    expect(left).not.toContain(picks[0]);
    expect(left).not.toContain(picks[1]);
    await waitForGallery(page, 1043);
    expect(await page.locator(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`).count()).toBe(0);
    await page.click('[data-testid="gallery-undo"]');
    await expect.poll(async () => (await s.api.call('samples.ids', {})).ids.length).toBe(1045);
    await waitForGallery(page, 1045);
    expect(await page.locator(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`).count()).toBe(1);
  });

  it('selects every sample with Ctrl+A and opens the review queue', async () => {
    const { page } = s;
    await page.focus('[data-testid="gallery"]');
    await page.keyboard.press('Control+a');
    expect(await page.textContent('[data-testid="selection-count"]')).toBe('1045 selected');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid="selection-count"]').count()).toBe(0);
    await page.click('[data-testid="review-queue"]');
    await page.waitForFunction(`location.hash === '#/review'`);
  });

  it('raised no page errors', () => {
    expect(s.pageErrors).toEqual([]);
  });
});
