// End-to-end harness: starts `kps serve` on a free port, drives Debian's Chromium with playwright-core, and gives
// tests a page plus a Node-side API client (over the same HTTP API) to assert stored values; cleans everything up.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import WebSocket from 'ws';
import type { ImportFormat } from '../../src-main/api/ops.js';
import { createWebClient, type WebClient, type WebSocketCtor } from '../../src-main/api/web-client.js';
import { repoRoot } from '../helpers/data.js';

export const CHROMIUM_PATH = process.env.KPS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ServeHandle {
  url: string;
  /** The URL without query (the token, if any, stays in `token`). */
  origin: string;
  token: string | null;
  child: ChildProcess;
  /** Everything the server wrote to stderr, for failure messages. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `node --import tsx src-main/cli/main.ts serve [project] --port 0` and waits for its one URL line. */
export async function startServe(project: string | null, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ServeHandle> {
  if (!existsSync(join(repoRoot, 'dist-web', 'index.html'))) {
    throw new Error('dist-web/index.html is missing: run `npm run build:web` first (npm run test:e2e does it)');
  }
  const args = ['--import', 'tsx', join(repoRoot, 'src-main/cli/main.ts'), 'serve', ...(project ? [project] : []), '--port', '0'];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kps serve printed no URL within ${opts.timeoutMs ?? 60_000} ms; stderr:\n${err}`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Keypoint Studio \(web mode\): (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1]);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`kps serve exited (${code ?? signal}) before printing its URL; stderr:\n${err}`));
    });
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token');
  parsed.search = '';
  return {
    url,
    origin: parsed.toString(),
    token,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function nodeClient(serve: Pick<ServeHandle, 'origin' | 'token'>): WebClient {
  return createWebClient({ baseUrl: serve.origin, token: serve.token, WebSocket: WebSocket as unknown as WebSocketCtor });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set KPS_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface Studio {
  serve: ServeHandle;
  api: WebClient;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** A temporary folder the test may write into (projects, exports); removed by close(). */
  tmp: string;
  /** Uncaught page errors, console errors and HTTP error responses (`http <status> <path>`) seen so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface StudioOptions {
  /** Create this project (in the temp folder) before serving: a schema id, with optional imports through the API. */
  project?: { name?: string; schema: string; imports?: { path: string; format: ImportFormat }[] };
  viewport?: { width: number; height: number };
  /** Navigate the page to the app (default true). */
  open?: boolean;
}

/**
 * Everything an e2e test needs. With `project`, the project is created and imported through a first, headless
 * `kps serve` run's API (the same service code), then served again with the project path so the app opens on it.
 */
export async function startStudio(opts: StudioOptions = {}): Promise<Studio> {
  const tmp = mkdtempSync(join(tmpdir(), 'kps-e2e-'));
  let serve: ServeHandle | null = null;
  let browser: Browser | null = null;
  try {
    let projectPath: string | null = null;
    if (opts.project) {
      projectPath = join(tmp, `${opts.project.name ?? 'project'}.kps`);
      const setup = await startServe(null);
      try {
        const client = nodeClient(setup);
        await client.call('project.create', { path: projectPath, schema: opts.project.schema });
        for (const imp of opts.project.imports ?? []) {
          const { jobId } = await client.call('import.start', imp);
          const end = await client.call('job.wait', { jobId });
          if (end.state !== 'done') throw new Error(`import of ${imp.path} ended ${end.state}: ${end.error?.message ?? end.message}`);
        }
        await client.call('project.close', {});
        client.close();
      } finally {
        await setup.stop();
      }
    }
    serve = await startServe(projectPath);
    const api = nodeClient(serve);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // Chromium's "Failed to load resource" lines carry no URL; the response hook below records those with theirs.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`http ${r.status()} ${new URL(r.url()).pathname}`);
    });
    if (opts.open !== false) await page.goto(serve.url);
    const s = serve;
    const b = browser;
    return {
      serve: s,
      api,
      browser: b,
      context,
      page,
      tmp,
      pageErrors,
      async close() {
        api.close();
        await b.close().catch(() => undefined);
        await s.stop();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await serve?.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Ids of the gallery items currently in the DOM, in grid order (row by row). */
export async function galleryIds(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid="gallery-item"]', (els) =>
    els
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { id: Number(el.getAttribute('data-sample-id')), top: Math.round(r.top), left: Math.round(r.left) };
      })
      .sort((a, b) => a.top - b.top || a.left - b.left)
      .map((e) => e.id),
  );
}

/** Ids of gallery items at least partly inside the gallery's visible box (the DOM also holds a few overscan rows). */
export async function visibleGalleryIds(page: Page): Promise<number[]> {
  return page.$eval('[data-testid="gallery"]', (vp) => {
    const box = vp.getBoundingClientRect();
    return [...vp.querySelectorAll('[data-testid="gallery-item"]')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.bottom > box.top && r.top < box.bottom)
      .sort((a, b) => a.r.top - b.r.top || a.r.left - b.r.left)
      .map(({ el }) => Number(el.getAttribute('data-sample-id')));
  });
}

/** Waits until the gallery shows `count` samples in its status and has items in the DOM. */
export async function waitForGallery(page: Page, count?: number): Promise<void> {
  await page.waitForSelector('[data-testid="gallery"]');
  if (count !== undefined) await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`);
  if (count !== 0) await page.waitForSelector('[data-testid="gallery-item"] [data-testid="badge"]');
}

/** Folder of the README screenshots the e2e suite writes. */
export const SCREENSHOT_DIR = join(repoRoot, 'docs', 'screenshots');

/** Saves a README screenshot as a palette PNG (a few hundred KB at most instead of a full-colour one). */
export async function saveScreenshot(page: Page, name: string, maxWidth = 1024): Promise<string> {
  // Notices (toasts) would cover the view; dismiss them first.
  const dismiss = page.locator('[data-testid="notice-dismiss"]');
  for (let i = 0; i < 20 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 2000 }).catch(() => undefined);
  const raw = await page.screenshot();
  const png = await sharp(raw)
    .resize({ width: maxWidth, withoutEnlargement: true })
    .png({ palette: true, quality: 80, effort: 7, compressionLevel: 9 })
    .toBuffer();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, name);
  writeFileSync(path, png);
  return path;
}

/** Polls until `check` passes (saves and events are asynchronous); rethrows its last failure after `timeoutMs`. */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}
