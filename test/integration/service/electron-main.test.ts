// The Electron shell's wiring, with a fake `electron` module (the binary cannot start here): window settings and their
// memory across runs, protocols (app:// with CSP, kps-image:// through the real service), navigation and permission
// lockdown, single-instance launches with a project path, the File menu's actions, and IPC with sender checks.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { requireDataDir } from '../../helpers/data.js';
import type { IpcReply } from '../../../src-main/api/ipc.js';
import type { JobStatus, ProjectInfo } from '../../../src-main/api/ops.js';
import { Service } from '../../../src-main/service/service.js';

type Listener = (...args: unknown[]) => unknown;
interface FakeWindow {
  opts: { webPreferences: Record<string, unknown>; width: number; height: number; x?: number; y?: number };
  url: string | null;
  maximized: boolean;
  minimized: boolean;
  focused: number;
  listeners: Map<string, Listener[]>;
  webContents: { id: number; sent: unknown[][]; send(...a: unknown[]): void; isDestroyed(): boolean };
}
type Handler = (event: unknown, ...args: unknown[]) => unknown;
/** A scripted answer to the next dialog: gets the dialog's options, returns what Electron would resolve with. */
type DialogAnswer = (options: Record<string, unknown>) => unknown;
interface MenuItem {
  label?: string;
  click?: () => void;
  submenu?: MenuItem[];
}

const fake = vi.hoisted(() => ({
  windows: [] as FakeWindow[],
  privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
  protocols: new Map<string, (req: Request) => Promise<Response>>(),
  ipc: new Map<string, Handler>(),
  app: new Map<string, ((...args: unknown[]) => unknown)[]>(),
  menu: null as unknown,
  errors: [] as string[],
  userData: '',
  lock: true,
  quits: 0,
  bounds: { x: 0, y: 0, width: 1280, height: 820 },
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  permissionRequest: null as null | ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void),
  permissionCheck: null as null | ((wc: unknown, permission: string) => boolean),
  opened: [] as string[],
  answers: [] as ((options: Record<string, unknown>) => unknown)[],
  dialogs: [] as { kind: string; options: Record<string, unknown> }[],
}));

vi.mock('electron', () => {
  const listen = (map: Map<string, ((...args: unknown[]) => unknown)[]>, name: string, fn: (...args: unknown[]) => unknown) => {
    map.set(name, [...(map.get(name) ?? []), fn]);
  };
  /** The next scripted answer, or a cancel when the test scripted none. */
  const answer = (kind: string, a: unknown[], cancelled: unknown) => {
    const options = (a.length > 1 ? a[1] : a[0]) as Record<string, unknown>;
    fake.dialogs.push({ kind, options });
    const next = fake.answers.shift();
    return Promise.resolve(next ? next(options) : cancelled);
  };
  class BrowserWindow {
    opts: unknown;
    url: string | null = null;
    maximized = false;
    minimized = false;
    focused = 0;
    listeners = new Map<string, ((...args: unknown[]) => unknown)[]>();
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
    once(name: string, fn: (...args: unknown[]) => unknown) {
      listen(this.listeners, name, fn);
    }
    on(name: string, fn: (...args: unknown[]) => unknown) {
      listen(this.listeners, name, fn);
    }
    maximize() {
      this.maximized = true;
    }
    isMaximized() {
      return this.maximized;
    }
    isMinimized() {
      return this.minimized;
    }
    restore() {
      this.minimized = false;
    }
    focus() {
      this.focused++;
    }
    getNormalBounds() {
      return { ...fake.bounds };
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
  }
  return {
    app: {
      whenReady: () => Promise.resolve(),
      requestSingleInstanceLock: () => fake.lock,
      getPath: () => fake.userData,
      getVersion: () => '9.9.9',
      on: (name: string, fn: (...args: unknown[]) => unknown) => listen(fake.app, name, fn),
      quit: () => {
        fake.quits++;
      },
      exit: () => {},
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (s: typeof fake.privileged) => fake.privileged.push(...s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => fake.protocols.set(scheme, h),
    },
    screen: { getAllDisplays: () => fake.displays },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => {} },
        setPermissionRequestHandler: (h: typeof fake.permissionRequest) => (fake.permissionRequest = h),
        setPermissionCheckHandler: (h: typeof fake.permissionCheck) => (fake.permissionCheck = h),
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (fake.menu = m) },
    ipcMain: { handle: (c: string, h: Handler) => fake.ipc.set(c, h), removeHandler: (c: string) => fake.ipc.delete(c) },
    dialog: {
      showErrorBox: (_t: string, m: string) => fake.errors.push(m),
      showOpenDialog: (...a: unknown[]) => answer('open', a, { canceled: true, filePaths: [] }),
      showSaveDialog: (...a: unknown[]) => answer('save', a, { canceled: true }),
      showMessageBox: (...a: unknown[]) => answer('message', a, { response: 99 }),
    },
    shell: {
      openExternal: async (url: string) => {
        fake.opened.push(url);
      },
    },
  };
});

let dir: string;
/** A project made before the app starts, named on its command line as `electron . start.kps` would. */
let startProject: string;
const argvBefore = process.argv;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

/** The window the app considers its main one (the newest: the app makes another after the last closed). */
const mainWin = (): FakeWindow => fake.windows[fake.windows.length - 1];

function call(op: string, req: unknown, sender?: unknown, url = 'app://renderer/index.html'): Promise<IpcReply> {
  return Promise.resolve(fake.ipc.get('kps:call')!({ sender: sender ?? mainWin().webContents, senderFrame: { url } }, { op, req })) as Promise<IpcReply>;
}

async function value<T>(op: string, req: unknown): Promise<T> {
  const r = await call(op, req);
  if (!r.ok) throw new Error(`${op}: ${r.error.message}`);
  return r.value as T;
}

/** Emit an app event the way Electron would, to every listener main.ts registered. */
function emitApp(name: string, ...args: unknown[]): void {
  for (const fn of fake.app.get(name) ?? []) fn(...args);
}

function emitWindow(win: FakeWindow, name: string, ...args: unknown[]): void {
  for (const fn of win.listeners.get(name) ?? []) fn(...args);
}

function fileMenu(): MenuItem[] {
  return (fake.menu as MenuItem[]).find((m) => m.label === 'File')!.submenu!;
}

function clickMenu(label: string): void {
  fileMenu().find((i) => i.label === label)!.click!();
}

/** Answer the next message box by choosing the button labelled `button`. */
const pick = (button: string): DialogAnswer => (o) => {
  const buttons = o.buttons as string[];
  if (!buttons.includes(button)) throw new Error(`no button ${button} in ${buttons.join(', ')}`);
  return { response: buttons.indexOf(button) };
};
const openPath = (path: string): DialogAnswer => () => ({ canceled: false, filePaths: [path] });
const savePath = (path: string): DialogAnswer => () => ({ canceled: false, filePath: path });

async function currentProject(): Promise<ProjectInfo | null> {
  return value<ProjectInfo | null>('project.info', {});
}

/** Wait for a job of this kind beyond the first `before` ones to start, then for it to end; its final status. */
async function nextJobDone(kind: string, before: number): Promise<JobStatus> {
  for (let i = 0; i < 400; i++) {
    const jobs = (await value<JobStatus[]>('job.list', {})).filter((j) => j.kind === kind);
    if (jobs.length > before) return value<JobStatus>('job.wait', { jobId: jobs[before].jobId });
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for a ${kind} job`);
}

async function jobCount(kind: string): Promise<number> {
  return (await value<JobStatus[]>('job.list', {})).filter((j) => j.kind === kind).length;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-electron-'));
  fake.userData = dir;
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Keypoint Studio</title>');
  process.env.KPS_RENDERER_DIR = renderer;
  // The size and place the window had when the app last closed, maximized.
  writeFileSync(join(dir, 'window-state.json'), JSON.stringify({ x: 40, y: 30, width: 1100, height: 700, maximized: true }));
  startProject = join(dir, 'start.kps');
  const s = await Service.create({ mode: 'web' });
  await s.call('project.create', { path: startProject, schema: 'imm-58' });
  await s.shutdown();
  process.argv = [process.execPath, '.', startProject];
  await import('../../../src-main/electron/main.js');
  await until(() => fake.windows.length === 1 && fake.ipc.has('kps:call'), 'the main window and IPC');
});

afterAll(() => {
  process.argv = argvBefore;
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

  it('opens the project named on its command line at start', async () => {
    expect((await currentProject())?.path).toBe(startProject);
    expect(fake.errors).toEqual([]);
  });

  it('restores the size, place and maximized state saved by the last run', () => {
    expect(fake.windows[0].opts).toMatchObject({ width: 1100, height: 700, x: 40, y: 30 });
    expect(fake.windows[0].maximized).toBe(true);
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
    expect(fileMenu().map((i) => i.label).filter(Boolean)).toEqual(['New Project…', 'Open Project…', 'Import…', 'Export…']);
  });

  it('runs the service over IPC for the main window (app.info reports electron mode and the app version)', async () => {
    expect(await call('app.info', {})).toEqual({ ok: true, value: expect.objectContaining({ mode: 'electron', version: '9.9.9' }) });
  });

  it('refuses IPC from another webContents or origin', async () => {
    const other = { id: 2, send() {}, isDestroyed: () => false };
    expect(await call('app.info', {}, fake.windows[0].webContents)).toMatchObject({ ok: true });
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

describe('navigation and permission lockdown', () => {
  /** A webContents as the app sees one being created, recording what main.ts hooks onto it. */
  function contents() {
    const on = new Map<string, Listener>();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    const wc = {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      on: (name: string, fn: Listener) => on.set(name, fn),
    };
    emitApp('web-contents-created', {}, wc);
    /** Whether the page's navigation (or redirect) to `url` was stopped. */
    const stopped = (event: string, url: string): boolean => {
      let prevented = false;
      const handler = on.get(event);
      if (!handler) throw new Error(`no ${event} handler`);
      handler({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    return { open: (url: string) => openHandler!({ url }), stopped };
  }

  it('opens no window: https links go to the system browser, anything else nowhere', () => {
    const wc = contents();
    for (const url of ['https://example.com/docs', 'http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'app://renderer/index.html']) {
      expect(wc.open(url)).toEqual({ action: 'deny' });
    }
    expect(fake.opened).toEqual(['https://example.com/docs']);
  });

  it('never navigates or redirects away from the app, and attaches no webview', () => {
    const wc = contents();
    expect(wc.stopped('will-navigate', 'app://renderer/index.html#/editor/3')).toBe(false);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://renderer.example.com/index.html', 'app://rendererx/', 'kps-image://sample/1']) {
      expect(wc.stopped('will-navigate', url), url).toBe(true);
      expect(wc.stopped('will-redirect', url), url).toBe(true);
    }
    expect(wc.stopped('will-redirect', 'app://renderer/index.html')).toBe(false);
    expect(wc.stopped('will-attach-webview', 'https://example.com/')).toBe(true);
  });

  it('denies every permission request and check', () => {
    const granted: boolean[] = [];
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) fake.permissionRequest!({}, p, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false, false, false]);
    expect(fake.permissionCheck, 'a permission check handler').not.toBeNull();
    for (const p of ['media', 'notifications', 'clipboard-sanitized-write', 'hid']) expect(fake.permissionCheck!({}, p)).toBe(false);
  });
});

describe('the File menu', () => {
  const training = (): string => join(requireDataDir(), 'kaggle-proxy', 'training.csv');

  it('New Project… asks for a layout and a place, and creates and opens the project there (adding .kps)', async () => {
    fake.answers.push(pick('kaggle-15'), savePath(join(dir, 'from-menu')));
    clickMenu('New Project…');
    await until(() => existsSync(join(dir, 'from-menu.kps')), 'the new project file');
    await until(() => fake.answers.length === 0, 'both dialogs');
    const info = await currentProject();
    expect(info).toMatchObject({ path: join(dir, 'from-menu.kps'), sampleCount: 0 });
    expect(info!.schema.id).toBe('kaggle-15');
    expect(fake.dialogs.at(-1)).toMatchObject({ kind: 'save', options: { filters: [{ extensions: ['kps'] }] } });
  });

  it('Import… imports the chosen kind of file into the open project', async () => {
    const before = await jobCount('import');
    fake.answers.push(pick('Kaggle training.csv'), openPath(training()));
    clickMenu('Import…');
    expect((await nextJobDone('import', before)).state).toBe('done');
    expect(fake.dialogs.at(-1)).toMatchObject({ kind: 'open', options: { properties: ['openFile'], filters: [{ extensions: ['csv'] }] } });
    expect((await currentProject())?.sampleCount).toBe(1045);
  });

  it('Export… writes the project where the save dialog says', async () => {
    const out = join(dir, 'exported.csv');
    const before = await jobCount('export');
    fake.answers.push(pick('Kaggle training.csv'), savePath(out));
    clickMenu('Export…');
    expect((await nextJobDone('export', before)).state).toBe('done');
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1046);
    expect(lines[0].split(',').at(-1)).toBe('Image');
  });

  it('Open Project… opens the chosen file', async () => {
    fake.answers.push(openPath(startProject));
    clickMenu('Open Project…');
    await until(() => fake.answers.length === 0, 'the open dialog');
    await until(() => fake.dialogs.at(-1)?.kind === 'open', 'the open dialog');
    let info: ProjectInfo | null = null;
    for (let i = 0; i < 200 && info?.path !== startProject; i++) {
      info = await currentProject();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(info).toMatchObject({ path: startProject, sampleCount: 0 });
    expect(info!.schema.id).toBe('imm-58');
  });

  it('does nothing when a dialog is cancelled', async () => {
    const dialogs = fake.dialogs.length;
    clickMenu('Export…'); // the choice box is cancelled (no scripted answer)
    await until(() => fake.dialogs.length === dialogs + 1, 'the choice box');
    fake.answers.push(pick('Kaggle training.csv')); // then the save dialog is cancelled
    clickMenu('Export…');
    await until(() => fake.dialogs.length === dialogs + 3, 'three dialogs');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.dialogs.slice(dialogs).map((d) => d.kind)).toEqual(['message', 'message', 'save']);
    expect(await jobCount('export')).toBe(1);
    expect((await currentProject())?.path).toBe(startProject);
    expect(fake.errors).toEqual([]);
  });

  it('shows one error box naming the file when the chosen project cannot be opened', async () => {
    const missing = join(dir, 'missing.kps');
    fake.answers.push(openPath(missing));
    clickMenu('Open Project…');
    await until(() => fake.errors.length === 1, 'an error box');
    expect(fake.errors[0]).toContain('missing.kps');
    expect((await currentProject())?.path).toBe(startProject);
    fake.errors.length = 0;
  });
});

describe('window state and launches', () => {
  it('saves the window\'s bounds after a resize settles and on close, and a new window gets them back', async () => {
    const file = join(dir, 'window-state.json');
    const win = fake.windows[0];
    win.maximized = false;
    fake.bounds = { x: 120, y: 80, width: 1000, height: 650 };
    emitWindow(win, 'resize');
    await until(() => (JSON.parse(readFileSync(file, 'utf8')) as { width: number }).width === 1000, 'the saved size');
    fake.bounds = { x: 200, y: 100, width: 900, height: 600 };
    emitWindow(win, 'close');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 200, y: 100, width: 900, height: 600, maximized: false });
    emitWindow(win, 'closed');
    // macOS keeps the app running without windows; the dock icon makes a new one.
    emitApp('activate');
    expect(fake.windows).toHaveLength(2);
    expect(fake.windows[1].opts).toMatchObject({ x: 200, y: 100, width: 900, height: 600 });
    expect(fake.windows[1].maximized).toBe(false);
    emitApp('activate'); // a window exists: no second one
    expect(fake.windows).toHaveLength(2);
    expect((await call('app.info', {})).ok).toBe(true);
  });

  it('drops a saved place that is on no display (a monitor since unplugged), keeping the size', () => {
    const file = join(dir, 'window-state.json');
    writeFileSync(file, JSON.stringify({ x: 2500, y: 200, width: 900, height: 600 }));
    emitWindow(mainWin(), 'closed');
    emitApp('activate');
    const opts = mainWin().opts;
    expect([opts.width, opts.height, opts.x, opts.y]).toEqual([900, 600, undefined, undefined]);
    // A corrupt or too small state falls back to the default size.
    for (const bad of ['{"width": 100, "height": 50}', 'not json', '{"width": 900, "height": 600, "x": "left", "y": 0}']) {
      writeFileSync(file, bad);
      emitWindow(mainWin(), 'closed');
      emitApp('activate');
      const o = mainWin().opts;
      expect([o.width, o.height, o.x, o.y], bad).toEqual(bad.includes('left') ? [900, 600, undefined, undefined] : [1280, 820, undefined, undefined]);
    }
  });

  it('a second launch with a project path focuses the window and opens that project, relative to where it was launched', async () => {
    const launchDir = join(dir, 'elsewhere');
    mkdirSync(launchDir);
    const s = await Service.create({ mode: 'web' });
    await s.call('project.create', { path: join(launchDir, 'second.kps'), schema: 'kaggle-15' });
    await s.shutdown();
    const win = mainWin();
    win.minimized = true;
    const focused = win.focused;
    emitApp('second-instance', {}, ['/opt/keypoint-studio/kps', '--some-chromium-flag', 'second.kps'], launchDir);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(focused + 1);
    let info: ProjectInfo | null = null;
    for (let i = 0; i < 200 && info?.path !== join(launchDir, 'second.kps'); i++) {
      info = await currentProject();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(fake.errors).toEqual([]);
    expect(info?.path).toBe(join(launchDir, 'second.kps'));
    // Without a project path it only brings the window forward.
    emitApp('second-instance', {}, ['/opt/keypoint-studio/kps'], launchDir);
    expect(win.focused).toBe(focused + 2);
    expect((await currentProject())?.path).toBe(join(launchDir, 'second.kps'));
  });

  it('a launch that does not get the single-instance lock quits without a window or a service', async () => {
    fake.lock = false;
    const windows = fake.windows.length;
    const quits = fake.quits;
    const ipc = fake.ipc.get('kps:call');
    const menu = fake.menu;
    vi.resetModules();
    await import('../../../src-main/electron/main.js');
    await until(() => fake.quits > quits, 'app.quit');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.windows).toHaveLength(windows);
    expect(fake.ipc.get('kps:call')).toBe(ipc);
    expect(fake.menu).toBe(menu);
  });
});
