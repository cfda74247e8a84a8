// The preload bridge: exposes only `window.kps` (call, on, imageUrl, openFileDialog, mode) to the sandboxed renderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_NAMES, OP_NAMES, type EventName } from '../api/ops.js';
import { electronImageUrl, IPC_CALL, IPC_DIALOG, IPC_EVENT, type FileDialogOptions, type IpcEventMessage, type IpcReply } from '../api/ipc.js';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

// One IPC listener for all events, fanned out here, so the page never touches ipcRenderer.
ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, message: IpcEventMessage) => {
  const set = listeners.get(message.event);
  if (!set) return;
  for (const l of [...set]) l(message.payload);
});

/** Reject with the service's error shape itself (a plain object crosses the context bridge whole; an Error does not). */
async function unwrap(reply: Promise<IpcReply>): Promise<unknown> {
  const r = await reply;
  if (r.ok) return r.value;
  throw r.error;
}

const bridge = {
  mode: 'electron' as const,
  call(op: string, req: unknown): Promise<unknown> {
    if (!(OP_NAMES as readonly string[]).includes(op)) return Promise.reject({ code: 'not-found', message: `unknown operation "${op}"` });
    return unwrap(ipcRenderer.invoke(IPC_CALL, { op, req }) as Promise<IpcReply>);
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!(EVENT_NAMES as readonly string[]).includes(event as EventName)) throw new Error(`unknown event "${event}"`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
    };
  },
  imageUrl(sampleId: number): string {
    return electronImageUrl(sampleId);
  },
  openFileDialog(options: FileDialogOptions): Promise<string | null> {
    return unwrap(ipcRenderer.invoke(IPC_DIALOG, options) as Promise<IpcReply>) as Promise<string | null>;
  },
};

contextBridge.exposeInMainWorld('kps', bridge);
