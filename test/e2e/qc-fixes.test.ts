// End to end (issue 11 item 4): QC's one-click fixes. A right eye with its inner and outer corners exchanged is offered
// "swap these two" with a preview, applied only on confirm as one undoable action; a move is offered only with its evidence.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

const SWAPPED_ROW = 7;
const INNER = 4; // right_eye_inner_corner
const OUTER = 5; // right_eye_outer_corner

/** 60 complete kaggle-proxy rows; in row SWAPPED_ROW the right eye's inner and outer corners are exchanged. */
function csvWithCornerSwap(dataDir: string, dir: string): { path: string; original: number[] } {
  const lines = readFileSync(join(dataDir, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const rows = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes('')).slice(0, 60);
  const cells = rows[SWAPPED_ROW - 1].split(',');
  const original = cells.slice(0, 30).map(Number);
  for (const c of [0, 1]) [cells[2 * INNER + c], cells[2 * OUTER + c]] = [cells[2 * OUTER + c], cells[2 * INNER + c]];
  rows[SWAPPED_ROW - 1] = cells.join(',');
  const path = join(dir, 'corners.csv');
  writeFileSync(path, [lines[0], ...rows].join('\n') + '\n');
  return { path, original };
}

describe('QC fixes in the browser', () => {
  let s: Studio;
  let dir: string;
  let original: number[];

  beforeAll(async () => {
    const data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-e2e-qcfix-'));
    const made = csvWithCornerSwap(data, dir);
    original = made.original;
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: made.path, format: 'kaggle-csv' }] }, viewport: { width: 1280, height: 900 } });
    await s.page.waitForSelector('[data-testid="nav-qc"]:not([disabled])');
    await s.page.click('[data-testid="nav-qc"]');
    await s.page.waitForSelector('[data-testid="qc-queue"]');
    await s.page.selectOption('[data-testid="qc-evidence"]', 'shape');
    await s.page.click('[data-testid="qc-run"]');
    await s.page.waitForSelector('[data-testid="qc-item"]', { timeout: 120_000 });
  });
  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('offers "swap these two" for the exchanged eye corners, previews it, and applies it only on confirm as one undoable action', async () => {
    const { page, api } = s;
    const id = SWAPPED_ROW; // ids follow the CSV rows in a fresh project
    expect((await api.call('sample.get', { id })).record).toBe(SWAPPED_ROW);
    const item = page.locator(`[data-testid="qc-item"][data-sample-id="${id}"]`);
    const reasons = (await item.locator('[data-testid="qc-reasons"]').textContent()) ?? '';
    expect(reasons).toContain('right_eye_inner_corner and right_eye_outer_corner exchanged');
    // The bad one-click fix of the issue (moving one corner next to the other) is not offered.
    expect(await item.locator('[data-testid="qc-move"]').count()).toBe(0);
    const swapButton = item.locator('[data-testid="qc-swap"]');
    expect(await swapButton.textContent()).toContain('Swap right_eye_inner_corner and right_eye_outer_corner');

    const stored = async (): Promise<number[]> => (await api.call('sample.get', { id })).keypoints.flatMap((k) => [k.x, k.y]);
    const swapped = await stored();
    expect(swapped[2 * INNER]).toBeCloseTo(original[2 * OUTER], 3);

    // The preview draws the two keypoints where the swap puts them, and changes nothing yet.
    await swapButton.click();
    const ghosts = item.locator('[data-testid="qc-swap-preview"] [data-testid="qc-ghost"]');
    await ghosts.first().waitFor();
    const drawn = await ghosts.evaluateAll((els) => els.map((e) => ({ index: Number(e.getAttribute('data-index')), x: Number(e.getAttribute('cx')), y: Number(e.getAttribute('cy')) })));
    expect(drawn.map((g) => g.index).sort()).toEqual([INNER, OUTER]);
    for (const g of drawn) {
      expect(g.x).toBeCloseTo(original[2 * g.index], 3);
      expect(g.y).toBeCloseTo(original[2 * g.index + 1], 3);
    }
    expect(await stored()).toEqual(swapped);
    await item.locator('[data-testid="qc-swap-cancel"]').click();
    await item.locator('[data-testid="qc-swap-preview"]').waitFor({ state: 'detached' });
    expect(await stored()).toEqual(swapped);

    await swapButton.click();
    await item.locator('[data-testid="qc-swap-apply"]').click();
    await item.locator('[data-testid="qc-fixed"]').waitFor();
    const fixedValues = await stored();
    fixedValues.forEach((v, j) => expect(v).toBeCloseTo(original[j], 3));

    // One action: a single undo puts both corners back where they were.
    const undo = await api.call('history.undo', {});
    expect(undo.label).toBe('QC: swap right_eye_inner_corner and right_eye_outer_corner');
    expect(undo.sampleIds).toEqual([id]);
    expect(await stored()).toEqual(swapped);
  });

  it('offers a move only where the item has evidence, and shows that evidence', async () => {
    const { page, api } = s;
    const listed = (await api.call('qc.list', {})).items.slice(0, 50);
    const shown = await page.$$eval('[data-testid="qc-item"]', (els) =>
      els.map((e) => ({
        id: Number(e.getAttribute('data-sample-id')),
        move: e.querySelector('[data-testid="qc-move"]') !== null,
        evidence: e.querySelector('[data-testid="qc-move-evidence"]')?.textContent ?? null,
        reasons: e.querySelectorAll('[data-testid="qc-reasons"] li').length,
      })),
    );
    expect(shown.map((x) => x.id)).toEqual(listed.map((i) => i.sampleId));
    // Most of these 60 faces are unremarkable: they must show no fix at all.
    expect(shown.filter((x) => !x.move).length).toBeGreaterThan(40);
    for (const [r, x] of shown.entries()) {
      const m = listed[r].move;
      expect(x.move).toBe(m !== null && m !== undefined);
      if (x.reasons === 0) expect(x.move).toBe(false);
      if (!m) continue;
      expect(m.score).toBeGreaterThanOrEqual(2);
      expect(x.evidence).toContain(`${m.name} is ${m.distancePx.toFixed(1)} px from`);
      expect(x.evidence).toContain(`(${m.to[0].toFixed(1)}, ${m.to[1].toFixed(1)})`);
    }
    // At least one item gets a move, and using it writes the evidence's position.
    const withMove = listed.find((i) => i.move && i.sampleId !== SWAPPED_ROW);
    expect(withMove).toBeDefined();
    const m = withMove!.move!;
    await page.click(`[data-testid="qc-item"][data-sample-id="${withMove!.sampleId}"] [data-testid="qc-move"]`);
    await page.locator(`[data-testid="qc-item"][data-sample-id="${withMove!.sampleId}"] [data-testid="qc-fixed"]`).waitFor();
    const kp = (await api.call('sample.get', { id: withMove!.sampleId })).keypoints[m.index];
    expect(kp.x).toBeCloseTo(m.to[0], 3);
    expect(kp.y).toBeCloseTo(m.to[1], 3);
  });
});
