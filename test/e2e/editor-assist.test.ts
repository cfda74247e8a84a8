// End-to-end model-assisted labelling in Chromium: a tiny trained run's predictions as ghosts; accept one, accept all, fill a batch and undo it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelledKeypoint } from '../../src-main/core/types.js';
import { requireDataDir } from '../helpers/data.js';
import { eventually, startStudio, type Studio } from './harness.js';

interface PageGlobals {
  localStorage: { clear(): void };
  location: { hash: string };
}

const ROWS = 80;
let studio: Studio;
let page: Page;
let dir: string;
let runId: string;
/** The blank row (every keypoint missing) appended to the excerpt: training stores no prediction for it. */
let blankId: number;

const round2 = (v: number) => Math.round(v * 100) / 100;

async function stored(id: number): Promise<LabelledKeypoint[]> {
  return (await studio.api.call('sample.get', { id })).keypoints;
}

async function predicted(id: number): Promise<{ coords: number[]; source: string }> {
  const r = await studio.api.call('assist.predict', { runId, sampleIds: [id] });
  expect(r.items).toHaveLength(1);
  return r.items[0];
}

async function toPage(x: number, y: number): Promise<{ x: number; y: number }> {
  const t = await page.$eval('[data-testid="editor-stage"]', (el) => {
    const r = el.getBoundingClientRect();
    return { s: Number(el.getAttribute('data-scale')), ox: Number(el.getAttribute('data-offset-x')), oy: Number(el.getAttribute('data-offset-y')), left: r.left, top: r.top };
  });
  return { x: t.left + t.ox + t.s * (x + 0.5), y: t.top + t.oy + t.s * (y + 0.5) };
}

async function openEditor(id: number): Promise<void> {
  await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), `#/editor/${id}`);
  await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${id}"][data-ready="true"]`, { timeout: 20_000 });
}

async function waitSaved(): Promise<void> {
  await page.waitForSelector('[data-testid="save-status"][data-status="saved"][data-pending="0"]', { timeout: 20_000 });
}


const missingOf = (kps: LabelledKeypoint[]) => kps.flatMap((k, i) => (k.state === 'missing' ? [i] : []));

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-e2e-assist-'));
  // A short excerpt of kaggle-proxy (temporary folder only) plus one row with every keypoint blank, for inference on demand.
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  const header = lines[0].split(',');
  const cells = lines[1].split(',');
  const blank = header.map((h, i) => (h.trim() === 'Image' ? cells[i].trim() : '')).join(',');
  writeFileSync(join(dir, 'excerpt.csv'), [...lines.slice(0, ROWS + 1), blank].join('\n') + '\n');
  studio = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: join(dir, 'excerpt.csv'), format: 'kaggle-csv' }] }, viewport: { width: 1400, height: 850 } });
  page = studio.page;
  blankId = ROWS + 1;
  expect((await studio.api.call('sample.get', { id: blankId })).missingCount).toBe(15);
  // The smallest model, one epoch: the test is about the editor flow, not accuracy.
  const started = await studio.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 1 }, name: 'assist-e2e', backend: 'wasm' });
  const end = await studio.api.call('job.wait', { jobId: started.jobId, timeoutMs: 170_000 });
  expect(end.state, end.error?.message).toBe('done');
  runId = started.runId;
  await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.clear());
  await page.reload();
  await page.waitForSelector('[data-testid="gallery"]', { timeout: 60_000 });
});

afterAll(async () => {
  await studio?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('model-assisted labelling in the editor', () => {
  it('accepts one prediction (click, and Enter on a selected keypoint) and then all of the sample (A), with model provenance', async () => {
    // Not the first sample: pressing A at the end must have a previous sample to go to.
    const ids = (await studio.api.call('samples.ids', { minMissing: 3 })).ids.filter((id) => id !== blankId && id !== 1);
    const id = ids[0];
    const before = await stored(id);
    const pred = await predicted(id);
    expect(pred.source).toBe('stored');
    const missing = missingOf(before).filter((i) => {
      const x = pred.coords[2 * i];
      const y = pred.coords[2 * i + 1];
      return Number.isFinite(x) && x >= -0.5 && x <= 95.5 && Number.isFinite(y) && y >= -0.5 && y <= 95.5;
    });
    expect(missing.length).toBeGreaterThanOrEqual(3);

    await openEditor(id);
    await page.selectOption('[data-testid="assist-run"]', runId);
    await page.waitForSelector(`[data-testid="assist-status"][data-state="ready"][data-ghosts="${missing.length}"]`, { timeout: 60_000 });

    // Click the ghost farthest from every labelled keypoint, so the click cannot land on a keypoint marker.
    const labelled = before.flatMap((k) => (k.state === 'missing' ? [] : [k]));
    const far = (i: number) => Math.min(...labelled.map((k) => Math.hypot(k.x - pred.coords[2 * i], k.y - pred.coords[2 * i + 1])));
    const first = [...missing].sort((a, b) => far(b) - far(a))[0];
    const at = await toPage(pred.coords[2 * first], pred.coords[2 * first + 1]);
    await page.mouse.click(at.x, at.y);
    await waitSaved();
    await eventually(async () => {
      const k = (await stored(id))[first];
      expect(k.state).toBe('labelled');
      expect(k.x).toBeCloseTo(round2(pred.coords[2 * first]), 6);
      expect(k.y).toBeCloseTo(round2(pred.coords[2 * first + 1]), 6);
      expect(k.provenance).toBe(`model:${runId}`);
    });
    await page.waitForSelector(`[data-testid="assist-status"][data-ghosts="${missing.length - 1}"]`);

    // Select another missing keypoint in the list and press Enter (the accept-prediction button does the same).
    const second = missing.find((i) => i !== first)!;
    await page.click(`[data-testid="kp-row-${second}"] td.name`);
    await page.waitForSelector(`[data-testid="editor-stage"][data-selected="${second}"]`);
    expect(await page.isEnabled('[data-testid="accept-prediction"]')).toBe(true);
    await page.keyboard.press('Enter');
    await waitSaved();
    await eventually(async () => {
      const k = (await stored(id))[second];
      expect(k.state).toBe('labelled');
      expect(k.x).toBeCloseTo(round2(pred.coords[2 * second]), 6);
      expect(k.provenance).toBe(`model:${runId}`);
    });

    // While ghosts are shown, A still only goes to the previous sample and accepts nothing (issue 11: one key, one
    // meaning; it used to accept all here, and go back only on the next press).
    const beforeA = await stored(id);
    const prevBefore = await stored(id - 1);
    await page.keyboard.press('a');
    await page.waitForSelector(`[data-testid="editor-stage"][data-ready="true"][data-sample-id="${id - 1}"]`);
    await page.waitForTimeout(300);
    expect(await stored(id)).toEqual(beforeA);
    expect(await stored(id - 1)).toEqual(prevBefore);
    await page.keyboard.press('d');
    await page.waitForSelector(`[data-testid="editor-stage"][data-ready="true"][data-sample-id="${id}"]`);
    await page.waitForSelector(`[data-testid="assist-status"][data-state="ready"][data-ghosts="${missing.length - 2}"]`);

    // Shift+A accepts every remaining ghost of the sample, and stays on it.
    await page.keyboard.press('Shift+A');
    await waitSaved();
    expect(await page.getAttribute('[data-testid="editor-stage"]', 'data-sample-id')).toBe(String(id));
    await eventually(async () => {
      const now = await stored(id);
      for (const i of missing) {
        expect(now[i].state, `keypoint ${i}`).toBe('labelled');
        expect(now[i].x).toBeCloseTo(round2(pred.coords[2 * i]), 6);
        expect(now[i].y).toBeCloseTo(round2(pred.coords[2 * i + 1]), 6);
        expect(now[i].provenance).toBe(`model:${runId}`);
      }
      // Labels that were there stay as they were.
      before.forEach((k, i) => {
        if (k.state !== 'missing') expect(now[i]).toEqual(k);
      });
    });
    // The journal records the model as the actor, and the history panel shows it as model.
    const history = await studio.api.call('sample.history', { id });
    expect(history.filter((e) => e.kind === 'keypoint' && e.actor === `model:${runId}`).map((e) => e.index).sort()).toEqual([...missing].sort());
    await page.click('[data-testid="history-toggle"]');
    await page.waitForSelector('[data-testid="history-row"][data-kind="model"]');

    // With no ghost left, A goes back to the previous sample (issue 3's binding), as it does with ghosts.
    await page.waitForSelector('[data-testid="assist-status"][data-ghosts="0"]');
    const done = await stored(id);
    await page.keyboard.press('a');
    await page.waitForSelector(`[data-testid="editor-stage"][data-ready="true"]:not([data-sample-id="${id}"])`);
    expect(await page.getAttribute('[data-testid="editor-stage"]', 'data-sample-id')).toBe(String(id - 1));
    expect(await stored(id)).toEqual(done);
  });

  it('infers a prediction for a sample the run stored none for, and shows its ghosts', async () => {
    expect((await studio.api.call('predictions.get', { runId, sampleIds: [blankId] })).filter((p) => p.coords.some(Number.isFinite))).toEqual([]);
    const pred = await predicted(blankId);
    expect(pred.source).toBe('computed');
    expect(pred.coords.filter(Number.isFinite)).toHaveLength(30);
    await openEditor(blankId);
    // The run is remembered from the first test.
    expect(await page.$eval('[data-testid="assist-run"]', (el) => (el as unknown as { value: string }).value)).toBe(runId);
    await page.waitForSelector('[data-testid="assist-status"][data-state="ready"]', { timeout: 60_000 });
    let inside = 0;
    for (let i = 0; i < 15; i++) if ([pred.coords[2 * i], pred.coords[2 * i + 1]].every((v) => v >= -0.5 && v <= 95.5)) inside++;
    expect(inside).toBeGreaterThan(0);
    expect(await page.getAttribute('[data-testid="assist-status"]', 'data-ghosts')).toBe(String(inside));
    await expect(studio.api.call('assist.predict', { runId: 'no-such-run', sampleIds: [blankId] })).rejects.toThrow(/no-such-run/);
    await expect(studio.api.call('assist.fillBatch', { runId, sampleIds: [] })).rejects.toThrow(/sampleIds/);
  });

  it('fills the missing keypoints of the list as one batch tagged for review, and one undo reverts it', async () => {
    const all = (await studio.api.call('samples.ids', {})).ids;
    const beforeAll = new Map<number, LabelledKeypoint[]>();
    for (const id of all) beforeAll.set(id, await stored(id));
    const withMissing = all.filter((id) => missingOf(beforeAll.get(id)!).length > 0);
    expect(withMissing.length).toBeGreaterThan(10);
    const preds = new Map((await studio.api.call('assist.predict', { runId, sampleIds: withMissing })).items.map((p) => [p.sampleId, p.coords]));

    await openEditor(withMissing[1]);
    await page.click('[data-testid="fill-batch"]');
    await page.waitForSelector('[data-testid="fill-batch-dialog"]');
    await page.check('[data-testid="fill-scope-list"]');
    expect(await page.isChecked('[data-testid="fill-batch-tag"]')).toBe(true);
    await page.click('[data-testid="fill-batch-confirm"]');
    await page.waitForSelector('[data-testid="fill-batch-dialog"]', { state: 'detached', timeout: 60_000 });

    let filledSamples = 0;
    await eventually(async () => {
      filledSamples = 0;
      for (const id of withMissing) {
        const d = await studio.api.call('sample.get', { id });
        const coords = preds.get(id)!;
        let filled = 0;
        for (const i of missingOf(beforeAll.get(id)!)) {
          const x = coords[2 * i];
          const y = coords[2 * i + 1];
          if (!(x >= -0.5 && x <= 95.5 && y >= -0.5 && y <= 95.5)) continue;
          expect(d.keypoints[i].state).toBe('labelled');
          expect(d.keypoints[i].x).toBeCloseTo(round2(x), 6);
          expect(d.keypoints[i].y).toBeCloseTo(round2(y), 6);
          expect(d.keypoints[i].provenance).toBe(`model:${runId}`);
          filled++;
        }
        if (filled > 0) {
          filledSamples++;
          expect(d.tags).toContain('needs review');
        }
      }
      expect(filledSamples).toBeGreaterThan(10);
    }, 30_000);
    // Reviewable: the filled samples are in the "needs review" list.
    expect((await studio.api.call('samples.ids', { tag: 'needs review' })).ids.length).toBe(filledSamples);
    expect((await studio.api.call('changes.summary', {})).byProvenance[`model:${runId}`]?.filled).toBeGreaterThan(filledSamples);

    // One undo (the editor's button) reverts the whole batch: labels and tags.
    await page.click('[data-testid="undo"]');
    await eventually(async () => {
      for (const id of withMissing) {
        const d = await studio.api.call('sample.get', { id });
        const was = beforeAll.get(id)!;
        d.keypoints.forEach((k, i) => {
          expect(k.state, `sample ${id} keypoint ${i}`).toBe(was[i].state);
          expect(k.provenance).toBe(was[i].provenance);
        });
        expect(d.tags).not.toContain('needs review');
      }
    }, 30_000);
    expect((await studio.api.call('samples.ids', { tag: 'needs review' })).ids).toEqual([]);
    expect(studio.pageErrors).toEqual([]);
  });

  it('fills only the gallery\'s selection when one is made, and undoes it as one', async () => {
    const candidates = (await studio.api.call('samples.ids', { minMissing: 5 })).ids.filter((id) => id !== blankId).slice(0, 3);
    expect(candidates).toHaveLength(3);
    const picks = [candidates[0], candidates[2]];
    const before = new Map<number, LabelledKeypoint[]>();
    for (const id of candidates) before.set(id, await stored(id));

    await page.click('[data-testid="nav-gallery"]');
    await page.waitForSelector('[data-testid="gallery-item"]');
    for (const [n, id] of picks.entries()) {
      const item = page.locator(`[data-testid="gallery-item"][data-sample-id="${id}"]`);
      await item.scrollIntoViewIfNeeded();
      await item.click(n === 0 ? {} : { modifiers: ['Control'] });
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${picks[1]}"][data-ready="true"]`, { timeout: 20_000 });
    await page.click('[data-testid="fill-batch"]');
    await page.waitForSelector('[data-testid="fill-batch-dialog"]');
    // With a selection, the dialog offers it first.
    expect(await page.isChecked('[data-testid="fill-scope-selection"]')).toBe(true);
    expect(await page.textContent('[data-testid="fill-batch-dialog"]')).toContain('selection (2 samples)');
    await page.click('[data-testid="fill-batch-confirm"]');
    await page.waitForSelector('[data-testid="fill-batch-dialog"]', { state: 'detached', timeout: 60_000 });
    await eventually(async () => {
      for (const id of picks) expect((await studio.api.call('sample.get', { id })).tags).toContain('needs review');
    });
    for (const id of picks) {
      const now = await stored(id);
      expect(now.filter((k, i) => before.get(id)![i].state === 'missing' && k.state === 'labelled' && k.provenance === `model:${runId}`).length).toBeGreaterThan(0);
    }
    // The sample between them was not selected: untouched.
    expect(await stored(candidates[1])).toEqual(before.get(candidates[1]));
    expect((await studio.api.call('sample.get', { id: candidates[1] })).tags).not.toContain('needs review');

    await page.keyboard.press('Control+z');
    await eventually(async () => {
      for (const id of picks) {
        expect(await stored(id)).toEqual(before.get(id));
        expect((await studio.api.call('sample.get', { id })).tags).not.toContain('needs review');
      }
    });
  });
});
