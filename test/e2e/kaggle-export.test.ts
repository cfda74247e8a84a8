// End to end (issue 11 item 10): adding photos that are not 96x96 to a Kaggle project warns at once; the Kaggle CSV
// export fails naming the sample, skips such samples or crops them to 96x96 grey; and the Export dialog writes a
// selection, a stored split, a run's split, reviewed-only or a tag. Every file is checked against the stored samples.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ImportResult, JobStatus } from '../../src-main/api/ops.js';
import type { ExportResult } from '../../src-main/api/export.js';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

const ROWS = 8;
/** IMM's 58 points, 15 of them spread over the face: a 15-point .pts for a Kaggle project. */
const PICK = [0, 4, 8, 12, 16, 21, 25, 29, 33, 38, 42, 46, 50, 54, 57];

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

/** The CSV cells of a stored sample's keypoints, as the exporter writes them. */
function cells(kps: { x: number; y: number; state: string }[]): string[] {
  return kps.flatMap((k) => (k.state === 'missing' ? ['', ''] : [String(k.x), String(k.y)]));
}

describe('Kaggle CSV export: other image sizes and subsets', () => {
  let s: Studio;
  let data: string;
  let sourceRows: string[][];
  let runId: string;
  let photoIds: number[] = [];

  const exportJobs = async () => (await s.api.call('job.list', {})).filter((j) => j.kind === 'export');

  /** Runs one export from the Export dialog; returns its job once the view shows how it ended. */
  async function exportVia(out: string, opts: { otherSizes?: 'fail' | 'skip' | 'crop' } = {}): Promise<JobStatus> {
    const { page } = s;
    await page.click('[data-testid="import-open"]');
    await page.selectOption('[data-testid="export-format"]', 'kaggle-csv');
    await page.check(`[data-testid="export-other-sizes-${opts.otherSizes ?? 'fail'}"]`);
    await page.fill('[data-testid="export-path"]', out);
    const before = (await exportJobs()).length;
    await page.click('[data-testid="export-run"]');
    let job: JobStatus | undefined;
    for (let i = 0; i < 600 && !(job && job.state !== 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await exportJobs())[before];
    }
    expect(job?.state).toMatch(/done|failed/);
    await page.waitForSelector(`[data-testid="export-result"][data-state="${job!.state}"]`);
    return job!;
  }

  /** Coordinates compared as numbers (the export writes the shortest text of each float64), pixels as text. */
  function sameRows(got: string[][], want: string[][]): void {
    expect(got.length).toBe(want.length);
    got.forEach((row, i) => {
      expect(row.slice(0, 30).map((c) => (c === '' ? null : Number(c))), `row ${i + 1}`).toEqual(want[i].slice(0, 30).map((c) => (c === '' ? null : Number(c))));
      const px = (t: string) => t.trim().split(/\s+/).map(Number);
      expect(px(row[30]).join(' ') === px(want[i][30]).join(' '), `row ${i + 1} pixels`).toBe(true);
    });
  }

  beforeAll(async () => {
    data = requireDataDir();
    const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    s = await startStudio({ open: false });
    const csv = join(s.tmp, 'tiny.csv');
    writeFileSync(csv, lines.slice(0, ROWS + 1).join('\n') + '\n');
    sourceRows = lines.slice(1, ROWS + 1).map((l) => l.split(','));
    await s.api.call('project.create', { path: join(s.tmp, 'k.kps'), schema: 'kaggle-15' });
    expect((await s.api.call('job.wait', await s.api.call('import.start', { path: csv, format: 'kaggle-csv' }))).state).toBe('done');
    // A tiny run, for its stored split (random: 1 test, 1 val of 8).
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 8, epochs: 1, split: 'random:0.25:0.125' }, name: 'split-for-export', backend: 'wasm' });
    const end = await s.api.call('job.wait', { jobId: started.jobId });
    expect(end.state, end.error?.message).toBe('done');
    runId = started.runId;
    await s.page.goto(s.serve.url);
    await s.page.waitForSelector('[data-testid="import-open"]:not([disabled])');
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  it('warns when photos that are not 96x96 are imported into a Kaggle project, in the view and in the result', async () => {
    const { page, api } = s;
    const folder = join(s.tmp, 'photos');
    mkdirSync(folder);
    for (const n of ['01-1m', '02-1m']) {
      copyFileSync(join(data, 'imm-face-db', `${n}.jpg`), join(folder, `${n}.jpg`));
      const pts = readFileSync(join(data, 'imm-face-db', `${n}.pts`), 'utf8').split('\n').filter((l) => /^\s*[\d.]+\s+[\d.]+\s*$/.test(l));
      writeFileSync(join(folder, `${n}.pts`), `version: 1\nn_points: 15\n{\n${PICK.map((i) => pts[i].trim()).join('\n')}\n}\n`);
    }
    await page.click('[data-testid="import-open"]');
    await page.selectOption('[data-testid="import-format"]', 'pts');
    await page.fill('[data-testid="import-path"]', folder);
    await page.click('[data-testid="import-run"]');
    await page.waitForSelector('[data-testid="import-result"][data-state="done"]', { timeout: 120_000 });
    const job = (await api.call('job.list', {})).filter((j) => j.kind === 'import').pop()!;
    const result = job.result as ImportResult;
    expect(result.count).toBe(2);
    photoIds = [result.firstId, result.lastId];
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings![0]).toMatch(new RegExp(`^2 of the 2 samples added are not 96x96 \\(the first, sample ${result.firstId}, .*01-1m\\.pts, is 640x480\\): a Kaggle CSV export holds 96x96 grey images only`));
    const shown = (await page.textContent('[data-testid="import-warning"]'))!;
    expect(shown).toContain(result.warnings![0]);
    expect(await page.locator('[data-testid="notice-warning"]').count()).toBeGreaterThan(0);
    // Stored as they are: 640 x 480, 15 points.
    const stored = await api.call('sample.get', { id: photoIds[0] });
    expect([stored.width, stored.height]).toEqual([640, 480]);
  }, 120_000);

  it('by default the export fails and names the sample; nothing is written', async () => {
    const out = join(s.tmp, 'fail.csv');
    const job = await exportVia(out);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(new RegExp(`^sample ${photoIds[0]} \\(.*01-1m\\.pts, record 1\\) is 640x480; the Kaggle CSV layout holds 96x96 grey images only`));
    expect((await s.page.textContent('[data-testid="export-result"]'))!).toContain(`sample ${photoIds[0]} (`);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('skip leaves them out and says how many; the rest is exactly the stored samples', async () => {
    const out = join(s.tmp, 'skip.csv');
    const job = await exportVia(out, { otherSizes: 'skip' });
    expect(job.state, job.error?.message).toBe('done');
    const r = job.result as ExportResult;
    expect(r).toMatchObject({ written: ROWS, selected: ROWS + 2, skipped: { count: 2, ids: photoIds } });
    expect((await s.page.textContent('[data-testid="export-result"]'))!).toContain(`skipped 2 not 96x96 (#${photoIds[0]}, #${photoIds[1]})`);
    const rows = csvRows(out);
    expect(rows).toHaveLength(ROWS);
    // Unedited samples come back as the source file's rows, pixels included.
    sameRows(rows, sourceRows);
  }, 120_000);

  it('crop writes them cropped around their keypoints and resized to 96x96 grey, keypoints moved with the pixels', async () => {
    const out = join(s.tmp, 'crop.csv');
    const job = await exportVia(out, { otherSizes: 'crop' });
    expect(job.state, job.error?.message).toBe('done');
    expect(job.result).toMatchObject({ written: ROWS + 2, cropped: 2 });
    expect((await s.page.textContent('[data-testid="export-result"]'))!).toContain('cropped 2 to 96x96 grey');
    const rows = csvRows(out);
    sameRows(rows.slice(0, ROWS), sourceRows);
    for (const [i, id] of photoIds.entries()) {
      const row = rows[ROWS + i];
      const stored = await s.api.call('sample.get', { id });
      const xs = stored.keypoints.map((k) => k.x);
      const ys = stored.keypoints.map((k) => k.y);
      // Independent of the exporter's code: the keypoints' box, its longer side grown by 25% each side, mapped onto 96 px.
      const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * 1.5;
      const left = (Math.max(...xs) + Math.min(...xs)) / 2 - side / 2;
      const top = (Math.max(...ys) + Math.min(...ys)) / 2 - side / 2;
      const got = row.slice(0, 30).map(Number);
      stored.keypoints.forEach((k, j) => {
        // The square's edge maps to the 96 px frame's edge (-0.5): x' = (x - left) * 96 / side - 0.5.
        expect(got[2 * j]).toBeCloseTo((k.x - left) * (96 / side) - 0.5, 6);
        expect(got[2 * j + 1]).toBeCloseTo((k.y - top) * (96 / side) - 0.5, 6);
      });
      const pixels = row[30].split(' ').map(Number);
      expect(pixels).toHaveLength(96 * 96);
      // The same square cut and resized by sharp on its own: the pixels agree to a few grey levels.
      const L = Math.round(left + 0.5);
      const T = Math.round(top + 0.5);
      const S = Math.round(side);
      expect(L >= 0 && T >= 0 && L + S <= 640 && T + S <= 480).toBe(true);
      const ref = await sharp(join(s.tmp, 'photos', `${['01-1m', '02-1m'][i]}.jpg`)).greyscale().extract({ left: L, top: T, width: S, height: S }).resize(96, 96).raw().toBuffer();
      let diff = 0;
      for (let p = 0; p < ref.length; p++) diff += Math.abs(ref[p] - pixels[p]);
      expect(diff / ref.length).toBeLessThan(8);
    }
  }, 120_000);

  it('exports the gallery selection, a stored split, a run split, reviewed only and a tag', async () => {
    const { page, api } = s;
    const ids = (await api.call('samples.ids', {})).ids;
    // Selection: three samples picked in the gallery.
    const picks = [ids[1], ids[3], ids[5]];
    await page.click('[data-testid="nav-gallery"]');
    await page.click(`[data-testid="gallery-item"][data-sample-id="${picks[0]}"]`);
    for (const id of picks.slice(1)) await page.click(`[data-testid="gallery-item"][data-sample-id="${id}"]`, { modifiers: ['Control'] });
    await page.click('[data-testid="import-open"]');
    expect((await page.textContent('[data-testid="export-subset"]'))!).toContain('(3 selected)');

    async function exportRows(name: string, tick: string): Promise<{ rows: string[][]; result: ExportResult }> {
      await page.check(`[data-testid="${tick}"]`);
      const job = await exportVia(join(s.tmp, name), { otherSizes: 'crop' });
      await page.uncheck(`[data-testid="${tick}"]`);
      expect(job.state, job.error?.message).toBe('done');
      return { rows: csvRows(join(s.tmp, name)), result: job.result as ExportResult };
    }
    async function expectRows(rows: string[][], want: number[]): Promise<void> {
      expect(rows).toHaveLength(want.length);
      for (const [i, id] of want.entries()) expect(rows[i].slice(0, 30)).toEqual(cells((await api.call('sample.get', { id })).keypoints));
    }

    const sel = await exportRows('selection.csv', 'export-only-selection');
    expect(sel.result).toMatchObject({ written: 3, selected: 3, subset: '3 selected ids' });
    await expectRows(sel.rows, picks);
    // Exporting the selection again to the same file asks first; Replace resends the same subset.
    await page.check('[data-testid="export-only-selection"]');
    await page.click('[data-testid="export-run"]');
    await page.waitForSelector('[data-testid="export-overwrite-confirm"]');
    await page.uncheck('[data-testid="export-only-selection"]');
    const before = (await exportJobs()).length;
    await page.click('[data-testid="export-overwrite-yes"]');
    await expect.poll(async () => (await exportJobs())[before]?.state, { timeout: 60_000 }).toBe('done');
    expect((await exportJobs())[before].result).toMatchObject({ written: 3, subset: '3 selected ids' });
    await expectRows(csvRows(join(s.tmp, 'selection.csv')), picks);

    await api.call('samples.setSplit', { ids: [ids[0], ids[2]], split: 'test' });
    await page.check('[data-testid="export-only-split"]');
    await page.selectOption('[data-testid="export-split"]', 'test');
    const split = await exportRows('split.csv', 'export-only-split');
    await expectRows(split.rows, [ids[0], ids[2]]);

    const runSide = (await api.call('runs.split', { id: runId })).samples.filter((e) => e.split === 'train').map((e) => e.sampleId);
    expect(runSide.length).toBeGreaterThan(0);
    await page.check('[data-testid="export-only-run-split"]');
    await page.selectOption('[data-testid="export-run-id"]', runId);
    await page.selectOption('[data-testid="export-run-side"]', 'train');
    const run = await exportRows('run-split.csv', 'export-only-run-split');
    await expectRows(run.rows, runSide);

    // Mark reviewed in the editor (Shift+R tags it "reviewed"), then export reviewed only.
    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/editor/${id}`;
    }, ids[4]);
    await page.waitForSelector('[data-testid="tag-reviewed"]');
    await page.click('[data-testid="tag-reviewed"]');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(q: string): { getAttribute(a: string): string | null } | null } }).document.querySelector('[data-testid="tag-reviewed"]')?.getAttribute('aria-pressed') === 'true');
    expect((await api.call('sample.get', { id: ids[4] })).tags).toContain('reviewed');
    await page.click('[data-testid="import-open"]');
    const reviewed = await exportRows('reviewed.csv', 'export-only-reviewed');
    await expectRows(reviewed.rows, [ids[4]]);

    await api.call('samples.tag', { ids: [ids[6], ids[7]], add: ['batch-a'] });
    await page.check('[data-testid="export-only-tag"]');
    await page.fill('[data-testid="export-tag"]', 'batch-a');
    const tag = await exportRows('tag.csv', 'export-only-tag');
    await expectRows(tag.rows, [ids[6], ids[7]]);
    expect(tag.result.subset).toBe('tag "batch-a"');

    // Criteria combine: the stored test split and the tag share no sample, so the export is refused and writes nothing.
    await page.check('[data-testid="export-only-split"]');
    await page.check('[data-testid="export-only-tag"]');
    await page.fill('[data-testid="export-path"]', join(s.tmp, 'none.csv'));
    await page.click('[data-testid="export-run"]');
    await page.waitForSelector('[data-testid="notice-error"]:has-text("matches no sample")');
    expect(existsSync(join(s.tmp, 'none.csv'))).toBe(false);
  }, 180_000);

  it('adding a photo from the Photos view warns at once, and its stored size is what the warning names', async () => {
    const { page, api } = s;
    await page.click('[data-testid="nav-photo"]');
    await page.waitForSelector(`[data-testid="photo-run"] option[value="${runId}"]`, { state: 'attached' });
    await page.selectOption('[data-testid="photo-run"]', runId);
    const photo = join(data, 'imm-face-db', '03-1m.jpg');
    await page.fill('[data-testid="photo-path"]', photo);
    await page.click('[data-testid="photo-open"]');
    await page.waitForSelector('[data-testid="photo-result"]', { timeout: 120_000 });
    await page.click('[data-testid="photo-add"]');
    await page.waitForSelector('[data-testid="photo-add-warning"]');
    const id = Number(await page.getAttribute('[data-testid="photo-added"]', 'data-sample-id'));
    const stored = await api.call('sample.get', { id });
    expect([stored.width, stored.height]).toEqual([640, 480]);
    expect((await page.textContent('[data-testid="photo-add-warning"]'))!).toContain(`sample ${id} (${photo}) is 640x480: a Kaggle CSV export holds 96x96 grey images only`);
    // A warning notice (not an error: the sample was added).
    expect((await page.textContent('[data-testid="notice-warning"]'))!).toContain('a Kaggle CSV export holds 96x96 grey images only');
    const errors = await page.locator('[data-testid="notice-error"]').allTextContents();
    expect(errors.filter((t) => t.includes('96x96 grey images only'))).toEqual([]);
  }, 180_000);
});
