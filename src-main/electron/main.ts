// The Electron main process: one locked-down window, the app:// and kps-image:// protocols, the menu, and the service over IPC.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, type MenuItemConstructorOptions } from 'electron';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KpsError, toErrorShape } from '../core/errors.js';
import { EXPORT_FORMATS, IMPORT_FORMATS } from '../api/formats.js';
import { Service } from '../service/service.js';
import { bindIpc, DEFAULT_ALLOWED_ORIGINS } from '../transport/ipc.js';
import { IMAGE_SCHEME, type FileDialogOptions } from '../api/ipc.js';
import { errorStatus } from '../transport/http.js';

const here = dirname(fileURLToPath(import.meta.url));
// The bundled training workers sit beside this file (electron.config.ts); the training engine starts them from here.
process.env.KPS_WORKER_DIR ??= here;
/** electron-vite puts the renderer beside main: out/renderer; the preload in out/preload. KPS_RENDERER_DIR overrides (tests). */
const rendererDir = process.env.KPS_RENDERER_DIR ? resolve(process.env.KPS_RENDERER_DIR) : resolve(here, '../renderer');
const preloadPath = resolve(here, '../preload/index.cjs');
const devServerUrl = process.env.ELECTRON_RENDERER_URL ?? null;
const APP_ORIGIN = 'app://renderer';

// Strict CSP for every page of the app: our scripts only, images from ourselves and the image protocol, no eval.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${IMAGE_SCHEME}:`,
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: IMAGE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
]);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

// ---- window size, remembered between runs ----
interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}
const stateFile = (): string => join(app.getPath('userData'), 'window-state.json');
function loadWindowState(): WindowState {
  try {
    const s = JSON.parse(readFileSync(stateFile(), 'utf8')) as WindowState;
    if (Number.isFinite(s.width) && Number.isFinite(s.height) && s.width >= 400 && s.height >= 300) {
      const state: WindowState = { width: s.width, height: s.height, maximized: s.maximized === true };
      // A place is kept only when it is on a display that still exists (a monitor may have been unplugged);
      // otherwise the window opens centred at the remembered size.
      if (Number.isFinite(s.x) && Number.isFinite(s.y) && onSomeDisplay(s.x!, s.y!, s.width, s.height)) Object.assign(state, { x: s.x, y: s.y });
      return state;
    }
  } catch {
    // First run or unreadable: defaults.
  }
  return { width: 1280, height: 820 };
}
/** Whether the window's top edge (its title bar, to drag it by) lies on some display's work area, at least 100x50 px of it. */
function onSomeDisplay(x: number, y: number, width: number, height: number): boolean {
  return screen.getAllDisplays().some(({ workArea: a }) => {
    const w = Math.min(x + width, a.x + a.width) - Math.max(x, a.x);
    const h = Math.min(y + height, a.y + a.height) - Math.max(y, a.y);
    return w >= Math.min(100, width) && h >= Math.min(50, height) && y >= a.y && y < a.y + a.height;
  });
}
function saveWindowState(win: BrowserWindow): void {
  try {
    const b = win.getNormalBounds();
    writeFileSync(stateFile(), JSON.stringify({ ...b, maximized: win.isMaximized() } satisfies WindowState));
  } catch {
    // Not being able to remember the size is not worth an error dialog.
  }
}

let mainWindow: BrowserWindow | null = null;
let service: Service;

async function showFileDialog(options: FileDialogOptions): Promise<string | null> {
  const win = mainWindow ?? undefined;
  if (options.kind === 'save') {
    const r = await (win
      ? dialog.showSaveDialog(win, { title: options.title, defaultPath: options.defaultPath, filters: options.filters })
      : dialog.showSaveDialog({ title: options.title, defaultPath: options.defaultPath, filters: options.filters }));
    return r.canceled || !r.filePath ? null : r.filePath;
  }
  const props: ('openFile' | 'openDirectory')[] = [options.kind === 'folder' ? 'openDirectory' : 'openFile'];
  const o = { title: options.title, defaultPath: options.defaultPath, filters: options.filters, properties: props };
  const r = await (win ? dialog.showOpenDialog(win, o) : dialog.showOpenDialog(o));
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
}

function reportError(title: string, err: unknown): void {
  dialog.showErrorBox(title, toErrorShape(err).message);
}

/** Ask which of several choices; null when cancelled. */
async function choose(title: string, message: string, choices: string[]): Promise<string | null> {
  const opts = { type: 'question' as const, title, message, buttons: [...choices, 'Cancel'], cancelId: choices.length, noLink: true };
  const r = await (mainWindow ? dialog.showMessageBox(mainWindow, opts) : dialog.showMessageBox(opts));
  return r.response < choices.length ? choices[r.response] : null;
}

async function menuNewProject(): Promise<void> {
  try {
    const schemas = await service.call('schema.list', {});
    const choice = await choose('New project', 'Keypoint layout of the new project', [...schemas.map((s) => s.id), 'Custom JSON…']);
    if (!choice) return;
    let schema = choice;
    if (choice === 'Custom JSON…') {
      const file = await showFileDialog({ title: 'Keypoint schema (JSON)', kind: 'file', filters: [{ name: 'Schema', extensions: ['json'] }] });
      if (!file) return;
      schema = file;
    }
    const path = await showFileDialog({ title: 'Create project', kind: 'save', filters: [{ name: 'Keypoint Studio project', extensions: ['kps'] }] });
    if (!path) return;
    await service.call('project.create', { path: extname(path) ? path : `${path}.kps`, schema });
  } catch (err) {
    reportError('Could not create the project', err);
  }
}

async function menuOpenProject(): Promise<void> {
  try {
    const path = await showFileDialog({ title: 'Open project', kind: 'file', filters: [{ name: 'Keypoint Studio project', extensions: ['kps'] }] });
    if (path) await service.call('project.open', { path });
  } catch (err) {
    reportError('Could not open the project', err);
  }
}

async function menuImport(): Promise<void> {
  try {
    if (!(await service.call('project.info', {}))) throw new KpsError('no-project', 'Create or open a project first.');
    const label = await choose('Import', 'What do you want to import?', IMPORT_FORMATS.map((f) => f.label));
    const c = IMPORT_FORMATS.find((f) => f.label === label);
    if (!c) return;
    const path = await showFileDialog({ title: `Import ${c.label}`, kind: c.kind, filters: c.kind === 'file' ? [{ name: c.label, extensions: [...c.extensions] }] : undefined });
    if (!path) return;
    // The renderer shows progress and the result from the job events.
    await service.call('import.start', { path, format: c.id });
  } catch (err) {
    reportError('Could not import', err);
  }
}

async function menuExport(): Promise<void> {
  try {
    if (!(await service.call('project.info', {}))) throw new KpsError('no-project', 'Create or open a project first.');
    const label = await choose('Export', 'Export the project as', EXPORT_FORMATS.map((f) => f.label));
    const c = EXPORT_FORMATS.find((f) => f.label === label);
    if (!c) return;
    // A file format is saved through the save dialog; a folder format is chosen as a folder.
    const out = await showFileDialog({ title: `Export ${c.label}`, kind: c.kind === 'file' ? 'save' : 'folder', filters: c.kind === 'file' ? [{ name: c.label, extensions: [...c.extensions] }] : undefined });
    if (!out) return;
    // The save dialog has already asked before replacing a file; a chosen folder that holds files is asked about here.
    let overwrite = c.kind === 'file';
    if (!overwrite && readdirSync(out).length > 0) {
      if ((await choose('Export', `${out} is not empty. Replace an earlier export there?`, ['Replace'])) !== 'Replace') return;
      overwrite = true;
    }
    await service.call('export.start', { out, format: c.id, overwrite });
  } catch (err) {
    reportError('Could not export', err);
  }
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => void menuNewProject() },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => void menuOpenProject() },
        { type: 'separator' },
        { label: 'Import…', accelerator: 'CmdOrCtrl+I', click: () => void menuImport() },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => void menuExport() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // Undo/redo of labels are the renderer's hotkeys (journal-backed); the Edit menu keeps text-field editing working.
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** app://renderer/<path>: the built renderer, with the CSP on every response and an SPA fallback. */
function registerAppProtocol(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'renderer') return new Response('not found', { status: 404 });
    const rel = decodeURIComponent(url.pathname);
    let file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return new Response('forbidden', { status: 403 });
    if (!existsSync(file) || extname(file) === '') file = join(rendererDir, 'index.html');
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** kps-image://sample/<id>[?size=N]: a sample's pixels through the service (PNG for embedded faces). */
function registerImageProtocol(): void {
  protocol.handle(IMAGE_SCHEME, async (request) => {
    const url = new URL(request.url);
    const id = Number(url.pathname.replace(/^\//, ''));
    const sizeText = url.searchParams.get('size');
    try {
      if (url.host !== 'sample' || !Number.isInteger(id)) throw new KpsError('bad-input', `bad image URL ${request.url}`);
      const size = sizeText === null ? undefined : Number(sizeText);
      const img = await service.image(id, size !== undefined && Number.isInteger(size) && size >= 16 ? size : undefined);
      // CORS so the canvas (Konva) can read pixels of images it drew without being tainted; only this app can reach the scheme.
      return new Response(new Uint8Array(img.body), {
        headers: { 'Content-Type': img.contentType, ETag: img.etag, 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' },
      });
    } catch (err) {
      const shape = toErrorShape(err);
      return new Response(shape.message, { status: errorStatus(shape.code) });
    }
  });
}

function createWindow(): BrowserWindow {
  const state = loadWindowState();
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    x: state.x,
    y: state.y,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Keypoint Studio',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  let saveTimer: NodeJS.Timeout | null = null;
  const scheduleSave = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => saveWindowState(win), 500);
  };
  win.on('resize', scheduleSave);
  win.on('move', scheduleSave);
  win.on('close', () => saveWindowState(win));
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}

/** Whether a URL is the app's own page: app://renderer/... exactly (not a host that merely starts with it), or the dev server. */
function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    return u.protocol === dev.protocol && u.host === dev.host;
  }
  return u.protocol === 'app:' && u.host === 'renderer';
}

/** No new windows, no navigation or redirect away from the app; external links go to the system browser. */
function lockDownNavigation(): void {
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    // Server redirects do not pass through will-navigate.
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  // Deny every permission (camera, notifications, clipboard reads...), both when a page asks and when it checks: the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** The .kps named on a command line, resolved against the folder that launch ran in (a second instance's may differ from ours). */
function projectFromArgv(argv: string[], cwd: string = process.cwd()): string | null {
  const file = argv.slice(1).find((a) => !a.startsWith('-') && a.toLowerCase().endsWith('.kps'));
  return file ? resolve(cwd, file) : null;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  service = await Service.create({ mode: 'electron', actor: 'annotator', version: app.getVersion() });
  service.preloadExtensions();
  registerAppProtocol();
  registerImageProtocol();
  lockDownNavigation();
  // CSP for the dev server too (its responses do not pass through app://).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (devServerUrl && details.url.startsWith(devServerUrl)) headers['Content-Security-Policy'] = [CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")];
    callback({ responseHeaders: headers });
  });
  buildMenu();
  mainWindow = createWindow();
  const allowedOrigins = devServerUrl ? [...DEFAULT_ALLOWED_ORIGINS, new URL(devServerUrl).origin] : DEFAULT_ALLOWED_ORIGINS;
  bindIpc({ ipcMain, service, mainWebContents: () => mainWindow?.webContents ?? null, allowedOrigins, showFileDialog });

  const project = projectFromArgv(process.argv);
  if (project) await service.call('project.open', { path: project }).catch((err: unknown) => reportError('Could not open the project', err));

  app.on('second-instance', (_e, argv, workingDirectory) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    const p = projectFromArgv(argv, workingDirectory);
    if (p) void service.call('project.open', { path: p }).catch((err: unknown) => reportError('Could not open the project', err));
  });
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    // Close the project (and cancel its jobs) before the process goes, so the WAL is checkpointed cleanly.
    event.preventDefault();
    quitting = true;
    void service.shutdown().finally(() => app.quit());
  });
}

void main().catch((err: unknown) => {
  dialog.showErrorBox('Keypoint Studio could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});
