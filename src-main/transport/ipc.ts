// Electron IPC binding of the service table: one generic handler for every op, events forwarded, every sender checked.
// Free of an `electron` import so tests can drive it with a fake ipcMain; electron/main.ts passes the real one.
import { KpsError, toErrorShape } from '../core/errors.js';
import type { Service } from '../service/service.js';
import { IPC_CALL, IPC_DIALOG, IPC_EVENT, type FileDialogOptions, type IpcEventMessage, type IpcReply } from '../api/ipc.js';

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcInvokeEventLike {
  sender: WebContentsLike;
  /** The frame that sent the message; null when it navigated away or was destroyed. */
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcBindingOptions {
  ipcMain: IpcMainLike;
  service: Service;
  /** The main window's webContents: the only sender accepted. */
  mainWebContents(): WebContentsLike | null;
  /**
   * Origins the main window's pages may have: the packaged app (`app://renderer`) and file:// by default;
   * electron-vite's dev server URL is added in development.
   */
  allowedOrigins?: string[];
  /** Shows a native dialog (electron/main.ts provides it). */
  showFileDialog?(options: FileDialogOptions): Promise<string | null>;
}

export const DEFAULT_ALLOWED_ORIGINS = ['app://renderer', 'file://'];

function originOf(url: string): string {
  if (url.startsWith('file://')) return 'file://';
  try {
    const u = new URL(url);
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return '';
  }
}

function checkDialogOptions(o: unknown): FileDialogOptions {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new KpsError('bad-input', 'openFileDialog: options must be an object');
  const v = o as Record<string, unknown>;
  const out: FileDialogOptions = {};
  if (v.title !== undefined) {
    if (typeof v.title !== 'string') throw new KpsError('bad-input', 'openFileDialog: title must be a string');
    out.title = v.title;
  }
  if (v.kind !== undefined) {
    if (v.kind !== 'file' && v.kind !== 'folder' && v.kind !== 'save') throw new KpsError('bad-input', 'openFileDialog: kind must be "file", "folder" or "save"');
    out.kind = v.kind;
  }
  if (v.defaultPath !== undefined) {
    if (typeof v.defaultPath !== 'string') throw new KpsError('bad-input', 'openFileDialog: defaultPath must be a string');
    out.defaultPath = v.defaultPath;
  }
  if (v.filters !== undefined) {
    const f = v.filters;
    if (
      !Array.isArray(f) ||
      !f.every((x: unknown) => {
        const e = x as { name?: unknown; extensions?: unknown };
        return e && typeof e.name === 'string' && Array.isArray(e.extensions) && e.extensions.every((s) => typeof s === 'string');
      })
    )
      throw new KpsError('bad-input', 'openFileDialog: filters must be [{ name, extensions: string[] }]');
    out.filters = f as FileDialogOptions['filters'];
  }
  return out;
}

/** Register the handlers; returns a function that removes them and stops forwarding events. */
export function bindIpc(opts: IpcBindingOptions): () => void {
  const allowed = opts.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS;

  /** Only the main window, showing our own pages, may talk to the service. */
  const validSender = (event: IpcInvokeEventLike): boolean => {
    const main = opts.mainWebContents();
    if (!main || main.isDestroyed() || event.sender !== main) return false;
    const url = event.senderFrame?.url;
    if (!url) return false;
    return allowed.includes(originOf(url));
  };

  const rejectSender = (event: IpcInvokeEventLike): IpcReply => {
    const url = event.senderFrame?.url ?? 'an unknown frame';
    return { ok: false, error: { code: 'unauthorized', message: `IPC from ${url} refused: not the app's main window` } };
  };

  opts.ipcMain.handle(IPC_CALL, async (event, msg): Promise<IpcReply> => {
    if (!validSender(event)) return rejectSender(event);
    try {
      if (msg === null || typeof msg !== 'object') throw new KpsError('bad-input', 'an IPC call must be { op, req }');
      const { op, req } = msg as { op?: unknown; req?: unknown };
      if (typeof op !== 'string') throw new KpsError('bad-input', 'an IPC call must name its op');
      // Structured clone keeps NaN, so values cross as they are.
      return { ok: true, value: await opts.service.callUnknown(op, req) };
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  });

  opts.ipcMain.handle(IPC_DIALOG, async (event, options): Promise<IpcReply> => {
    if (!validSender(event)) return rejectSender(event);
    try {
      if (!opts.showFileDialog) throw new KpsError('internal', 'no file dialog in this process');
      return { ok: true, value: await opts.showFileDialog(checkDialogOptions(options)) };
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  });

  const off = opts.service.onAny((event, payload) => {
    const main = opts.mainWebContents();
    if (!main || main.isDestroyed()) return;
    const message: IpcEventMessage = { event, payload };
    main.send(IPC_EVENT, message);
  });

  return () => {
    off();
    opts.ipcMain.removeHandler(IPC_CALL);
    opts.ipcMain.removeHandler(IPC_DIALOG);
  };
}
