// End to end (issue 11, "how we will judge it"): a walk through every view at 1,000 x 700 and 1,400 x 900, in the
// light and the dark theme, reached the way a user does (the top navigation; the editor from the gallery). Each view
// writes a screenshot (docs/screenshots/walk-<view>-<size>-<theme>.png, not committed: they show research faces) and
// must hold in the window: no horizontal overflow of the page, the top bar or the editor toolbar, the top bar and the
// toolbar one row each, and no control cut off by the window or by a clipping parent.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { saveScreenshot, startStudio, waitForGallery, type Studio } from './harness.js';

type View = 'home' | 'import' | 'stats' | 'gallery' | 'editor' | 'review' | 'train' | 'runs' | 'compare' | 'photo' | 'qc';

/** Every view of src-renderer/lib/routes.ts, how a user opens it, and what shows that it is drawn. */
const VIEWS: { view: View; open: string | null; ready: string }[] = [
  { view: 'home', open: 'nav-home', ready: 'section.home' },
  { view: 'import', open: 'import-open', ready: '[data-testid="export-run"]' },
  { view: 'stats', open: 'nav-stats', ready: '[data-testid="stats-panel"][data-loaded="true"]' },
  { view: 'gallery', open: 'nav-gallery', ready: '[data-testid="gallery-item"] [data-testid="badge"]' },
  { view: 'editor', open: null, ready: '[data-testid="editor-stage"][data-ready="true"]' },
  { view: 'review', open: 'review-queue', ready: '[data-testid="review-view"] [data-testid="editor-stage"][data-ready="true"]' },
  { view: 'train', open: 'nav-train', ready: 'div.train' },
  { view: 'runs', open: 'nav-runs', ready: 'div.runs table' },
  { view: 'compare', open: 'nav-compare', ready: '[data-testid="compare-current"]' },
  { view: 'photo', open: 'nav-photo', ready: 'div.photo' },
  { view: 'qc', open: 'nav-qc', ready: '[data-testid="qc-queue"]' },
];

interface LayoutReport {
  pageOverflow: number;
  headerOverflow: number;
  headerRows: number;
  toolbarOverflow: number | null;
  toolbarRows: number | null;
  cutOff: string[];
}

/** Runs in the page: the layout facts the walk asserts. */
function layout(): LayoutReport {
  type El = {
    tagName: string;
    parentElement: El | null;
    getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; width: number; height: number };
    getAttribute(n: string): string | null;
    textContent: string | null;
    scrollWidth: number;
    clientWidth: number;
    children: ArrayLike<El>;
  };
  const g = globalThis as unknown as {
    document: { documentElement: El; body: El; querySelector(q: string): El | null; querySelectorAll(q: string): ArrayLike<El> };
    innerWidth: number;
    getComputedStyle(e: El): { overflowX: string; display: string; visibility: string };
  };
  const rows = (parent: El | null): number | null => {
    if (!parent) return null;
    const tops = new Set<number>();
    for (const c of Array.from(parent.children)) {
      const r = c.getBoundingClientRect();
      if (r.width === 0 || g.getComputedStyle(c).display === 'none') continue;
      tops.add(Math.round((r.top + r.bottom) / 2 / 4));
    }
    return tops.size;
  };
  const header = g.document.querySelector('header.top');
  const toolbar = g.document.querySelector('[data-testid="editor"] > header.toolbar');
  const cutOff: string[] = [];
  for (const el of Array.from(g.document.querySelectorAll('button, select, input, textarea, a[href], [role="tab"]'))) {
    const r = el.getBoundingClientRect();
    const st = g.getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || st.visibility === 'hidden') continue;
    const name = `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    let reachable = false;
    for (let a = el.parentElement; a && a !== g.document.body; a = a.parentElement) {
      const ox = g.getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') {
        reachable = true; // scrolls into view
        break;
      }
      if (ox === 'hidden' || ox === 'clip') {
        const b = a.getBoundingClientRect();
        if (r.left < b.left - 1 || r.right > b.right + 1) cutOff.push(`${name} clipped by ${a.tagName.toLowerCase()}.${a.getAttribute('class') ?? ''}`);
      }
    }
    if (!reachable && (r.left < -1 || r.right > g.innerWidth + 1)) cutOff.push(`${name} outside the window (${Math.round(r.left)}..${Math.round(r.right)})`);
  }
  // A box that scrolls sideways hides part of its content at this width (a table wider than the view, say).
  for (const el of Array.from(g.document.querySelectorAll('main, main *'))) {
    const ox = g.getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      cutOff.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''} scrolls sideways by ${el.scrollWidth - el.clientWidth}px`);
    }
  }
  return {
    pageOverflow: Math.max(g.document.documentElement.scrollWidth, g.document.body.scrollWidth) - g.innerWidth,
    headerOverflow: header ? header.scrollWidth - header.clientWidth : 0,
    headerRows: rows(g.document.querySelector('header.top nav')) ?? 0,
    toolbarOverflow: toolbar ? toolbar.scrollWidth - toolbar.clientWidth : null,
    toolbarRows: rows(toolbar),
    cutOff,
  };
}

describe('walk-through of every view', () => {
  let s: Studio;
  let editorId: number;
  const seen: string[] = [];

  beforeAll(async () => {
    const data = requireDataDir();
    const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    s = await startStudio({ open: false, viewport: { width: 1400, height: 900 } });
    const csv = join(s.tmp, 'training-excerpt.csv');
    writeFileSync(csv, lines.slice(0, 61).join('\n') + '\n');
    await s.api.call('project.create', { path: join(s.tmp, 'walk-through-of-every-view.kps'), schema: 'kaggle-15' });
    expect((await s.api.call('job.wait', await s.api.call('import.start', { path: csv, format: 'kaggle-csv' }))).state).toBe('done');
    // A photo that is not 96x96 too, as an annotator adds one.
    const photos = join(s.tmp, 'photos');
    mkdirSync(photos);
    copyFileSync(join(data, 'imm-face-db', '01-1m.jpg'), join(photos, '01-1m.jpg'));
    const pts = readFileSync(join(data, 'imm-face-db', '01-1m.pts'), 'utf8').split('\n').filter((l) => /^\s*[\d.]+\s+[\d.]+\s*$/.test(l));
    writeFileSync(join(photos, '01-1m.pts'), `version: 1\nn_points: 15\n{\n${pts.slice(0, 15).join('\n')}\n}\n`);
    expect((await s.api.call('job.wait', await s.api.call('import.start', { path: photos, format: 'pts' }))).state).toBe('done');
    const started = await s.api.call('train.start', { config: { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 2 }, name: 'walk-through run', backend: 'wasm' });
    const trained = await s.api.call('job.wait', { jobId: started.jobId });
    expect(trained.state, trained.error?.message).toBe('done');
    expect((await s.api.call('job.wait', await s.api.call('runs.evaluate', { id: started.runId }))).state).toBe('done');
    expect((await s.api.call('job.wait', await s.api.call('qc.run', { runId: started.runId }))).state).toBe('done');
    const ids = (await s.api.call('samples.ids', { minMissing: 1 })).ids;
    editorId = ids[0];
    await s.api.call('samples.tag', { ids: ids.slice(0, 3), add: ['needs review'] });
    await s.page.goto(s.serve.url);
    await s.page.waitForSelector('[data-testid="nav-gallery"]:not([disabled])');
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  for (const size of [{ width: 1000, height: 700 }, { width: 1400, height: 900 }]) {
    for (const theme of ['light', 'dark'] as const) {
      it(`every view holds at ${size.width} x ${size.height} in the ${theme} theme`, async () => {
        const { page } = s;
        await page.setViewportSize(size);
        const current = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme);
        if (current !== theme) await page.click('[data-testid="theme-toggle"]');
        await page.waitForFunction((t) => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme === t, theme);
        const problems: string[] = [];
        for (const v of VIEWS) {
          if (v.open) await page.click(`[data-testid="${v.open}"]`);
          else {
            // The editor: from the gallery, as a user opens a sample (focus it, Enter).
            await page.click('[data-testid="nav-gallery"]');
            await waitForGallery(page);
            await page.click(`[data-testid="gallery-item"][data-sample-id="${editorId}"]`);
            await page.keyboard.press('Enter');
          }
          await page.waitForSelector(v.ready, { timeout: 60_000 });
          await page.waitForTimeout(250);
          const shot = `walk-${v.view}-${size.width}x${size.height}-${theme}.png`;
          await saveScreenshot(page, shot, size.width);
          seen.push(shot);
          const r = await page.evaluate(layout);
          const where = `${v.view} at ${size.width}x${size.height} ${theme}`;
          if (r.pageOverflow > 0) problems.push(`${where}: page scrolls sideways by ${r.pageOverflow}px`);
          if (r.headerOverflow > 0) problems.push(`${where}: top bar overflows by ${r.headerOverflow}px`);
          if (r.headerRows !== 1) problems.push(`${where}: navigation in ${r.headerRows} rows`);
          if (r.toolbarOverflow !== null && r.toolbarOverflow > 0) problems.push(`${where}: editor toolbar overflows by ${r.toolbarOverflow}px`);
          if (r.toolbarRows !== null && r.toolbarRows !== 1) problems.push(`${where}: editor toolbar in ${r.toolbarRows} rows`);
          for (const c of r.cutOff) problems.push(`${where}: ${c}`);
        }
        expect(problems).toEqual([]);
        expect(s.pageErrors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      }, 240_000);
    }
  }

  it('wrote a screenshot of every view at both sizes in both themes', () => {
    expect(new Set(seen).size).toBe(VIEWS.length * 2 * 2);
  });
});
