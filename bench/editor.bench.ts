// Editor benchmarks in headless Chromium against web mode: drag latency (pointer event to redrawn keypoint) and opening the next sample, warm and cold.
import { join } from 'node:path';
import { buildWeb, percentile, median, report } from './util.js';
import { requireDataDir } from '../test/helpers/data.js';
import { startStudio } from '../test/e2e/harness.js';

/** What the page exposes, typed here because the Node-side program has no DOM types. */
interface PageGlobals {
  __kpsEditorPerf?: { drag: number[]; dragWork: number[]; open: number[] };
  localStorage: { clear(): void };
  location: { hash: string };
}

const DRAG_MOVES = 300;
const OPENS = 40;
/** Pause between page-downs: an annotator spends far longer on a face, so the neighbours are preloaded as in real use. */
const OPEN_PAUSE_MS = 200;

async function main(): Promise<void> {
  // Measure the renderer as it is now, not whatever dist-web an earlier build left.
  buildWeb();
  const data = requireDataDir();
  const studio = await startStudio({
    project: { schema: 'kaggle-15', imports: [{ path: join(data, 'kaggle-proxy', 'training.csv'), format: 'kaggle-csv' }] },
    viewport: { width: 1280, height: 800 },
  });
  const { page, api } = studio;
  try {
    await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.clear());
    await page.reload();
    await page.waitForSelector('[data-testid="gallery"]', { timeout: 60_000 });
    const order = (await api.call('samples.ids', {})).ids;
    const start = order[0];
    const before = (await api.call('sample.get', { id: start })).keypoints[0];
    await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), `#/editor/${start}`);
    await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${start}"][data-ready="true"]`);

    // ---- drag ----
    const t = await page.$eval('[data-testid="editor-stage"]', (el) => {
      const r = el.getBoundingClientRect();
      return { s: Number(el.dataset.scale), ox: Number(el.dataset.offsetX), oy: Number(el.dataset.offsetY), l: r.left, t: r.top };
    });
    const sx = t.l + t.ox + t.s * (before.x + 0.5);
    const sy = t.t + t.oy + t.s * (before.y + 0.5);
    await page.evaluate(() => {
      const perf = (globalThis as unknown as PageGlobals).__kpsEditorPerf;
      if (perf) {
        perf.drag.length = 0;
        perf.dragWork.length = 0;
      }
    });
    await page.mouse.move(sx, sy);
    await page.mouse.down();
    // A circle of radius 40 CSS px around the start: many small moves, as a hand makes. Mouse events carry whole
    // pixels, so a move within the same pixel changes nothing and needs no redraw: count the moves that do.
    let distinct = 0;
    let last = `${Math.floor(sx)},${Math.floor(sy)}`;
    for (let k = 1; k <= DRAG_MOVES; k++) {
      const a = (k / DRAG_MOVES) * Math.PI * 2;
      const x = sx + 40 * Math.sin(a) + k * 0.1;
      const y = sy + 40 * (1 - Math.cos(a));
      const key = `${Math.floor(x)},${Math.floor(y)}`;
      if (key !== last) distinct++;
      last = key;
      await page.mouse.move(x, y);
    }
    await page.mouse.up();
    const drag = await page.evaluate(() => (globalThis as unknown as PageGlobals).__kpsEditorPerf?.drag.slice() ?? []);
    const work = await page.evaluate(() => (globalThis as unknown as PageGlobals).__kpsEditorPerf?.dragWork.slice() ?? []);
    await page.waitForSelector('[data-testid="save-status"][data-status="saved"][data-pending="0"]');
    const after = (await api.call('sample.get', { id: start })).keypoints[0];
    const moved = Math.hypot(after.x - before.x, after.y - before.y);
    // The drag ended 30 CSS px right of where it began: the stored point must show it.
    const expectedShift = (DRAG_MOVES * 0.1) / t.s;
    const dragOk = drag.length >= distinct * 0.95 && drag.length <= distinct && Math.abs(moved - expectedShift) < 2 / t.s + 0.02;
    const dragP95 = percentile(drag, 95);
    report({
      bench: 'editor.drag',
      target: 'p95 pointer move to redrawn keypoint <= 16 ms',
      moves: DRAG_MOVES,
      moves_to_a_new_pixel: distinct,
      redraws_measured: drag.length,
      p50_ms: Number(median(drag).toFixed(2)),
      p95_ms: Number(dragP95.toFixed(2)),
      max_ms: Number(Math.max(...drag).toFixed(2)),
      // The app's own part: from the page starting to handle the move to the end of the redraw.
      work_p50_ms: Number(median(work).toFixed(2)),
      work_p95_ms: Number(percentile(work, 95).toFixed(2)),
      stored_shift_px: Number(moved.toFixed(3)),
      expected_shift_px: Number(expectedShift.toFixed(3)),
      pass: dragOk && dragP95 <= 16,
    });

    // ---- open next sample ----
    await page.evaluate(() => {
      const perf = (globalThis as unknown as PageGlobals).__kpsEditorPerf;
      if (perf) perf.open.length = 0;
    });
    const wall: number[] = [];
    let cur = start;
    for (let k = 0; k < OPENS; k++) {
      const next = order[order.indexOf(cur) + 1];
      await page.waitForTimeout(OPEN_PAUSE_MS);
      const t0 = performance.now();
      await page.keyboard.press('PageDown');
      await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${next}"][data-ready="true"]`, { timeout: 10_000 });
      wall.push(performance.now() - t0);
      cur = next;
    }
    const open = await page.evaluate(() => (globalThis as unknown as PageGlobals).__kpsEditorPerf?.open.slice() ?? []);
    const openP95 = percentile(open, 95);

    // What the outside measure costs by itself: a key press that does nothing, and the same wait for the stage.
    const noop: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t0 = performance.now();
      await page.keyboard.press('Shift');
      await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${cur}"][data-ready="true"]`);
      noop.push(performance.now() - t0);
    }

    // Cold: no pause, PageDown as soon as the sample is drawn, so the next one's preload has had no time to finish
    // (or start). The same target as the warm case: an annotator going fast must not wait either.
    await page.evaluate(() => {
      const perf = (globalThis as unknown as PageGlobals).__kpsEditorPerf;
      if (perf) perf.open.length = 0;
    });
    for (let k = 0; k < OPENS; k++) {
      const next = order[order.indexOf(cur) + 1];
      await page.keyboard.press('PageDown');
      await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${next}"][data-ready="true"]`, { timeout: 10_000 });
      cur = next;
    }
    const cold = await page.evaluate(() => (globalThis as unknown as PageGlobals).__kpsEditorPerf?.open.slice() ?? []);
    const coldP95 = percentile(cold, 95);
    report({
      bench: 'editor.open-next',
      target: 'opening the next sample <= 50 ms (p95, key press to drawn canvas)',
      opens: OPENS,
      measured: open.length,
      pause_between_ms: OPEN_PAUSE_MS,
      p50_ms: Number(median(open).toFixed(2)),
      p95_ms: Number(openP95.toFixed(2)),
      max_ms: Number(Math.max(...open).toFixed(2)),
      // Includes the CDP round trip and Playwright's polling: an upper bound seen from outside the page.
      outside_p50_ms: Number(median(wall).toFixed(1)),
      outside_p95_ms: Number(percentile(wall, 95).toFixed(1)),
      // The same outside measure around a key press that changes nothing: the harness's own share of the figure above.
      outside_noop_p50_ms: Number(median(noop).toFixed(1)),
      pass: open.length === OPENS && openP95 <= 50,
    });
    report({
      bench: 'editor.open-next-cold',
      target: 'opening the next sample with no preload wait <= 50 ms (p95, key press to drawn canvas)',
      opens: OPENS,
      measured: cold.length,
      pause_between_ms: 0,
      p50_ms: Number(median(cold).toFixed(2)),
      p95_ms: Number(coldP95.toFixed(2)),
      max_ms: Number(Math.max(...cold).toFixed(2)),
      pass: cold.length === OPENS && coldP95 <= 50,
    });
  } finally {
    await studio.close();
  }
}

await main();
