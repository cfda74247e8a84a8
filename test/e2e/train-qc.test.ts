// End to end (issue 5 item 5, the queue view): QC on a project with one injected left/right swap; swap it back, dismiss another, dismissals stay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

const SWAPPED_ROW = 7;

/** 60 complete kaggle-proxy rows; in row SWAPPED_ROW every left keypoint is exchanged with its right twin (a mirrored annotation). */
function csvWithSwap(dataDir: string, dir: string): { path: string; original: number[] } {
  const lines = readFileSync(join(dataDir, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  const rows = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes('')).slice(0, 60);
  const cells = rows[SWAPPED_ROW - 1].split(',');
  const original = cells.slice(0, 30).map(Number);
  const swapped = [...cells];
  header.forEach((name, i) => {
    if (!/(^|_)left_/.test(name)) return;
    const j = header.indexOf(name.replace(/(^|_)left_/, '$1right_'));
    swapped[i] = cells[j];
    swapped[j] = cells[i];
  });
  rows[SWAPPED_ROW - 1] = swapped.join(',');
  const path = join(dir, 'swap.csv');
  writeFileSync(path, [lines[0], ...rows].join('\n') + '\n');
  return { path, original };
}

describe('label quality queue in the browser', () => {
  let s: Studio;
  let dir: string;
  let original: number[];

  beforeAll(async () => {
    const data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-e2e-qc-'));
    const made = csvWithSwap(data, dir);
    original = made.original;
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: made.path, format: 'kaggle-csv' }] }, viewport: { width: 1280, height: 900 } });
    await s.page.waitForSelector('[data-testid="nav-qc"]:not([disabled])');
  });
  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ranks the swapped face near the top with a swap reason, swaps it back, and keeps a dismissal across reloads', async () => {
    const { page, api } = s;
    await page.click('[data-testid="nav-qc"]');
    await page.waitForSelector('[data-testid="qc-queue"]');
    await page.selectOption('[data-testid="qc-evidence"]', 'shape');
    await page.click('[data-testid="qc-run"]');
    await page.waitForSelector('[data-testid="qc-item"]', { timeout: 120_000 });
    const ids = await page.$$eval('[data-testid="qc-item"]', (els) => els.map((e) => Number(e.getAttribute('data-sample-id'))));
    const listed = await api.call('qc.list', {});
    expect(ids.slice(0, 10)).toEqual(listed.items.slice(0, 10).map((i) => i.sampleId));
    const swappedId = SWAPPED_ROW; // ids follow the CSV rows in a fresh project
    expect((await api.call('sample.get', { id: swappedId })).record).toBe(SWAPPED_ROW);
    expect(ids.indexOf(swappedId)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(swappedId)).toBeLessThan(3);
    const item = page.locator(`[data-testid="qc-item"][data-sample-id="${swappedId}"]`);
    expect((await item.locator('[data-testid="qc-reasons"]').textContent())?.toLowerCase()).toContain('swap');

    await item.locator('[data-testid="qc-swap"]').click();
    await item.locator('[data-testid="qc-swap-apply"]').click();
    await item.locator('[data-testid="qc-fixed"]').waitFor();
    const fixedSample = await api.call('sample.get', { id: swappedId });
    fixedSample.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(original[2 * i], 3);
      expect(k.y).toBeCloseTo(original[2 * i + 1], 3);
      expect(k.provenance).toMatch(/^(import|annotator)/);
    });
    expect((await api.call('qc.list', {})).stale).toBe(true);

    // Dismiss the first other item: it leaves the queue, and stays out after a reload.
    const other = ids.find((id) => id !== swappedId)!;
    await page.click(`[data-testid="qc-item"][data-sample-id="${other}"] [data-testid="qc-dismiss"]`);
    await page.waitForSelector(`[data-testid="qc-item"][data-sample-id="${other}"]`, { state: 'detached' });
    const after = await api.call('qc.list', {});
    expect(after.items.map((i) => i.sampleId)).not.toContain(other);
    expect(after.dismissedCount).toBe(1);
    await page.reload();
    await page.waitForSelector('[data-testid="qc-item"]');
    expect(await page.locator(`[data-testid="qc-item"][data-sample-id="${other}"]`).count()).toBe(0);
    await page.check('[data-testid="qc-show-dismissed"]');
    await page.click(`[data-testid="qc-item"][data-sample-id="${other}"] [data-testid="qc-restore"]`);
    await expect.poll(async () => (await api.call('qc.list', {})).dismissedCount).toBe(0);
  });
});
