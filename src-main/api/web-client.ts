// ApiClient over HTTP + WebSocket (web mode). Isomorphic: browser globals, or Node with `ws` passed in. Uses the api.ts wire codec.
import {
  decodeWire,
  encodeWire,
  type ApiClient,
  type EventName,
  type Events,
  type OpName,
  type OpRequest,
  type OpResponse,
  type ServiceErrorShape,
} from './ops.js';

/** The subset of the WebSocket API the client needs (browser WebSocket and the `ws` package both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
  send(data: string): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

/** An operation failed on the server: carries the service's error shape and the HTTP status. */
export class ApiCallError extends Error {
  readonly shape: ServiceErrorShape;
  readonly status: number;
  constructor(shape: ServiceErrorShape, status: number) {
    super(shape.message);
    this.name = 'ApiCallError';
    this.shape = shape;
    this.status = status;
  }
}

export interface WebClientOptions {
  /** e.g. `http://127.0.0.1:8080/` or the page's URL in a browser; only its origin is used (the API lives at the root). */
  baseUrl: string;
  /** The server's token; by default the `?token=` of baseUrl (as `kps serve` prints it), if any. */
  token?: string | null;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketCtor;
  fetch?: typeof fetch;
}

export interface WebClient extends ApiClient {
  /** Resolves once the event socket is open (events sent before that are not seen). */
  connected(): Promise<void>;
  close(): void;
}

export function createWebClient(opts: WebClientOptions): WebClient {
  const base = new URL(opts.baseUrl);
  // The URL `kps serve` prints carries the token: use it when none is given.
  const token = opts.token ?? base.searchParams.get('token');
  base.search = '';
  base.hash = '';
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const WS = opts.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketCtor }).WebSocket;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let socket: WebSocketLike | null = null;
  let closed = false;
  let retryMs = 250;
  let openWaiters: (() => void)[] = [];
  let isOpen = false;

  const withToken = (u: URL): string => {
    if (token) u.searchParams.set('token', token);
    return u.toString();
  };

  const connect = (): void => {
    if (closed || socket || !WS) return;
    const u = new URL('/ws', base);
    u.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WS(withToken(u));
    socket = ws;
    ws.onopen = () => {
      isOpen = true;
      retryMs = 250;
      for (const w of openWaiters.splice(0)) w();
    };
    ws.onmessage = (ev) => {
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data);
      if (text === 'pong') return;
      let msg: { event?: string; payload?: unknown };
      try {
        msg = decodeWire(text) as { event?: string; payload?: unknown };
      } catch {
        return;
      }
      if (!msg.event) return;
      for (const l of [...(listeners.get(msg.event) ?? [])]) l(msg.payload);
    };
    ws.onclose = () => {
      socket = null;
      isOpen = false;
      if (closed) return;
      // Reconnect with backoff: the server may restart, a laptop may sleep.
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
    ws.onerror = () => {
      /* onclose follows and reconnects */
    };
  };

  return {
    async call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>> {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      const res = await doFetch(new URL(`/api/${op}`, base).toString(), { method: 'POST', headers, body: encodeWire(req ?? {}) });
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? decodeWire(text) : null;
      } catch {
        throw new ApiCallError({ code: 'internal', message: `${op}: the server sent a response that is not JSON (HTTP ${res.status})` }, res.status);
      }
      if (!res.ok) {
        const shape = (body as { error?: ServiceErrorShape } | null)?.error ?? { code: 'internal', message: `${op}: HTTP ${res.status}` };
        throw new ApiCallError(shape, res.status);
      }
      return body as OpResponse<K>;
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      connect();
      return () => set!.delete(l);
    },
    imageUrl(sampleId: number): string {
      return withToken(new URL(`/image/${sampleId}`, base));
    },
    connected(): Promise<void> {
      connect();
      if (isOpen) return Promise.resolve();
      return new Promise((r) => openWaiters.push(r));
    },
    close(): void {
      closed = true;
      openWaiters = [];
      socket?.close();
      socket = null;
    },
  };
}
