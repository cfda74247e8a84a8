// The Electron shell's wiring, with a fake `electron` module (the binary cannot start here): window settings,
// protocols (app:// with CSP, kps-image:// through the real service), the menu, and IPC with sender checks.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { requireDataDir } from '../../helpers/data.js';
import type { IpcReply } from '../../../src-main/transport/ipc-channels.js';

interface FakeWindow {
  opts: { webPreferences: Record<string, unknown> };
  url: string | null;
  webContents: { id: number; sent: unknown[][]; send(...a: unknown[]): void; isDestroyed(): boolean };
}
type Handler = (event: unknown, ...args: unknown[]) => unknown;

const fake = vi.hoisted(() => ({
  windows: [] as FakeWindow[],
  privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
  protocols: new Map<string, (req: Request) => Promise<Response>>(),
  ipc: new Map<string, Handler>(),
  menu: null as unknown,
  errors: [] as string[],
  userData: '',
}));

vi.mock('electron', () => {
  class BrowserWindow {
    opts: unknown;
    url: string | null = null;
    webContents = {
      id: 1,
      sent: [] as unknown[][],
      send(...a: unknown[]) {
        this.sent.push(a);
      },
      isDestroyed: () => false,
    };
    constructor(opts: unknown) {
      this.opts = opts;
      fake.windows.push(this as unknown as FakeWindow);
    }
    once() {}
    on() {}
    maximize() {}
    isMaximized() {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: 1280, height: 820 };
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      requestSingleInstanceLock: () => true,
      getPath: () => fake.userData,
      getVersion: () => '9.9.9',
      on: () => {},
      quit: () => {},
      exit: () => {},
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (s: typeof fake.privileged) => fake.privileged.push(...s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => fake.protocols.set(scheme, h),
    },
    session: { defaultSession: { webRequest: { onHeadersReceived: () => {} }, setPermissionRequestHandler: () => {} } },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (fake.menu = m) },
    ipcMain: { handle: (c: string, h: Handler) => fake.ipc.set(c, h), removeHandler: (c: string) => fake.ipc.delete(c) },
    dialog: {
      showErrorBox: (_t: string, m: string) => fake.errors.push(m),
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
      showMessageBox: async () => ({ response: 99 }),
    },
    shell: { openExternal: async () => {} },
  };
});

let dir: string;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

function call(op: string, req: unknown, sender?: unknown, url = 'app://renderer/index.html'): Promise<IpcReply> {
  const win = fake.windows[0];
  return Promise.resolve(fake.ipc.get('kps:call')!({ sender: sender ?? win.webContents, senderFrame: { url } }, { op, req })) as Promise<IpcReply>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-electron-'));
  fake.userData = dir;
  const renderer = join(dir, 'renderer');
  (await import('node:fs')).mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Keypoint Studio</title>');
  process.env.KPS_RENDERER_DIR = renderer;
  await import('../../../src-main/electron/main.js');
  await until(() => fake.windows.length === 1 && fake.ipc.has('kps:call'), 'the main window and IPC');
});

afterAll(() => {
  delete process.env.KPS_RENDERER_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('Electron main process', () => {
  it('creates one window with isolation, the sandbox, no Node, and the CJS preload', () => {
    const prefs = fake.windows[0].opts.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(fake.windows[0].url).toBe('app://renderer/index.html');
  });

  it('serves the renderer on app:// with a strict CSP and refuses paths outside it', async () => {
    const handler = fake.protocols.get('app')!;
    const res = await handler(new Request('app://renderer/index.html'));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain('kps-image:');
    expect(await res.text()).toContain('Keypoint Studio');
    expect((await handler(new Request('app://elsewhere/index.html'))).status).toBe(404);
  });

  it('has a File menu with New project, Open project, Import and Export', () => {
    const menu = fake.menu as { label?: string; submenu?: { label?: string }[] }[];
    const file = menu.find((m) => m.label === 'File')!;
    expect(file.submenu!.map((i) => i.label).filter(Boolean)).toEqual(['New Project…', 'Open Project…', 'Import…', 'Export…']);
  });

  it('runs the service over IPC for the main window (app.info reports electron mode and the app version)', async () => {
    expect(await call('app.info', {})).toEqual({ ok: true, value: expect.objectContaining({ mode: 'electron', version: '9.9.9' }) });
  });

  it('refuses IPC from another webContents or origin', async () => {
    const other = { id: 2, send() {}, isDestroyed: () => false };
    expect(await call('app.info', {}, other)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await call('app.info', {}, undefined, 'https://example.com/')).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('serves project images on kps-image://sample/<id> through the service', async () => {
    const path = join(dir, 'p.kps');
    expect((await call('project.create', { path, schema: 'kaggle-15' })).ok).toBe(true);
    const started = (await call('import.start', { path: join(requireDataDir(), 'kaggle-proxy', 'training.csv'), format: 'kaggle-csv' })) as { ok: true; value: { jobId: string } };
    const done = (await call('job.wait', { jobId: started.value.jobId })) as { ok: true; value: { state: string } };
    expect(done.value.state).toBe('done');
    const ids = ((await call('samples.ids', { limit: 1 })) as { ok: true; value: { ids: number[] } }).value.ids;
    const res = await fake.protocols.get('kps-image')!(new Request(`kps-image://sample/${ids[0]}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([96, 96]);
    expect((await fake.protocols.get('kps-image')!(new Request('kps-image://sample/99999999'))).status).toBe(404);
    // Events reached the window on kps:event.
    expect(fake.windows[0].webContents.sent.some((m) => m[0] === 'kps:event')).toBe(true);
    expect(fake.privileged.map((p) => p.scheme)).toEqual(['app', 'kps-image']);
  });
});
