// End to end: while another process holds the project file's write lock, an edit in the browser is answered busy (503)
// and shown as not saved; the save queue retries it by itself and it lands once the lock is gone.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

let studio: Studio;

beforeAll(async () => {
  studio = await startStudio({
    project: { name: 'busy', schema: 'kaggle-15', imports: [{ path: join(requireDataDir(), 'kaggle-proxy', 'training.csv'), format: 'kaggle-csv' }] },
  });
  await studio.page.waitForSelector('[data-testid="gallery"]', { timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await studio?.close();
});

describe('busy project file', () => {
  it('an edit made while another process writes is retried until it is saved, never dropped', async () => {
    const { page, api } = studio;
    const id = (await api.call('samples.ids', { maxMissing: 0 })).ids[0];
    const before = (await api.call('sample.get', { id })).keypoints[1];
    await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), `#/editor/${id}`);
    await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${id}"][data-ready="true"]`, { timeout: 20_000 });
    await page.click('[data-testid="kp-row-1"] td.name');
    await page.waitForSelector('[data-testid="editor-stage"][data-selected="1"]');

    // Another program (here: this test process) holds the write lock of the project file.
    const other = new Database(join(studio.tmp, 'busy.kps'));
    other.exec('BEGIN IMMEDIATE');
    try {
      await page.keyboard.press('ArrowRight');
      await page.waitForSelector('[data-testid="save-status"][data-status="failed"][data-pending="1"]', { timeout: 20_000 });
      expect(studio.pageErrors).toContain('http 503 /api/labels.set');
      expect((await api.call('sample.get', { id })).keypoints[1].x).toBe(before.x);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // No click on "retry now": the queue retries after the server's Retry-After.
    await page.waitForSelector('[data-testid="save-status"][data-status="saved"][data-pending="0"]', { timeout: 20_000 });
    expect((await api.call('sample.get', { id })).keypoints[1].x).toBeCloseTo(Math.min(95.5, before.x + 0.5), 6);
    expect(studio.pageErrors.filter((e) => !e.includes('/api/labels.set'))).toEqual([]);
  }, 120_000);
});
