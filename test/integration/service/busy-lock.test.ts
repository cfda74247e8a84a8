// A busy project file answers a typed retryable error (HTTP 503 + Retry-After, no stack); a second service cannot open a held project.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps, type ServiceDeps } from '../../../src-main/service/deps.js';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { startHttpServer, type RunningHttpServer } from '../../../src-main/transport/http.js';
import { KpsError, toErrorShape } from '../../../src-main/core/errors.js';
import { embeddedSample, schema5, tempDir } from '../../unit/store/fixtures.js';

let dir: string;
let cleanup: () => void;
let file: string;
let deps: ServiceDeps;
const services: Service[] = [];
let server: RunningHttpServer | null = null;

async function service(): Promise<Service> {
  const s = new Service({ mode: 'web', deps });
  services.push(s);
  return s;
}

beforeEach(async () => {
  ({ dir, cleanup } = tempDir('kps-busy-'));
  file = join(dir, 'p.kps');
  const store = createProject(file, schema5);
  store.importSamples([embeddedSample(1), embeddedSample(2)], 'import');
  store.close();
  const real = await loadDefaultDeps();
  // A short busy timeout keeps the test quick; the app's default is 1 s.
  deps = { ...real, openProject: (path, opts) => openProject(path, { ...opts, busyTimeoutMs: 50 }) };
});

afterEach(async () => {
  await server?.close();
  server = null;
  for (const s of services.splice(0)) await s.shutdown();
  cleanup();
});

const edit = { sampleId: 1, edits: [{ index: 0, x: 3.5, y: 2.5, state: 'labelled' as const }] };

describe('busy project file', () => {
  it('labels.set answers code busy, retryable, while another connection holds the write lock, then succeeds', async () => {
    const s = await service();
    await s.call('project.open', { path: file });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let caught: unknown;
    try {
      await s.call('labels.set', edit);
    } catch (err) {
      caught = err;
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(caught).toBeInstanceOf(KpsError);
    const shape = toErrorShape(caught);
    expect(shape.code).toBe('busy');
    expect(shape.retryable).toBe(true);
    expect(shape.retryAfterMs).toBeGreaterThan(0);
    expect(shape.message).toContain(file);
    // Nothing was half written, and the retry goes through.
    expect((await s.call('sample.get', { id: 1 })).keypoints[0].x).not.toBe(3.5);
    await s.call('labels.set', edit);
    expect((await s.call('sample.get', { id: 1 })).keypoints[0].x).toBe(3.5);
  });

  it('over HTTP a busy database is 503 with Retry-After and no stack trace, not 500 internal', async () => {
    const s = await service();
    await s.call('project.open', { path: file });
    server = await startHttpServer({ service: s, staticDir: null });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let res: Response;
    let text: string;
    try {
      res = await fetch(`http://127.0.0.1:${server.port}/api/labels.set${server.token ? `?token=${server.token}` : ''}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(edit),
      });
      text = await res.text();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = JSON.parse(text) as { error: { code: string; retryable?: boolean; message: string } };
    expect(body.error.code).toBe('busy');
    expect(body.error.retryable).toBe(true);
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('SqliteError');
  });
});

describe('one writer per project through the service', () => {
  it('a second service cannot open a project another service has open: a clear conflict naming the holder', async () => {
    const a = await service();
    await a.call('project.open', { path: file });
    const b = await service();
    const err = await b.call('project.open', { path: file }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KpsError);
    expect((err as KpsError).code).toBe('conflict');
    expect((err as KpsError).message).toContain(`pid ${process.pid}`);
    expect((err as KpsError).message).toMatch(/already open/);
    // The first still edits; after it closes, the second opens.
    await a.call('labels.set', edit);
    await a.call('project.close', {});
    const info = await b.call('project.open', { path: file });
    expect(info.path).toBe(file);
  });

  it('opening the project a service already has open again keeps it open (no self-conflict)', async () => {
    const a = await service();
    await a.call('project.open', { path: file });
    const info = await a.call('project.open', { path: file });
    expect(info.sampleCount).toBe(2);
    await a.call('labels.set', edit);
  });

  it('a read-only open beside the writer reads the current data and refuses writes with a clear message', async () => {
    const a = await service();
    await a.call('project.open', { path: file });
    await a.call('labels.set', edit);
    const reader = await service();
    const info = await reader.call('project.open', { path: file, readOnly: true });
    expect(info.sampleCount).toBe(2);
    expect((await reader.call('sample.get', { id: 1 })).keypoints[0].x).toBe(3.5);
    const change = { sampleId: 1, edits: [{ index: 1, x: 1.5, y: 1.5, state: 'labelled' as const }] };
    const err = await reader.call('labels.set', change).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(KpsError);
    expect((err as KpsError).code).toBe('conflict');
    expect((err as KpsError).message).toMatch(/read-only/);
  });
});
