// End to end (issue 11 item 13, the Compare part): Compare draws faces pixel-crisp like the editor (a hard edge stays
// hard when upscaled; with the editor's "smooth" preference it is blended, which shows the check measures the drawing),
// and draws each label and prediction in its keypoint's schema colour, labels and predictions in different shapes,
// at the stored coordinates, with a colour legend.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

const EDGE_X = 48;

/** The page's getComputedStyle, reached through globalThis (the tests are typed without the DOM library). */
type Styled = { getComputedStyle(el: unknown): { imageRendering: string; fill: string } };

describe('Compare view drawing', () => {
  let s: Studio;
  let runId: string;
  let edgeId: number;

  beforeAll(async () => {
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const complete = lines.slice(1).filter((l) => !l.split(',').slice(0, 30).includes(''));
    // The first face gets a synthetic image: black left of column 48, white from it on (a hard vertical edge).
    const edge = Array.from({ length: 96 * 96 }, (_, i) => (i % 96 < EDGE_X ? 0 : 255)).join(' ');
    const first = complete[0].split(',').slice(0, 30).join(',') + ',' + edge;
    s = await startStudio({ open: false, viewport: { width: 1400, height: 900 } });
    const csv = join(s.tmp, 'tiny.csv');
    writeFileSync(csv, [lines[0], first, ...complete.slice(1, 12)].join('\n') + '\n');
    await s.api.call('project.create', { path: join(s.tmp, 'c.kps'), schema: 'kaggle-15' });
    expect((await s.api.call('job.wait', await s.api.call('import.start', { path: csv, format: 'kaggle-csv' }))).state).toBe('done');
    edgeId = (await s.api.call('samples.ids', {})).ids[0];
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 8, epochs: 1 }, name: 'compare-e2e', backend: 'wasm' });
    expect((await s.api.call('job.wait', { jobId: started.jobId })).state).toBe('done');
    runId = started.runId;
    // Predictions for every sample (training stores them for its validation and test sides only).
    const ev = await s.api.call('job.wait', await s.api.call('runs.evaluate', { id: runId }));
    expect(ev.state, ev.error?.message).toBe('done');
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  async function openCompare(): Promise<void> {
    const { page } = s;
    await page.goto(`${s.serve.url}#/compare/${encodeURIComponent(runId)}`);
    await page.reload();
    await page.waitForSelector(`[data-testid="compare-item"][data-sample-id="${edgeId}"]`, { timeout: 60_000 });
    await page.click(`[data-testid="compare-item"][data-sample-id="${edgeId}"]`);
    await page.waitForSelector('[data-testid="compare-current"]');
  }

  /**
   * The image row farthest from keypoint 0's label and prediction (the only marks shown), so that it holds image
   * pixels only: a 1-epoch model's prediction can land anywhere, row 90 included.
   */
  async function clearRow(): Promise<number> {
    const sample = await s.api.call('sample.get', { id: edgeId });
    const [pred] = await s.api.call('predictions.get', { runId, sampleIds: [edgeId] });
    const ys = [sample.keypoints[0].y, pred?.coords[1]].filter((v): v is number => Number.isFinite(v));
    const away = (r: number) => Math.min(...ys.map((y) => Math.abs(y - r)));
    return [90, 80, 70, 60, 50, 40, 30, 20, 10, 5].reduce((best, r) => (away(r) > away(best) ? r : best), 90);
  }

  /** Grey levels of one image row across the big face, from a screenshot. */
  async function edgeRow(imageRow: number): Promise<number[]> {
    const { page } = s;
    const box = (await page.locator('[data-testid="compare-current"]').boundingBox())!;
    const scale = box.width / 96;
    const y = Math.floor(box.y + (imageRow + 0.5) * scale);
    // Wait until the image is drawn (the right half white).
    let row: number[] = [];
    for (let i = 0; i < 50; i++) {
      const png = await page.screenshot({ clip: { x: Math.floor(box.x), y, width: Math.floor(box.width), height: 1 } });
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      row = Array.from({ length: info.width }, (_, x) => data[x * info.channels]);
      if (row[row.length - 5] > 200) break;
      await page.waitForTimeout(100);
    }
    return row;
  }

  const blended = (row: number[]) => row.filter((v) => v > 8 && v < 247).length;

  it('draws an upscaled face pixel-crisp: a hard edge stays hard (and blends only with the smooth preference)', async () => {
    const { page } = s;
    await openCompare();
    // One keypoint shown: a row away from its two marks holds only image pixels.
    await page.selectOption('[data-testid="compare-keypoint"]', '0');
    expect(await page.getAttribute('[data-testid="compare-current"]', 'data-smoothing')).toBe('false');
    expect(await page.$eval('[data-testid="compare-current"] image', (el) => (globalThis as unknown as Styled).getComputedStyle(el).imageRendering)).toBe('pixelated');
    const row = await clearRow();
    const crisp = await edgeRow(row);
    expect(crisp[2], JSON.stringify({ row, crisp })).toBeLessThan(20);
    expect(crisp[crisp.length - 3]).toBeGreaterThan(235);
    expect(blended(crisp), JSON.stringify(crisp)).toBeLessThanOrEqual(1);

    // The editor's smoothing toggle (stored preference) turns blending on here too.
    await page.goto(`${s.serve.url}#/editor/${edgeId}`);
    await page.waitForSelector('[data-testid="editor-stage"][data-ready="true"]');
    await page.click('[data-testid="smoothing-toggle"]');
    await page.waitForSelector('[data-testid="editor-stage"][data-smoothing="true"]');
    await openCompare();
    await page.selectOption('[data-testid="compare-keypoint"]', '0');
    expect(await page.getAttribute('[data-testid="compare-current"]', 'data-smoothing')).toBe('true');
    const smooth = await edgeRow(row);
    expect(blended(smooth), JSON.stringify(smooth)).toBeGreaterThanOrEqual(3);

    await page.goto(`${s.serve.url}#/editor/${edgeId}`);
    await page.waitForSelector('[data-testid="editor-stage"][data-ready="true"]');
    await page.click('[data-testid="smoothing-toggle"]');
    await page.waitForSelector('[data-testid="editor-stage"][data-smoothing="false"]');
  }, 120_000);

  it('colours each label and prediction by its keypoint, in two shapes, at the stored coordinates, with a legend', async () => {
    const { page, api } = s;
    await openCompare();
    const schema = (await api.call('project.info', {}))!.schema;
    const sample = await api.call('sample.get', { id: edgeId });
    const [pred] = await api.call('predictions.get', { runId, sampleIds: [edgeId] });
    const marks = await page.$$eval('[data-testid="compare-current"] [data-kind]', (els) =>
      els.map((e) => ({
        kind: e.getAttribute('data-kind'),
        tag: e.tagName.toLowerCase(),
        index: Number(e.getAttribute('data-index')),
        fill: e.getAttribute('fill'),
        stroke: e.getAttribute('stroke'),
        cx: Number(e.getAttribute('cx') ?? Number(e.getAttribute('x')) + Number(e.getAttribute('width')) / 2),
        cy: Number(e.getAttribute('cy') ?? Number(e.getAttribute('y')) + Number(e.getAttribute('height')) / 2),
      })),
    );
    const truth = marks.filter((m) => m.kind === 'truth');
    const preds = marks.filter((m) => m.kind === 'pred');
    expect(truth).toHaveLength(15);
    expect(preds).toHaveLength(15);
    for (const m of truth) {
      expect(m.tag).toBe('circle');
      expect(m.fill).toBe(schema.keypoints[m.index].color);
      expect(m.cx).toBeCloseTo(sample.keypoints[m.index].x, 6);
      expect(m.cy).toBeCloseTo(sample.keypoints[m.index].y, 6);
    }
    for (const m of preds) {
      expect(m.tag).toBe('rect');
      expect(m.stroke).toBe(schema.keypoints[m.index].color);
      expect(m.cx).toBeCloseTo(pred.coords[2 * m.index], 6);
      expect(m.cy).toBeCloseTo(pred.coords[2 * m.index + 1], 6);
    }
    // Not one green: as many colours as the schema has (left and right sides, nose, mouth, ...).
    const colours = new Set(truth.map((m) => m.fill));
    expect(colours.size).toBe(new Set(schema.keypoints.map((k) => k.color)).size);
    expect(colours.size).toBeGreaterThanOrEqual(3);
    // Predictions are hollow, labels filled.
    const fills = await page.$$eval('[data-testid="compare-current"] [data-kind="pred"]', (els) => els.map((e) => (globalThis as unknown as Styled).getComputedStyle(e).fill));
    expect(new Set(fills)).toEqual(new Set(['none']));
    // The legend names every colour.
    const legend = await page.$$eval('[data-testid="compare-legend-colour"]', (els) => els.map((e) => ({ color: e.getAttribute('data-color'), text: e.textContent?.trim() })));
    expect(new Set(legend.map((l) => l.color))).toEqual(colours);
    const leftEye = legend.find((l) => l.color === schema.keypoints[0].color)!;
    expect(leftEye.text).toContain('left eye');
  }, 120_000);
});
