// End to end (issue 11 item 12): error notices stack a few at most, go by themselves or when dismissed, are cleared by a project switch and by a later success, and name a path once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type Studio } from './harness.js';

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('notices', () => {
  let s: Studio;

  beforeAll(async () => {
    s = await startStudio({ viewport: { width: 1400, height: 900 } });
    await s.page.waitForSelector('[data-testid="project-new-path"]');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows a failed create once with the path once, counts repeats, and clears it when a later create succeeds', async () => {
    const { page, api } = s;
    const taken = join(s.tmp, 'taken.kps');
    writeFileSync(taken, 'not a project');
    await page.fill('[data-testid="project-new-path"]', taken);
    for (let i = 1; i <= 3; i++) {
      await page.click('[data-testid="project-new"]');
      await page.waitForSelector(`[data-testid="notice-error"][data-count="${i}"]`);
    }
    expect(await page.locator('[data-testid="notice-error"]').count()).toBe(1);
    const text = (await page.textContent('[data-testid="notice-error"]')) ?? '';
    expect(text).toContain('already exists');
    expect(occurrences(text, taken)).toBe(1);
    expect(await api.call('project.info', {})).toBeNull();

    const fresh = join(s.tmp, 'fresh.kps');
    await page.fill('[data-testid="project-new-path"]', fresh);
    await page.click('[data-testid="project-new"]');
    await page.waitForSelector('[data-testid="import-path"]');
    expect((await api.call('project.info', {}))?.path).toBe(fresh);
    expect(await page.locator('[data-testid="notice-error"]').count()).toBe(0);
  });

  it('stacks at most three errors in a small part of the window; dismiss removes one', async () => {
    const { page } = s;
    const missing = (i: number) => join(s.tmp, `no-such-${i}`, 'training.csv');
    await page.selectOption('[data-testid="import-format"]', 'kaggle-csv');
    for (let i = 1; i <= 6; i++) {
      await page.fill('[data-testid="import-path"]', missing(i));
      await page.click('[data-testid="import-run"]');
      await page.waitForSelector(`[data-testid="notice-error"]:has-text("${missing(i)}")`);
    }
    const texts = await page.$$eval('[data-testid="notice-error"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(texts).toHaveLength(3);
    expect(texts.map((t) => [4, 5, 6].find((i) => t.includes(missing(i))))).toEqual([4, 5, 6]);
    const box = (await page.locator('.notices').boundingBox())!;
    expect(box.height).toBeLessThan(900 / 3);
    await page.locator('[data-testid="notice-dismiss"]').first().click();
    await expect.poll(() => page.locator('[data-testid="notice-error"]').count()).toBe(2);
    expect((await s.api.call('project.info', {}))?.sampleCount).toBe(0);
  });

  it('clears the notices when another project opens', async () => {
    const { page, api } = s;
    expect(await page.locator('[data-testid="notice-error"]').count()).toBeGreaterThan(0);
    const other = join(s.tmp, 'other.kps');
    // Another tab (here the API) opens a project: this page follows it and starts without the old project's errors.
    await api.call('project.create', { path: other, schema: 'kaggle-15' });
    await page.waitForSelector(`[data-testid="project-name"][title="${other}"]`);
    expect(await page.locator('[data-testid="notice-error"]').count()).toBe(0);
    expect((await api.call('project.info', {}))?.path).toBe(other);
  });

  it('lets an error go by itself after a few seconds', async () => {
    const { page } = s;
    const missing = join(s.tmp, 'gone', 'training.csv');
    await page.click('[data-testid="import-open"]');
    await page.selectOption('[data-testid="import-format"]', 'kaggle-csv');
    await page.fill('[data-testid="import-path"]', missing);
    await page.click('[data-testid="import-run"]');
    await page.waitForSelector(`[data-testid="notice-error"]:has-text("${missing}")`);
    const t0 = Date.now();
    await page.mouse.move(5, 5);
    await page.waitForSelector('[data-testid="notice-error"]', { state: 'detached', timeout: 20_000 });
    expect(Date.now() - t0).toBeGreaterThan(3000);
  });
});
