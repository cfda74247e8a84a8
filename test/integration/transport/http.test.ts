// HTTP + WebSocket transport against a real server on 127.0.0.1: ops, NaN round trip, events, images, static, tokens, malformed requests.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import WebSocket from 'ws';
import { Service } from '../../../src-main/service/service.js';
import { startHttpServer, type RunningHttpServer } from '../../../src-main/transport/http.js';
import { createWebClient, ApiCallError, type WebSocketCtor } from '../../../src-main/api/web-client.js';
import { decodeWire, encodeWire } from '../../../src-main/api/ops.js';
import { fakeDeps, tempDir } from '../../unit/service/fakes.js';

let tmp: ReturnType<typeof tempDir>;
let service: Service;
let server: RunningHttpServer;

/** The Bearer header of the running server's token. */
function auth(): Record<string, string> {
  return { Authorization: `Bearer ${server.token}` };
}

/** GET with the token unless `headers` is given (then exactly those headers). */
function get(path: string, headers: Record<string, string> = auth()): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
}

/** POST JSON with the token unless `headers` is given (then exactly those headers, plus the content type). */
async function post(path: string, body: unknown, headers: Record<string, string> = auth()): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : encodeWire(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? decodeWire(text) : null };
}

async function seed(n: number): Promise<number[]> {
  await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
  const file = join(tmp.dir, 'd.txt');
  writeFileSync(file, String(n));
  const { jobId } = await service.call('import.start', { path: file, format: 'kaggle-csv' });
  await service.call('job.wait', { jobId });
  return (await service.call('samples.ids', {})).ids;
}

/** The status a WebSocket upgrade gets: 101 when it opens. */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

/** A request exactly as written (fetch would re-encode a malformed path), with a 10 s limit. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

beforeEach(() => {
  tmp = tempDir();
  service = new Service({ mode: 'web', deps: fakeDeps() });
});

afterEach(async () => {
  await server?.close();
  await service.shutdown();
  tmp.cleanup();
});

describe('HTTP transport on loopback', () => {
  beforeEach(async () => {
    const web = join(tmp.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Keypoint Studio</title>');
    writeFileSync(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
    server = await startHttpServer({ service, port: 0, staticDir: web });
  });

  it('prints a loopback URL with a token, as Jupyter does', () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('answers 401 on loopback to API, image, page and WebSocket requests without the token', async () => {
    const ids = await seed(1);
    const api = await post('/api/project.info', {}, {});
    expect(api.status).toBe(401);
    expect((api.body as { error: { code: string } }).error.code).toBe('unauthorized');
    // What any other local process could do: export over ~/.bashrc, read images.
    expect((await post('/api/export.start', { out: join(tmp.dir, 'x.csv'), format: 'kaggle-csv' }, {})).status).toBe(401);
    // An <img> on a foreign page must not be able to probe which sample ids exist.
    expect((await get(`/image/${ids[0]}`, {})).status).toBe(401);
    expect((await get('/', {})).status).toBe(401);
    expect((await get('/api', {})).status).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/ws`)).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)).toBe(101);
    expect((await get(`/image/${ids[0]}`)).status).toBe(200);
  });

  it('answers malformed percent-encoding, cookies, ids and bodies with 400 and keeps serving', async () => {
    const t = server.token!;
    const cookie = `kps_token_${server.port}`;
    // Each of these threw out of the request handler and ended the process.
    expect((await rawRequest('GET', '/api/%E0', auth())).status).toBe(400);
    expect((await rawRequest('POST', '/api/%E0', { ...auth(), 'Content-Type': 'application/json' }, '{}')).status).toBe(400);
    expect((await rawRequest('GET', '/api/%E0', {})).status).toBe(401);
    expect((await rawRequest('GET', '/', { Cookie: `${cookie}=%E0` })).status).toBe(401);
    expect((await rawRequest('GET', '/', { Cookie: `${cookie}=%E0; other=%` })).status).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/ws`, { Cookie: `${cookie}=%E0` })).toBe(401);
    expect((await rawRequest('GET', '/?token=%E0%', {})).status).toBe(401);
    expect((await rawRequest('GET', `/%E0?token=${t}`, {})).status).toBe(400);
    expect((await rawRequest('GET', `/assets/%E0.js?token=${t}`, {})).status).toBe(400);
    expect((await rawRequest('GET', `/a%00b.js?token=${t}`, {})).status).toBe(400);
    expect((await rawRequest('GET', '/image/%E0', auth())).status).toBe(400);
    expect((await rawRequest('GET', '/image/1?size=%E0', auth())).status).toBe(400);
    expect((await rawRequest('GET', '/image/123456789012345678901234567890', auth())).status).toBe(400);
    expect((await post('/api/project.info', '{"a":')).status).toBe(400);
    // Deep nesting overflows the wire codec's reviver: bad input, not a crash.
    expect((await post('/api/project.info', '['.repeat(200_000) + '{"$num":"NaN"}' + ']'.repeat(200_000))).status).toBe(400);
    // A WebSocket client sending garbage (or a binary frame) is ignored, and the socket stays usable.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${t}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send('%E0{"not json');
    ws.send(Buffer.from([0xe0, 0x80]));
    const pong = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('ping');
    expect(await pong).toBe('pong');
    ws.close();
    expect((await post('/api/project.info', {})).status).toBe(200);
  });

  it('answers 500 to a failure inside an operation, logs it, and keeps serving', async () => {
    const original = service.callUnknown.bind(service);
    service.callUnknown = () => {
      throw new TypeError('simulated bug');
    };
    const logged: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (logged.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const res = await post('/api/project.info', {});
      expect(res.status).toBe(500);
      expect((res.body as { error: { code: string } }).error.code).toBe('internal');
    } finally {
      process.stderr.write = write;
      service.callUnknown = original;
    }
    expect(logged.join('')).toMatch(/internal error: TypeError: simulated bug/);
    expect((await post('/api/project.info', {})).status).toBe(200);
  });

  it('calls operations and maps errors to HTTP statuses', async () => {
    expect(await post('/api/project.info', {})).toEqual({ status: 200, body: null });
    const created = await post('/api/project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    expect(created.status).toBe(200);
    expect((created.body as { name: string }).name).toBe('p');
    const bad = await post('/api/project.open', { path: 3 });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { code: string } }).error.code).toBe('bad-input');
    const missing = await post('/api/sample.get', { id: 12345 });
    expect(missing.status).toBe(404);
    expect((missing.body as { error: { message: string } }).error.message).toMatch(/sample 12345/);
    const unknown = await post('/api/no.such', {});
    expect(unknown.status).toBe(404);
    const conflict = await post('/api/project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    expect(conflict.status).toBe(409);
    const notJson = await post('/api/project.info', '{oops');
    expect(notJson.status).toBe(400);
  });

  it('lists the operations and events at GET /api', async () => {
    const res = await get('/api');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ops: string[]; events: string[] };
    expect(body.ops).toEqual(expect.arrayContaining(['project.create', 'import.start', 'labels.set', 'job.wait']));
    expect(body.events).toEqual(['job.progress', 'job.ended', 'dataset.changed', 'project.changed']);
    expect((await get('/api/project.info')).status).toBe(405);
  });

  it('refuses API calls that a cross-site page could forge', async () => {
    const plain = await fetch(`http://127.0.0.1:${server.port}/api/project.info`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...auth() }, body: '{}' });
    expect(plain.status).toBe(415);
    const foreign = await post('/api/project.info', {}, { Origin: 'http://evil.example', ...auth() });
    expect(foreign.status).toBe(403);
    // fetch will not set Host; node:http will (a DNS-rebinding page reaches us with its own host name).
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/api/project.info', method: 'POST', headers: { 'Content-Type': 'application/json', Host: 'evil.example', ...auth() } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(rebinding).toBe(403);
  });

  it('keeps NaN (missing keypoints) through the wire codec both ways', async () => {
    const ids = await seed(3);
    const sample = await post('/api/sample.get', { id: ids[0] });
    const kp = (sample.body as { keypoints: { x: number; state: string }[] }).keypoints[0];
    expect(kp.state).toBe('missing');
    expect(Number.isNaN(kp.x)).toBe(true);
    // A labelled keypoint marked missing again: NaN is sent as {"$num":"NaN"}.
    await post('/api/labels.set', { sampleId: ids[1], edits: [{ index: 0, x: 1, y: 2, state: 'labelled' }] });
    const r = await post('/api/labels.set', { sampleId: ids[1], edits: [{ index: 0, x: NaN, y: NaN, state: 'missing' }] });
    expect(r.status).toBe(200);
    expect((await service.call('sample.get', { id: ids[1] })).keypoints[0].state).toBe('missing');
    // Hand-written JSON may use null for a missing coordinate.
    const viaNull = await post('/api/labels.set', '{"sampleId":' + ids[2] + ',"edits":[{"index":1,"x":null,"y":null,"state":"missing"}]}');
    expect(viaNull.status).toBe(200);
  });

  it('pushes events over the WebSocket: import job progress, end, and dataset.changed', async () => {
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    const client = createWebClient({ baseUrl: server.url, token: server.token, WebSocket: WebSocket as unknown as WebSocketCtor });
    const seen: string[] = [];
    const ended = new Promise<unknown>((resolve) => client.on('job.ended', resolve));
    client.on('job.progress', () => seen.push('progress'));
    const changed = new Promise<unknown>((resolve) => client.on('dataset.changed', resolve));
    await client.connected();
    const file = join(tmp.dir, 'd.txt');
    writeFileSync(file, '25');
    const { jobId } = await client.call('import.start', { path: file, format: 'kaggle-csv' });
    expect(await ended).toMatchObject({ jobId, state: 'done', result: { count: 25 } });
    expect(await changed).toEqual({ sampleIds: null, reason: 'import' });
    expect(seen.length).toBeGreaterThan(0);
    const failure = await client.call('sample.get', { id: 999 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiCallError);
    expect((failure as ApiCallError).status).toBe(404);
    client.close();
  });

  it('serves an embedded sample as a PNG with cache validators', async () => {
    const ids = await seed(2);
    const url = `http://127.0.0.1:${server.port}/image/${ids[0]}?token=${server.token}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([8, 6]);
    const again = await fetch(url, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect((await get('/image/99999')).status).toBe(404);
    expect((await get('/image/abc')).status).toBe(400);
  });

  it('serves a file-backed sample as the file itself, and a smaller JPEG with ?size=', async () => {
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    const image = join(tmp.dir, 'face.jpg');
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();
    writeFileSync(image, jpeg);
    const list = join(tmp.dir, 'one.txt');
    writeFileSync(list, `file ${image} 640 480`);
    const { jobId } = await service.call('import.start', { path: list, format: 'kaggle-csv' });
    expect((await service.call('job.wait', { jobId })).state).toBe('done');
    const [id] = (await service.call('samples.ids', {})).ids;
    const res = await get(`/image/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
    const thumb = await get(`/image/${id}?size=160`);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 120]);
    expect((await get(`/image/${id}?size=3`)).status).toBe(400);
  });

  it('serves the renderer with an SPA fallback and refuses path traversal', async () => {
    const root = await get('/');
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('Keypoint Studio');
    const route = await get('/gallery/12');
    expect(await route.text()).toContain('Keypoint Studio');
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get('/assets/missing.js')).status).toBe(404);
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBeGreaterThanOrEqual(400);
  });
});

describe('HTTP transport on a non-loopback bind', () => {
  beforeEach(async () => {
    const web = join(tmp.dir, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Keypoint Studio</title>');
    // Bound to every interface; the test connects through 127.0.0.1.
    server = await startHttpServer({ service, host: '0.0.0.0', port: 0, staticDir: web });
  });

  it('generates a token and puts it in the printed URL', () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('answers 401 to API, image, static and WebSocket requests without the token', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const api = await post('/api/project.info', {}, {});
    expect(api.status).toBe(401);
    expect((api.body as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await post('/api/project.info', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`${base}/image/1`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=nope`)).status).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${server.port}/ws`)).toBe(401);
  });

  it('accepts the token as a Bearer header, a query parameter, and the cookie set by the first page load', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const t = server.token!;
    expect((await post('/api/project.info', {}, { Authorization: `Bearer ${t}` })).status).toBe(200);
    const page = await fetch(`${base}/?token=${t}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!;
    // Named by port: cookies are shared by every port of 127.0.0.1, and two servers must not clobber each other's.
    expect(cookie).toMatch(new RegExp(`^kps_token_${server.port}=.*HttpOnly.*SameSite=Strict`));
    const cookiePair = cookie.split(';')[0];
    expect((await fetch(`${base}/`, { headers: { Cookie: cookiePair } })).status).toBe(200);
    const ids = await seed(1);
    expect((await fetch(`${base}/image/${ids[0]}?token=${t}`)).status).toBe(200);

    const client = createWebClient({ baseUrl: server.url, token: t, WebSocket: WebSocket as unknown as WebSocketCtor });
    const changed = new Promise<unknown>((resolve) => client.on('dataset.changed', resolve));
    await client.connected();
    await client.call('labels.set', { sampleId: ids[0], edits: [{ index: 3, x: 4, y: 5, state: 'labelled' }] });
    expect(await changed).toEqual({ sampleIds: [ids[0]], reason: 'labels' });
    expect(client.imageUrl(ids[0])).toBe(`${base}/image/${ids[0]}?token=${t}`);
    client.close();
  });
});
