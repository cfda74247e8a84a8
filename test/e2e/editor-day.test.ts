// End-to-end tests of issue 11 ("an annotator's day without traps") in Chromium against web mode, asserted through the API:
// switching projects without a reload, one meaning per key, typed coordinates outside the image, the header count,
// and a run of arrow-key nudges as one undo step.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelledKeypoint } from '../../src-main/core/types.js';
import { repoRoot } from '../helpers/data.js';
import { startStudio, waitForGallery, type Studio } from './harness.js';

/** What tests read in the page, typed here because the Node-side program has no DOM types. */
interface PageGlobals {
  localStorage: { clear(): void };
  location: { hash: string };
}

let studio: Studio;
let page: Page;
const paths = { kaggle: '', red: '', blue: '' };
/** Image sizes of the three synthetic projects; their sample ids are the same (1..N), their pixels are not. */
const SIZES = { kaggle: { width: 96, height: 96 }, red: { width: 200, height: 150 }, blue: { width: 120, height: 160 } };
const KAGGLE_GREY = 77;
const N = 6;

/** A Kaggle-layout CSV of N flat grey 96x96 faces with all 15 keypoints. */
function writeKaggleCsv(file: string): void {
  const names = (JSON.parse(readFileSync(join(repoRoot, 'assets/schemas/kaggle-15.json'), 'utf8')) as { keypoints: { name: string }[] }).keypoints.map((k) => k.name);
  const header = [...names.flatMap((n) => [`${n}_x`, `${n}_y`]), 'Image'].join(',');
  const rows: string[] = [];
  for (let r = 0; r < N; r++) {
    const coords = names.flatMap((_, i) => [20 + 4 * i + r, 30 + 2 * i]);
    rows.push([...coords.map(String), Array(96 * 96).fill(String(KAGGLE_GREY)).join(' ')].join(','));
  }
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
}

/** N solid-colour PNG faces with 68-point .pts files (1-based coordinates inside the image). */
async function writePtsFolder(dir: string, size: { width: number; height: number }, rgb: [number, number, number]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < N; f++) {
    await sharp({ create: { width: size.width, height: size.height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .png()
      .toFile(join(dir, `face${f + 1}.png`));
    const pts = Array.from({ length: 68 }, (_, i) => `${10 + (i % 10) * 8 + f} ${10 + Math.floor(i / 10) * 15}`);
    writeFileSync(join(dir, `face${f + 1}.pts`), `version: 1\nn_points: 68\n{\n${pts.join('\n')}\n}\n`);
  }
}

async function makeProject(path: string, schema: string, imp: { path: string; format: 'kaggle-csv' | 'pts' }): Promise<void> {
  await studio.api.call('project.create', { path, schema });
  const { jobId } = await studio.api.call('import.start', imp);
  const end = await studio.api.call('job.wait', { jobId });
  if (end.state !== 'done') throw new Error(`import of ${imp.path} ended ${end.state}: ${end.error?.message ?? end.message}`);
}

async function openProjectFromHome(path: string): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as PageGlobals).location.hash = '#/home'));
  await page.fill('[data-testid="project-open-path"]', path);
  await page.click('[data-testid="project-open"]');
  await expect.poll(async () => (await studio.api.call('project.info', {}))?.path, { timeout: 20_000 }).toBe(path);
  await waitForGallery(page, N);
}

async function openEditor(id: number): Promise<void> {
  await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), `#/editor/${id}`);
  await waitEditor(id);
}

async function waitEditor(id: number): Promise<void> {
  await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${id}"][data-ready="true"]`, { timeout: 20_000 });
}

async function stored(id: number): Promise<LabelledKeypoint[]> {
  return (await studio.api.call('sample.get', { id })).keypoints;
}

async function waitSaved(): Promise<void> {
  await page.waitForSelector('[data-testid="save-status"][data-status="saved"][data-pending="0"]', { timeout: 20_000 });
}

async function selectRow(i: number): Promise<void> {
  await page.click(`[data-testid="kp-row-${i}"] td.name`);
  await page.waitForSelector(`[data-testid="editor-stage"][data-selected="${i}"]`);
}

/** The colour the image layer shows at the centre of an image pixel (the stage's first canvas is the image layer). */
async function pixelAt(x: number, y: number): Promise<number[]> {
  return page.$eval(
    '[data-testid="editor-stage"]',
    (el, p) => {
      const scale = Number(el.getAttribute('data-scale'));
      const ox = Number(el.getAttribute('data-offset-x'));
      const oy = Number(el.getAttribute('data-offset-y'));
      const c = el.querySelector('canvas') as unknown as { width: number; getBoundingClientRect(): { width: number }; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const ratio = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d').getImageData(Math.round((ox + scale * (p.x + 0.5)) * ratio), Math.round((oy + scale * (p.y + 0.5)) * ratio), 1, 1).data;
      return [d[0], d[1], d[2], d[3]];
    },
    { x, y },
  );
}

async function imageSizeShown(): Promise<{ width: number; height: number }> {
  const el = '[data-testid="editor-stage"]';
  return { width: Number(await page.getAttribute(el, 'data-image-width')), height: Number(await page.getAttribute(el, 'data-image-height')) };
}

/** Natural sizes of the thumbnails in the gallery's DOM (once they have loaded). */
async function thumbSizes(): Promise<string[]> {
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean; naturalWidth: number }> } }).document;
    const imgs = Array.from(doc.querySelectorAll('[data-testid="gallery-item"] img'));
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  return page.$$eval('[data-testid="gallery-item"] img', (imgs) => [...new Set(imgs.map((i) => `${(i as unknown as { naturalWidth: number }).naturalWidth}x${(i as unknown as { naturalHeight: number }).naturalHeight}`))]);
}

async function headerCount(): Promise<number> {
  const text = (await page.textContent('[data-testid="project-name"]')) ?? '';
  return Number(/·\s*(\d+)\s*·/.exec(text)?.[1] ?? NaN);
}

/** Pixels with ink on the keypoint layer (the stage's last canvas) in a box of CSS pixels to the right of an image point. */
async function inkRightOf(x: number, y: number): Promise<number> {
  return page.$eval(
    '[data-testid="editor-stage"]',
    (el, p) => {
      const scale = Number(el.getAttribute('data-scale'));
      const sx = Number(el.getAttribute('data-offset-x')) + scale * (p.x + 0.5);
      const sy = Number(el.getAttribute('data-offset-y')) + scale * (p.y + 0.5);
      type Canvas = { width: number; getBoundingClientRect(): { width: number }; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const all = el.querySelectorAll('canvas') as unknown as ArrayLike<Canvas>;
      const c = all[all.length - 1];
      const ratio = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d').getImageData(Math.round((sx + 12) * ratio), Math.round((sy - 24) * ratio), Math.round(160 * ratio), Math.round(40 * ratio)).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    },
    { x, y },
  );
}

beforeAll(async () => {
  studio = await startStudio({ open: false, viewport: { width: 1280, height: 800 } });
  page = studio.page;
  const data = join(studio.tmp, 'data');
  mkdirSync(data);
  writeKaggleCsv(join(data, 'training.csv'));
  await writePtsFolder(join(data, 'red'), SIZES.red, [220, 30, 30]);
  await writePtsFolder(join(data, 'blue'), SIZES.blue, [30, 30, 220]);
  paths.red = join(studio.tmp, 'red.kps');
  paths.blue = join(studio.tmp, 'blue.kps');
  paths.kaggle = join(studio.tmp, 'kaggle.kps');
  await makeProject(paths.red, 'ibug-68', { path: join(data, 'red'), format: 'pts' });
  await makeProject(paths.blue, 'ibug-68', { path: join(data, 'blue'), format: 'pts' });
  // The Kaggle project last: it is the one open when the page loads.
  await makeProject(paths.kaggle, 'kaggle-15', { path: join(data, 'training.csv'), format: 'kaggle-csv' });
  await page.goto(studio.serve.url);
  await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.clear());
  await page.reload();
  await waitForGallery(page, N);
});

afterAll(async () => {
  await studio?.close();
});

describe("issue 11: an annotator's day without traps", () => {
  it('switching projects without a reload shows the new project\'s image, thumbnails and fitted zoom', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[3];
    await openEditor(id);
    expect(await imageSizeShown()).toEqual(SIZES.kaggle);
    expect((await pixelAt(48, 48)).slice(0, 3)).toEqual([KAGGLE_GREY, KAGGLE_GREY, KAGGLE_GREY]);
    // Zoom in on the Kaggle face: remembered for this project only.
    for (let i = 0; i < 4; i++) await page.keyboard.press('+');
    const zoomed = Number(await page.getAttribute('[data-testid="editor-stage"]', 'data-scale'));

    await openProjectFromHome(paths.red);
    expect((await studio.api.call('samples.ids', {})).ids).toContain(id);
    expect(await thumbSizes()).toEqual(['200x150']);
    await openEditor(id);
    expect(await imageSizeShown()).toEqual(SIZES.red);
    expect((await pixelAt(100, 75)).slice(0, 3)).toEqual([220, 30, 30]);
    expect((await page.$$('[data-testid^="kp-row-"]')).length).toBe(68);
    // The new project opens fitted, not at the Kaggle face's zoom.
    const opened = Number(await page.getAttribute('[data-testid="editor-stage"]', 'data-scale'));
    await page.click('[data-testid="zoom-fit"]');
    expect(Number(await page.getAttribute('[data-testid="editor-stage"]', 'data-scale'))).toBeCloseTo(opened, 9);
    expect(opened).not.toBeCloseTo(zoomed, 3);

    // Another file-backed project with the same sample ids: its own thumbnails and image, not the red ones.
    await openProjectFromHome(paths.blue);
    expect(await thumbSizes()).toEqual(['120x160']);
    await openEditor(id);
    expect(await imageSizeShown()).toEqual(SIZES.blue);
    expect((await pixelAt(60, 80)).slice(0, 3)).toEqual([30, 30, 220]);

    // And back to the Kaggle project: its grey face and its own zoom again.
    await openProjectFromHome(paths.kaggle);
    await openEditor(id);
    expect(await imageSizeShown()).toEqual(SIZES.kaggle);
    expect((await pixelAt(48, 48)).slice(0, 3)).toEqual([KAGGLE_GREY, KAGGLE_GREY, KAGGLE_GREY]);
    expect(Number(await page.getAttribute('[data-testid="editor-stage"]', 'data-scale'))).toBeCloseTo(zoomed, 6);
    const kps = await stored(id);
    expect(Number(await page.getAttribute('[data-testid="kp-row-0"]', 'data-x'))).toBeCloseTo(kps[0].x, 6);
    expect(studio.pageErrors).toEqual([]);
  });

  it('A goes to the previous sample only; Shift+A (accept all) never navigates', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    await openEditor(ids[4]);
    await page.keyboard.press('a');
    await waitEditor(ids[3]);
    // Without a run's ghosts Shift+A has nothing to accept, and stays on the sample.
    const before = await stored(ids[3]);
    await page.keyboard.press('Shift+A');
    await page.waitForTimeout(300);
    expect(await page.getAttribute('[data-testid="editor-stage"]', 'data-sample-id')).toBe(String(ids[3]));
    expect(await stored(ids[3])).toEqual(before);
    // The help overlay lists A under "Previous sample" and Shift+A under accepting all.
    await page.click('[data-testid="help-open"]');
    // Each row as "keys = title".
    type Row = { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>; querySelector(s: string): { textContent: string | null } | null };
    const rows = await page.$$eval('[data-testid="help-overlay"] tr', (trs) =>
      trs.map((el) => {
        const tr = el as unknown as Row;
        const keys = Array.from(tr.querySelectorAll('kbd')).map((k) => (k.textContent ?? '').trim());
        return `${keys.join(' ')} = ${tr.querySelector('td')?.textContent ?? ''}`;
      }),
    );
    expect(rows).toContain('PageUp A = Previous sample');
    expect(rows).toContain('Shift+A = Accept all predictions of the sample');
    expect(rows.filter((r) => r.split(' = ')[0].split(' ').includes('A'))).toEqual(['PageUp A = Previous sample']);
    await page.keyboard.press('Escape');
  });

  it('a typed coordinate outside the image is refused with a message, not clamped', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[1];
    const kps = await stored(id);
    await openEditor(id);
    await page.fill('[data-testid="kp-x-0"]', '200');
    await page.press('[data-testid="kp-x-0"]', 'Enter');
    await page.waitForSelector('[data-testid="editor-flash"]');
    expect(await page.textContent('[data-testid="editor-flash"]')).toContain('200 is outside the image');
    expect(await page.inputValue('[data-testid="kp-x-0"]')).toBe(String(kps[0].x));
    expect(await page.getAttribute('[data-testid="kp-x-0"]', 'class')).toContain('invalid');
    await page.waitForTimeout(300);
    expect((await stored(id))[0]).toEqual(kps[0]);
    // A value inside the image is stored as typed.
    await page.fill('[data-testid="kp-y-0"]', '95.5');
    await page.press('[data-testid="kp-y-0"]', 'Enter');
    await expect.poll(async () => (await stored(id))[0].y, { timeout: 10_000 }).toBe(95.5);
    expect((await stored(id))[0].x).toBe(kps[0].x);
    await waitSaved();
  });

  it('the header sample count follows a delete and its undo', async () => {
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).location.hash = '#/gallery'));
    await waitForGallery(page, N);
    expect(await headerCount()).toBe(N);
    const ids = (await studio.api.call('samples.ids', {})).ids;
    await page.click(`[data-testid="gallery-item"][data-sample-id="${ids[5]}"]`);
    await page.click('[data-testid="bulk-delete"]');
    await page.click('[data-testid="confirm-delete-ok"]');
    await expect.poll(async () => (await studio.api.call('project.info', {}))!.sampleCount).toBe(N - 1);
    await expect.poll(headerCount, { timeout: 10_000 }).toBe(N - 1);
    await page.click('[data-testid="gallery-undo"]');
    await expect.poll(async () => (await studio.api.call('project.info', {}))!.sampleCount).toBe(N);
    await expect.poll(headerCount, { timeout: 10_000 }).toBe(N);
  });

  it('a run of arrow-key nudges of one keypoint is one undo step; another keypoint starts a new one', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[2];
    const kps = await stored(id);
    await openEditor(id);
    await selectRow(2);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    // Every nudge is saved at once (nothing waits in the page), and the store has the final position.
    await expect.poll(async () => (await stored(id))[2].x, { timeout: 10_000 }).toBe(kps[2].x + 2);
    await expect.poll(async () => (await stored(id))[2].y, { timeout: 10_000 }).toBe(kps[2].y + 5);
    await waitSaved();
    const hist = (await studio.api.call('sample.history', { id })).filter((e) => e.index === 2);
    expect(new Set(hist.map((e) => e.actionId)).size).toBe(1);
    // Another keypoint's nudge is its own action.
    await selectRow(3);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await stored(id))[3].x, { timeout: 10_000 }).toBe(kps[3].x - 0.5);
    await waitSaved();
    // One Ctrl+Z undoes keypoint 3's nudge, the next one the whole run of keypoint 2.
    await page.keyboard.press('Control+z');
    await page.waitForSelector('[data-testid="undo"][data-queued="0"]');
    expect((await stored(id))[3]).toEqual(kps[3]);
    expect((await stored(id))[2].x).toBe(kps[2].x + 2);
    await page.keyboard.press('Control+z');
    await page.waitForSelector('[data-testid="undo"][data-queued="0"]');
    expect((await stored(id))[2]).toEqual(kps[2]);
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="kp-row-2"]', 'data-x')), { timeout: 10_000 }).toBe(kps[2].x);
    // Redo brings the whole run back.
    await page.keyboard.press('Control+Shift+Z');
    await page.waitForSelector('[data-testid="undo"][data-queued="0"]');
    expect((await stored(id))[2].x).toBe(kps[2].x + 2);
    expect((await stored(id))[2].y).toBe(kps[2].y + 5);
  });

  it('shows the keypoint names on the canvas on demand (L), and the side panel shows names and states whole', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[0];
    const kps = await stored(id);
    await openEditor(id);
    await page.click('[data-testid="zoom-fit"]');
    // Let Konva draw the fitted view (two frames) before measuring it.
    await page.evaluate(() => {
      const raf = (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame;
      return new Promise<void>((r) => raf(() => raf(() => r())));
    });
    // The rightmost keypoint: nothing else is drawn to its right.
    const right = kps.reduce((best, k, i) => (k.x > kps[best].x ? i : best), 0);
    const without = await inkRightOf(kps[right].x, kps[right].y);
    await page.keyboard.press('l');
    await page.waitForSelector('[data-testid="editor-stage"][data-names="true"]');
    expect(await page.getAttribute('[data-testid="names-toggle"]', 'aria-pressed')).toBe('true');
    // The attribute flips at once; Konva redraws on its next frame, so the canvas is polled.
    await expect.poll(() => inkRightOf(kps[right].x, kps[right].y), { timeout: 5_000 }).toBeGreaterThan(without + 50);
    await page.keyboard.press('l');
    await page.waitForSelector('[data-testid="editor-stage"][data-names="false"]');
    await expect.poll(() => inkRightOf(kps[right].x, kps[right].y), { timeout: 5_000 }).toBe(without);

    // The side panel: no name is cut off, every state select is as wide as it needs, nothing scrolls sideways.
    const layout = await page.$eval('[data-testid="kp-list"]', (list) => {
      type El = { scrollWidth: number; clientWidth: number; offsetWidth: number; textContent: string | null; querySelectorAll(s: string): ArrayLike<El>; querySelector(s: string): El | null; cloneNode(deep: boolean): El; style: { width: string; maxWidth: string; position: string } ; remove(): void };
      const root = list as unknown as El;
      const rows = Array.from(root.querySelectorAll('[data-testid^="kp-row-"]'));
      const cutNames = rows.map((r) => r.querySelector('td.name')!).filter((n) => n.scrollWidth > n.clientWidth).map((n) => n.textContent);
      // A select as wide as its longest option, beside the list's own ones (same font and styles).
      const sel = rows[0].querySelector('select')!;
      const probe = sel.cloneNode(true);
      probe.style.width = 'auto';
      probe.style.maxWidth = 'none';
      probe.style.position = 'absolute';
      (sel as unknown as { parentElement: { appendChild(e: El): void } }).parentElement.appendChild(probe);
      const needed = probe.offsetWidth;
      probe.remove();
      const narrow = rows.map((r) => r.querySelector('select')!.offsetWidth).filter((w) => w < needed);
      return { cutNames, narrow, needed, scrolls: root.scrollWidth > root.clientWidth };
    });
    expect(layout.cutNames).toEqual([]);
    expect(layout.narrow).toEqual([]);
    expect(layout.scrolls).toBe(false);
  });

  it('a selected keypoint shows what it is in words and where it sits on the mean shape', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    await openEditor(ids[1]);
    expect(await page.$('[data-testid="kp-reference"]')).toBeNull();
    const mean = (await studio.api.call('stats.get', {})).meanShape;
    await selectRow(2);
    await page.waitForSelector('[data-testid="kp-reference"][data-index="2"] [data-testid="kp-reference-point"]');
    expect(await page.textContent('[data-testid="kp-reference-text"]')).toContain("Inner corner (towards the nose) of the eye on the subject's left");
    const at = async (): Promise<{ x: number; y: number }> => ({
      x: Number(await page.getAttribute('[data-testid="kp-reference-point"]', 'data-mean-x')),
      y: Number(await page.getAttribute('[data-testid="kp-reference-point"]', 'data-mean-y')),
    });
    expect(await at()).toEqual({ x: mean[2]!.x, y: mean[2]!.y });
    // Another keypoint: its own words and place.
    await selectRow(10);
    await page.waitForSelector('[data-testid="kp-reference"][data-index="10"]');
    expect(await page.textContent('[data-testid="kp-reference-text"]')).toContain('Tip of the nose');
    expect(await at()).toEqual({ x: mean[10]!.x, y: mean[10]!.y });
    // A 68-point project gets the 300-W descriptions (point 37 is the right eye's outer corner) and its own mean shape.
    await openProjectFromHome(paths.red);
    await openEditor(ids[1]);
    const redMean = (await studio.api.call('stats.get', {})).meanShape;
    await selectRow(36);
    await page.waitForSelector('[data-testid="kp-reference"][data-index="36"] [data-testid="kp-reference-point"]');
    expect(await page.textContent('[data-testid="kp-reference-text"]')).toContain('Point 37 of the 300-W mark-up. Eye on the subject\'s right');
    expect(await page.textContent('[data-testid="kp-reference-text"]')).toContain('outer corner');
    expect(await at()).toEqual({ x: redMean[36]!.x, y: redMean[36]!.y });
    await openProjectFromHome(paths.kaggle);
  });

  it('an edit still unsent when another project is opened is never written there, and reaches its own project later', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[4];
    const kps = await stored(id);
    let refuse = true;
    await page.route('**/api/labels.set', (route) => (refuse ? route.abort('connectionrefused') : route.continue()));
    await openEditor(id);
    await page.fill('[data-testid="kp-x-0"]', '10.25');
    await page.press('[data-testid="kp-x-0"]', 'Enter');
    await page.waitForSelector('[data-testid="save-status"][data-status="failed"]');

    // Open the red project while the save is still retrying; then let the retry through.
    await openProjectFromHome(paths.red);
    const red = await stored(id);
    const refused = page.waitForResponse((r) => r.url().includes('/api/labels.set'), { timeout: 30_000 });
    refuse = false;
    expect((await refused).status()).toBe(409);
    expect(await stored(id)).toEqual(red);

    // Back in the Kaggle project, the editor sends the kept edit to it.
    await openProjectFromHome(paths.kaggle);
    await openEditor(id);
    await expect.poll(async () => (await stored(id))[0].x, { timeout: 20_000 }).toBe(10.25);
    expect((await stored(id))[0].y).toBe(kps[0].y);
    await waitSaved();
    await page.unroute('**/api/labels.set');
  });

  it('an undo pressed while saves wait is dropped when the editor is left for another project', async () => {
    const ids = (await studio.api.call('samples.ids', {})).ids;
    const id = ids[1];
    let refuse = true;
    await page.route('**/api/labels.set', (route) => (refuse ? route.abort('connectionrefused') : route.continue()));
    await openEditor(id);
    await selectRow(4);
    await page.keyboard.press('o');
    await page.waitForSelector('[data-testid="save-status"][data-status="failed"]');
    // Ctrl+Z waits for the unsent save before it goes to the service.
    await page.keyboard.press('Control+z');
    await page.waitForSelector('[data-testid="undo"][data-queued="1"]');

    // In the red project an edit is the newest action: the waiting undo must not revert it.
    await openProjectFromHome(paths.red);
    await studio.api.call('labels.set', { sampleId: id, edits: [{ index: 0, x: 1.5, y: 2.5, state: 'labelled' }], actor: 'annotator' });
    const refused = page.waitForResponse((r) => r.url().includes('/api/labels.set'), { timeout: 30_000 });
    refuse = false;
    expect((await refused).status()).toBe(409);
    await page.waitForTimeout(1000);
    expect((await stored(id))[0]).toMatchObject({ x: 1.5, y: 2.5, state: 'labelled' });
    expect((await studio.api.call('sample.history', { id })).filter((e) => e.undone)).toEqual([]);
    await page.unroute('**/api/labels.set');
  });
});
