// End to end (issue 3 item 5, issue 2 item 10): the theme and the last project are remembered across reloads; recent projects; live updates.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, waitForGallery, type Studio } from './harness.js';

describe('app shell in the browser', () => {
  let s: Studio;

  beforeAll(async () => {
    requireDataDir();
    s = await startStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('switches between light and dark and keeps the choice after a reload', async () => {
    const { page } = s;
    await page.waitForSelector('[data-testid="theme-toggle"]');
    const before = await page.getAttribute('html', 'data-theme');
    expect(before === 'light' || before === 'dark').toBe(true);
    await page.click('[data-testid="theme-toggle"]');
    const after = before === 'dark' ? 'light' : 'dark';
    expect(await page.getAttribute('html', 'data-theme')).toBe(after);
    const bg = await page.$eval('body', (b: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor);
    await page.reload();
    await page.waitForSelector('[data-testid="theme-toggle"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe(after);
    expect(await page.$eval('body', (b: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor)).toBe(bg);
  });

  it('reopens the last project on the next start and lists recent projects', async () => {
    const { page } = s;
    const a = join(s.tmp, 'a.kps');
    const b = join(s.tmp, 'b.kps');
    for (const path of [a, b]) {
      await page.click('[data-testid="nav-home"]');
      await page.fill('[data-testid="project-new-path"]', path);
      await page.click('[data-testid="project-new"]');
      await page.waitForSelector('[data-testid="import-path"]');
      expect((await s.api.call('project.info', {}))?.path).toBe(path);
    }
    // A fresh start of the service (nothing open) and a reload: the app opens the last project by itself.
    await s.api.call('project.close', {});
    expect(await s.api.call('project.info', {})).toBeNull();
    await page.goto(s.serve.url);
    await page.waitForSelector('[data-testid="project-name"]');
    expect((await s.api.call('project.info', {}))?.path).toBe(b);
    await page.click('[data-testid="nav-home"]');
    const recent = await page.locator('[data-testid="recent-project"]').allTextContents();
    expect(recent.slice(0, 2)).toEqual([b, a]);
    await page.locator('[data-testid="recent-project"]', { hasText: a }).click();
    await expect.poll(async () => (await s.api.call('project.info', {}))?.path).toBe(a);
  });

  it('shows import progress from job events, and edits made elsewhere appear in the gallery without a reload', async () => {
    const { page } = s;
    await page.click('[data-testid="import-open"]');
    // Record every state the progress bar passes through.
    await page.evaluate(`(() => {
      window.__jobStates = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="job-progress"]');
        if (el) window.__jobStates.push([el.getAttribute('data-state'), Number(el.getAttribute('data-done')), Number(el.getAttribute('data-total'))]);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    await page.fill('[data-testid="import-path"]', join(requireDataDir(), 'kaggle-proxy', 'training.csv'));
    await page.selectOption('[data-testid="import-format"]', 'kaggle-csv');
    await page.click('[data-testid="import-run"]');
    await page.waitForSelector('[data-testid="job-progress"][data-state="done"]', { timeout: 120_000 });
    const states = (await page.evaluate('window.__jobStates')) as [string, number, number][];
    // The page's own "starting" state has total 0: a running state with a total came from job.progress events.
    expect(states.some(([st, , total]) => st === 'running' && total > 0)).toBe(true);

    await page.click('[data-testid="nav-gallery"]');
    await waitForGallery(page, 1045);
    const { ids } = await s.api.call('samples.ids', { sort: 'id' });
    const cell = page.locator(`[data-testid="gallery-item"][data-sample-id="${ids[0]}"]`);
    expect(await cell.locator('.flag').count()).toBe(0);
    await s.api.call('samples.tag', { ids: [ids[0]], add: ['needs review'] });
    await expect.poll(() => cell.locator('.flag').count(), { timeout: 10_000 }).toBe(1);
    const before = Number(await cell.locator('[data-testid="badge"]').getAttribute('data-missing'));
    const detail = await s.api.call('sample.get', { id: ids[0] });
    const labelled = detail.keypoints.findIndex((k) => k.state === 'labelled');
    await s.api.call('labels.set', { sampleId: ids[0], edits: [{ index: labelled, x: NaN, y: NaN, state: 'missing' }] });
    await expect.poll(async () => Number(await cell.locator('[data-testid="badge"]').getAttribute('data-missing')), { timeout: 10_000 }).toBe(before + 1);
  });

  it('raised no page errors', () => {
    expect(s.pageErrors).toEqual([]);
  });
});
