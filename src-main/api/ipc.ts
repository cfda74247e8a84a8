// Electron IPC channel names and message shapes, shared by the main process binding and the preload (no Node, no electron).
import type { EventName, Events, OpName, OpRequest, OpResponse, ServiceErrorShape } from './ops.js';

/** Renderer -> main: `{ op, req }`, answered with an IpcReply. */
export const IPC_CALL = 'kps:call';
/** Main -> renderer: `{ event, payload }` for every service event. */
export const IPC_EVENT = 'kps:event';
/** Renderer -> main: a native open/save dialog; answered with the chosen path or null. */
export const IPC_DIALOG = 'kps:dialog';

export interface IpcCallMessage {
  op: string;
  req: unknown;
}

/** Errors are returned as values: Electron flattens a thrown error into a message string and loses its shape. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ServiceErrorShape };

export interface IpcEventMessage {
  event: EventName;
  payload: unknown;
}

export interface FileDialogOptions {
  title?: string;
  /** 'file' (default) picks one existing file, 'folder' one directory, 'save' a path to write. */
  kind?: 'file' | 'folder' | 'save';
  filters?: { name: string; extensions: string[] }[];
  defaultPath?: string;
}

/** What the preload exposes as `window.kps` (the renderer's whole view of the main process). */
export interface KpsBridge {
  call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  imageUrl(sampleId: number): string;
  openFileDialog(options: FileDialogOptions): Promise<string | null>;
  readonly mode: 'electron';
}

/** The custom protocol that serves sample pixels in Electron: `kps-image://sample/<id>`. */
export const IMAGE_SCHEME = 'kps-image';
export function electronImageUrl(sampleId: number): string {
  return `${IMAGE_SCHEME}://sample/${sampleId}`;
}
