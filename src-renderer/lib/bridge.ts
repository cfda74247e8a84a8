// The Electron side of the renderer's API client: the preload bridge's shape, its ApiClient, errors, and the web token helper.
import { type ApiClient, type EventName, type Events, type OpName, type OpRequest, type OpResponse, type ServiceErrorShape } from '../../src-main/api/ops.js';

// The preload bridge's shape is the contract's (src-main/api/ipc.ts): one KpsBridge for the preload and the renderer.
import type { KpsBridge } from '../../src-main/api/ipc.js';
export type { FileDialogOptions, KpsBridge } from '../../src-main/api/ipc.js';

/** An error thrown by `api.call`: the service's error shape, kept whole so views can show file and record. */
export class ServiceError extends Error {
  readonly shape: ServiceErrorShape;
  readonly status: number | null;
  constructor(shape: ServiceErrorShape, status: number | null = null) {
    super(shape.message);
    this.name = 'ServiceError';
    this.shape = shape;
    this.status = status;
  }
}

function isErrorShape(v: unknown): v is ServiceErrorShape {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string' && typeof (v as { code?: unknown }).code === 'string';
}

/** Electron: the preload already speaks the op table; IPC structured-clones NaN, so no codec is needed. */
export function createElectronClient(bridge: KpsBridge): ApiClient {
  return {
    async call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>> {
      try {
        return (await bridge.call(op, req)) as OpResponse<K>;
      } catch (err) {
        // The preload rejects with the service's error shape itself (a plain object crosses the context bridge whole).
        const maybe = err as { shape?: unknown };
        if (isErrorShape(maybe.shape)) throw new ServiceError(maybe.shape);
        if (isErrorShape(err)) throw new ServiceError(err);
        throw new ServiceError({ code: 'internal', message: err instanceof Error ? err.message : String(err) });
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return bridge.on(event, (payload) => listener(payload as Events[E]));
    },
    imageUrl: (id) => bridge.imageUrl(id),
  };
}

/** The token from `?token=` on first load, remembered for the tab so reloads and in-app navigation keep it. */
export function pageToken(search: string, session: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null): string | null {
  const fromUrl = new URLSearchParams(search).get('token');
  if (fromUrl) {
    try {
      session?.setItem('kps.token', fromUrl);
    } catch {
      // Storage may be disabled; the token still works for this page load.
    }
    return fromUrl;
  }
  try {
    return session?.getItem('kps.token') ?? null;
  } catch {
    return null;
  }
}

