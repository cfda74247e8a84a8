// The renderer's one API client: Electron IPC through the preload bridge when present, else HTTP + WebSocket (web mode).
import type { ApiClient, ServiceErrorShape } from '../../src-main/api/ops.js';
import { createWebClient } from '../../src-main/api/web-client.js';
import { createElectronClient, pageToken, ServiceError, type FileDialogOptions, type KpsBridge } from './bridge.js';

export { ServiceError };
export type { FileDialogOptions };

declare global {
  interface Window {
    kps?: KpsBridge;
  }
}

function chooseClient(): ApiClient {
  if (window.kps && window.kps.mode === 'electron') return createElectronClient(window.kps);
  let session: Storage | null = null;
  try {
    session = window.sessionStorage;
  } catch {
    session = null;
  }
  // The service's isomorphic web client (the same code the tests use from Node): POST /api/<op>, events over /ws.
  return createWebClient({ baseUrl: window.location.href, token: pageToken(window.location.search, session) });
}

/** Whether the page runs inside Electron (native file dialogs available). */
export const isElectron = typeof window !== 'undefined' && !!window.kps && window.kps.mode === 'electron';

/** Native file dialog in Electron; null in web mode (the user types a path on the server instead). */
export async function openFileDialog(options: FileDialogOptions): Promise<string | null> {
  if (!isElectron || !window.kps?.openFileDialog) return null;
  return window.kps.openFileDialog(options);
}

export const api: ApiClient = chooseClient();

/** The service's error shape carried by a failed call (web or Electron), or null for other errors. */
export function shapeOf(err: unknown): ServiceErrorShape | null {
  const s = (err as { shape?: unknown } | null)?.shape;
  if (s && typeof s === 'object' && typeof (s as ServiceErrorShape).message === 'string') return s as ServiceErrorShape;
  return null;
}

/** A readable one-line message for any error a call may throw, naming the file and record when the service gave them. */
export function errorMessage(err: unknown): string {
  const s = shapeOf(err);
  if (s) {
    // The service's messages already name the file and record for import errors; add them only when absent.
    if (s.file && !s.message.includes(s.file)) return `${s.file}${s.record !== undefined ? `, record ${s.record}` : ''}: ${s.message}`;
    return s.message;
  }
  return err instanceof Error ? err.message : String(err);
}

// Image URLs name a sample id only, and Chromium hands out an image already loaded by this document for the same URL
// without asking the server again (whatever the cache headers say): after opening another project, /image/4 would
// still show the first project's sample 4. So every image URL carries the project it was made for.
let imageScope = 0;
let imageScopePath: string | null = null;
const unscopedImageUrl = api.imageUrl.bind(api);
api.imageUrl = (sampleId: number): string => {
  const u = unscopedImageUrl(sampleId);
  return `${u}${u.includes('?') ? '&' : '?'}p=${imageScope}`;
};

/** Called whenever the open project is set: another project gets new image URLs. */
export function setImageScope(projectPath: string | null): void {
  if (projectPath === imageScopePath) return;
  imageScopePath = projectPath;
  imageScope++;
}
