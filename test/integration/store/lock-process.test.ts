// Across processes: a running `kps serve` holds its project; another writer (this process, `kps import`) is refused
// with a message naming it, `kps stats` still reads, and after the server is SIGKILLed its stale lock is taken over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/data.js';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { KpsError } from '../../../src-main/core/errors.js';
import type { DatasetStats } from '../../../src-main/api/ops.js';
import { embeddedSample, schema5, tempDir } from '../../unit/store/fixtures.js';

const MAIN = join(repoRoot, 'src-main', 'cli', 'main.ts');
let dir: string;
let cleanup: () => void;
let file: string;
let server: ChildProcess | null = null;

function kps(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function urlLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m && out.includes('\n')) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('kps-lock-proc-'));
  file = join(dir, 'faces.kps');
  const store = createProject(file, schema5);
  store.importSamples([embeddedSample(1), embeddedSample(2)], 'import');
  store.close();
});

afterAll(() => {
  server?.kill('SIGKILL');
  cleanup();
});

/** A child that waits until `at` (epoch ms), then tries to open the project and holds it for `holdMs`. */
function racer(at: number, holdMs: number): Promise<string> {
  const store = join(repoRoot, 'src-main', 'store', 'project.ts');
  const code = `const { openProject } = await import(${JSON.stringify(store)});
    while (Date.now() < ${at}) await new Promise((r) => setTimeout(r, 1));
    try { const s = openProject(${JSON.stringify(file)}); process.stdout.write('ok'); await new Promise((r) => setTimeout(r, ${holdMs})); s.close(); }
    catch (e) { process.stdout.write(e.code === 'conflict' ? 'refused' : 'error ' + e.message); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

describe('one writer per project across processes', () => {
  it('of three processes opening the project at the same moment, exactly one gets it', async () => {
    const results = await Promise.all([0, 1, 2].map(() => racer(Date.now() + 8000, 6000)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused')).toHaveLength(2);
  }, 60_000);

  it('refuses a second writer while kps serve holds the project, lets kps stats read, and takes over after SIGKILL', async () => {
    server = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', file, '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = new URL(await urlLine(server));
    const pid = server.pid!;

    // This process: refused, naming the server.
    let err: unknown;
    try {
      openProject(file).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KpsError);
    expect((err as KpsError).code).toBe('conflict');
    expect((err as KpsError).message).toContain(file);
    expect((err as KpsError).message).toContain(`pid ${pid}`);
    expect((err as KpsError).message).toContain('kps serve');

    // A CLI writer: one clear line, exit 1, and nothing imported.
    const csv = join(dir, 'more.csv');
    writeFileSync(csv, 'Image\n' + '1 '.repeat(96 * 96).trim() + '\n');
    const imp = kps('import', file, csv, '--format', 'kaggle-csv');
    expect(imp.code).toBe(1);
    expect(imp.stderr.trim().split('\n')).toHaveLength(1);
    expect(imp.stderr).toMatch(/^kps: error: .*faces\.kps is already open by another process \(pid \d+/);
    expect(imp.stderr).toContain(`pid ${pid}`);

    // An edit through the server, then a read-only CLI reader sees it beside the running server.
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const token = url.searchParams.get('token');
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(new URL('/api/labels.set', url), { method: 'POST', headers, body: JSON.stringify({ sampleId: 1, edits: [{ index: 0, x: 4.25, y: 1.5, state: 'labelled' }] }) });
    expect(res.status).toBe(200);
    const stats = kps('stats', file, '--json');
    expect(stats.stderr).toBe('');
    expect(stats.code).toBe(0);
    expect((JSON.parse(stats.stdout) as DatasetStats).sampleCount).toBe(2);

    // SIGKILL: no cleanup ran, the lock file is left behind, and its pid is gone: the next open takes it over.
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    server = null;
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid });
    const store = openProject(file);
    try {
      expect(store.getSample(1).keypoints[0].x).toBe(4.25);
      expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    } finally {
      store.close();
    }
  }, 120_000);
});
