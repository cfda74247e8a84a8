// HTTP + WebSocket binding of the service table (web mode): POST /api/<op>, WS /ws events, GET /image/<id>, the built renderer.
//
// Security model (as Jupyter's): every request needs a random token, printed once at start in the URL, on loopback
// too (any local user's process, and any web page through an <img>, can reach 127.0.0.1, and a token holder can read
// and write files as the user who runs the server). The token goes as `Authorization: Bearer <t>`, `?token=<t>`
// (images, the WebSocket, the first page load), or the HttpOnly SameSite=Strict cookie set when a page load carried
// a valid `?token=`. On loopback, the Host header must name a loopback address (against DNS rebinding), and API
// calls must be `Content-Type: application/json` with no foreign Origin (a cross-site page cannot send either without
// a CORS preflight, which this server never grants). No request, however malformed, ends the process: a bad one
// gets 400, and anything unexpected is logged and answered 500.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, statSync, createReadStream } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { jsonSyntaxProblem, KpsError, quoteExcerpt, toErrorShape } from '../core/errors.js';
import { decodeWire, encodeWire, EVENT_NAMES, OP_NAMES, type ServiceErrorShape } from '../api/ops.js';
import type { Service } from '../service/service.js';

export interface HttpServerOptions {
  service: Service;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The built renderer (dist-web/); null serves the API only. */
  staticDir?: string | null;
  /** The token to require (at least 16 characters); by default a random one. There is no token-free mode. */
  token?: string;
}

export interface RunningHttpServer {
  server: Server;
  host: string;
  port: number;
  /** The token every request needs. */
  token: string;
  /** What a user opens: `http://127.0.0.1:<port>/?token=<token>` (or the bound host). */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;
/** Cookies are not port-scoped: two servers on 127.0.0.1 must not overwrite each other's token cookie. */
const cookieName = (port: number): string => `kps_token_${port}`;
const MIN_TOKEN = 16;

const STATUS: Record<ServiceErrorShape['code'], number> = {
  'bad-input': 400,
  unauthorized: 401,
  'not-found': 404,
  conflict: 409,
  'no-project': 409,
  cancelled: 409,
  internal: 500,
  busy: 503,
};

export function errorStatus(code: ServiceErrorShape['code']): number {
  return STATUS[code] ?? 500;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function hostOfHeader(hostHeader: string): string {
  // "[::1]:8080" -> "::1"; "127.0.0.1:8080" -> "127.0.0.1"
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  const i = hostHeader.lastIndexOf(':');
  return i >= 0 ? hostHeader.slice(0, i) : hostHeader;
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** decodeURIComponent that answers null instead of throwing on malformed percent-encoding (`%E0`). */
export function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    // A malformed value is simply not our token.
    if (k === name) return safeDecode(v.join('='));
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = encodeWire(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function logInternal(err: unknown): void {
  // A bug, not bad input: keep the stack on the server's stderr for whoever runs `kps serve`.
  process.stderr.write(`kps serve: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}

function sendError(res: ServerResponse, err: unknown): void {
  const shape = toErrorShape(err);
  if (shape.code === 'internal') logInternal(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Retryable (busy): say when, so clients and proxies retry instead of giving up.
  if (shape.retryable && shape.retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(shape.retryAfterMs / 1000))));
  sendJson(res, errorStatus(shape.code), { error: shape });
}

/** The last-resort guard: whatever a handler threw is logged and answered 500 (or the connection dropped), never rethrown. */
function answerUnexpected(res: ServerResponse, err: unknown): void {
  logInternal(err);
  try {
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { error: { code: 'internal', message: 'internal error (logged by the server)' } satisfies ServiceErrorShape });
  } catch {
    res.destroy();
  }
}

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: { code: 'bad-input', message } satisfies ServiceErrorShape });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new KpsError('bad-input', `request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Start the web-mode server. Resolves once it listens. */
export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const service = opts.service;
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (opts.token !== undefined && opts.token.length < MIN_TOKEN) throw new Error(`the token must be at least ${MIN_TOKEN} characters long`);
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const staticDir = opts.staticDir ? resolve(opts.staticDir) : null;

  let cookie = cookieName(opts.port ?? 0);
  const authorised = (req: IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const auth = req.headers.authorization;
    if (auth && auth.startsWith('Bearer ') && sameToken(auth.slice(7).trim(), token)) return { ok: true, viaQuery: false };
    if (sameToken(url.searchParams.get('token'), token)) return { ok: true, viaQuery: true };
    if (sameToken(cookieValue(req.headers.cookie, cookie), token)) return { ok: true, viaQuery: false };
    return { ok: false, viaQuery: false };
  };

  /** Against DNS rebinding on loopback binds: the browser must have addressed us by a loopback name. */
  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!loopback) return true;
    const h = req.headers.host;
    return h !== undefined && isLoopbackHost(hostOfHeader(h));
  };

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (!origin || origin === 'null') return origin === undefined;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  const unauthorised = (res: ServerResponse, why: string): void => {
    sendJson(res, 401, { error: { code: 'unauthorized', message: why } satisfies ServiceErrorShape });
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, op: string): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, { error: { code: 'bad-input', message: `use POST /api/${op}` } });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      sendJson(res, 415, { error: { code: 'bad-input', message: 'the request body must be Content-Type: application/json' } });
      return;
    }
    if (!originAllowed(req)) {
      sendJson(res, 403, { error: { code: 'unauthorized', message: 'cross-origin requests are not allowed' } });
      return;
    }
    try {
      const text = await readBody(req);
      let body: unknown = {};
      if (text.trim().length > 0) {
        try {
          body = decodeWire(text);
        } catch (err) {
          throw new KpsError('bad-input', `request body is not valid JSON: ${jsonSyntaxProblem(err, text)}`);
        }
      }
      const result = await service.callUnknown(op, body);
      sendJson(res, 200, result ?? null);
    } catch (err) {
      sendError(res, err);
    }
  };

  const handleImage = async (req: IncomingMessage, res: ServerResponse, idText: string, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (!/^\d{1,15}$/.test(idText)) throw new KpsError('bad-input', `bad sample id ${quoteExcerpt(idText)}`);
      const sizeText = url.searchParams.get('size');
      let size: number | undefined;
      if (sizeText !== null) {
        size = Number(sizeText);
        if (!Number.isInteger(size) || size < 16 || size > 4096) throw new KpsError('bad-input', 'size must be an integer from 16 to 4096');
      }
      const img = await service.image(Number(idText), size);
      // The same sample id can show other pixels after another project is opened, so revalidate (cheap 304s).
      const headers = { ETag: img.etag, 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' };
      if (req.headers['if-none-match'] === img.etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': img.contentType, 'Content-Length': img.body.length });
      res.end(req.method === 'HEAD' ? undefined : img.body);
    } catch (err) {
      sendError(res, err);
    }
  };

  const handleStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const rel = safeDecode(pathname);
    // Malformed percent-encoding, or a NUL that no file name holds.
    if (rel === null || rel.includes('\0')) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad path\n');
      return;
    }
    if (!staticDir || !existsSync(join(staticDir, 'index.html'))) {
      const text = 'Keypoint Studio: the web renderer is not built. Run `npm run build:web`, then reload. The API is at /api/<operation>.\n';
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
      return;
    }
    let file = normalize(join(staticDir, rel));
    if (file !== staticDir && !file.startsWith(staticDir + sep)) {
      res.writeHead(403).end();
      return;
    }
    let isFile = existsSync(file) && statSync(file).isFile();
    if (!isFile) {
      // SPA fallback: routes without a file extension get the app; a missing asset is a real 404.
      if (extname(rel) !== '') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      file = join(staticDir, 'index.html');
      isFile = true;
    }
    const type = STATIC_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const size = statSync(file).size;
    // Vite puts content-hashed names under assets/: cache them forever; always revalidate the page itself.
    const immutable = file.startsWith(join(staticDir, 'assets') + sep);
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else {
      // A file that vanished or is unreadable after the stat: drop the connection; an unhandled stream error would end the process.
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      badRequest(res, 'malformed request URL');
      return;
    }
    if (!hostAllowed(req)) {
      sendJson(res, 403, { error: { code: 'unauthorized', message: 'this server answers only requests addressed to 127.0.0.1 or localhost' } });
      return;
    }
    const auth = authorised(req, url);
    if (!auth.ok) {
      unauthorised(res, 'a token is required: open the URL printed by `kps serve` (it ends in ?token=...)');
      return;
    }
    if (auth.viaQuery) {
      res.setHeader('Set-Cookie', `${cookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const path = url.pathname;
    if ((path === '/api' || path === '/api/') && (req.method === 'GET' || req.method === 'HEAD')) {
      // Discoverability for scripts: what can be called and listened to.
      sendJson(res, 200, { ops: OP_NAMES, events: EVENT_NAMES, call: 'POST /api/<op> with a JSON body', events_at: '/ws', images_at: '/image/<sampleId>' });
    } else if (path.startsWith('/api/')) {
      const op = safeDecode(path.slice(5));
      if (op === null) badRequest(res, 'malformed percent-encoding in the operation name');
      else handleApi(req, res, op).catch((err: unknown) => answerUnexpected(res, err));
    } else if (path.startsWith('/image/')) {
      handleImage(req, res, path.slice(7), url).catch((err: unknown) => answerUnexpected(res, err));
    } else if (path === '/ws') {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket upgrade required\n');
    } else {
      handleStatic(req, res, path);
    }
  };

  const server = createServer((req, res) => {
    try {
      handleRequest(req, res);
    } catch (err) {
      answerUnexpected(res, err);
    }
  });
  // A request Node cannot parse (bad header bytes, oversized headers): answer 400 and close that socket only.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.destroy();
      return;
    }
    const reject = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!hostAllowed(req) || !originAllowed(req)) return reject(403, 'Forbidden');
    if (!authorised(req, url).ok) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      (ws as WebSocket & { isAlive?: boolean }).isAlive = true;
      ws.on('pong', () => ((ws as WebSocket & { isAlive?: boolean }).isAlive = true));
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      // Clients only listen; a ping message gets a pong so they can check the link.
      ws.on('message', (data) => {
        if (String(data) === 'ping') ws.send('pong');
      });
    });
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // An upgrade socket has no error listener until ws takes it: a reset must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(req, socket, head);
    } catch (err) {
      logInternal(err);
      socket.destroy();
    }
  });

  const off = service.onAny((event, payload) => {
    if (sockets.size === 0) return;
    const text = encodeWire({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  // Drop dead connections (a laptop that went to sleep) so events are not queued for them forever.
  const heartbeat = setInterval(() => {
    for (const ws of sockets) {
      const w = ws as WebSocket & { isAlive?: boolean };
      if (w.isAlive === false) {
        ws.terminate();
        sockets.delete(ws);
        continue;
      }
      w.isAlive = false;
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  cookie = cookieName(port);
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const shownHost = wildcard || loopback ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/?token=${encodeURIComponent(token)}`;

  return {
    server,
    host,
    port,
    token,
    url,
    close: async () => {
      clearInterval(heartbeat);
      off();
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
