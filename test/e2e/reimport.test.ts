// End to end (issue 11 item 5): importing kaggle-proxy training.csv twice asks skip / replace labels / add, and Ctrl+Z or Undo reverts an import.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

describe('repeated import in the browser', () => {
  let s: Studio;
  let trainingCsv: string;

  async function count(): Promise<number> {
    return (await s.api.call('project.info', {}))?.sampleCount ?? -1;
  }

  /** Submits the import form for training.csv and waits for the job to end (done, or refused as a repeat). */
  async function importAgain(): Promise<void> {
    const { page } = s;
    await page.fill('[data-testid="import-path"]', trainingCsv);
    await page.selectOption('[data-testid="import-format"]', 'kaggle-csv');
    await page.click('[data-testid="import-run"]');
  }

  async function waitDone(): Promise<void> {
    await s.page.waitForSelector('[data-testid="import-result"][data-state="done"]', { timeout: 120_000 });
  }

  beforeAll(async () => {
    trainingCsv = join(requireDataDir(), 'kaggle-proxy', 'training.csv');
    s = await startStudio();
    const { page } = s;
    await page.waitForSelector('[data-testid="project-new"]');
    await page.fill('[data-testid="project-new-path"]', join(s.tmp, 'faces.kps'));
    await page.waitForSelector('[data-testid="project-new-schema"] option[value="kaggle-15"]', { state: 'attached' });
    await page.selectOption('[data-testid="project-new-schema"]', 'kaggle-15');
    await page.click('[data-testid="project-new"]');
    await page.waitForSelector('[data-testid="import-path"]');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('imports once, then asks instead of doubling the project; skip adds nothing', async () => {
    await importAgain();
    await waitDone();
    expect(await count()).toBe(1045);

    await importAgain();
    const ask = await s.page.waitForSelector('[data-testid="import-repeat-confirm"]', { timeout: 120_000 });
    expect((await ask.textContent())?.replace(/\s+/g, ' ')).toMatch(/training\.csv was already imported on .*\(1045 samples, same file content\)/);
    expect(await s.page.$('[data-testid="notice-error"]')).toBeNull();
    expect(await count()).toBe(1045);

    await s.page.click('[data-testid="import-repeat-skip"]');
    await waitDone();
    expect(await s.page.textContent('[data-testid="import-result"]')).toMatch(/Skipped: this source was imported before/);
    expect(await count()).toBe(1045);
  });

  it('add as new doubles the project, and Ctrl+Z reverts that import, saying what it undid', async () => {
    await importAgain();
    await s.page.waitForSelector('[data-testid="import-repeat-confirm"]', { timeout: 120_000 });
    await s.page.click('[data-testid="import-repeat-add"]');
    await waitDone();
    expect(await count()).toBe(2090);

    await s.page.click('h2:has-text("Import")');
    await s.page.keyboard.press('Control+z');
    await s.page.waitForSelector('[data-testid="import-undone"]');
    expect(await s.page.textContent('[data-testid="import-undone"]')).toBe('Undone: Import 1045 samples from training.csv');
    expect(await count()).toBe(1045);
  });

  it('replace labels restores the file labels of the same records in one action that Undo reverts', async () => {
    const { ids } = await s.api.call('samples.ids', { sort: 'id' });
    const id = ids[0];
    const original = (await s.api.call('sample.get', { id })).keypoints[0];
    await s.api.call('labels.set', { sampleId: id, edits: [{ index: 0, x: 40.5, y: 41.5, state: 'labelled' }] });

    await importAgain();
    await s.page.waitForSelector('[data-testid="import-repeat-confirm"]', { timeout: 120_000 });
    await s.page.click('[data-testid="import-repeat-replace"]');
    await waitDone();
    expect(await s.page.textContent('[data-testid="import-result"]')).toMatch(/replaced the labels of 1 samples \(0 records matched no sample\)/);
    expect(await count()).toBe(1045);
    const restored = (await s.api.call('sample.get', { id })).keypoints[0];
    expect([restored.x, restored.y]).toEqual([original.x, original.y]);

    await s.page.click('[data-testid="import-undo"]');
    await s.page.waitForSelector('[data-testid="import-undone"]');
    expect(await s.page.textContent('[data-testid="import-undone"]')).toBe('Undone: Replace labels from training.csv');
    const back = (await s.api.call('sample.get', { id })).keypoints[0];
    expect([back.x, back.y]).toEqual([40.5, 41.5]);
    expect(await count()).toBe(1045);
  });
});
