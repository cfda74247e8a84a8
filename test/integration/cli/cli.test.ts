// The `kps` CLI as a user runs it: new, import the real kaggle-proxy training.csv, stats, export, serve, errors, malformed requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireDataDir } from '../../helpers/data.js';
import type { DatasetStats, ProjectInfo } from '../../../src-main/api/ops.js';
import { buildProgram } from '../../../src-main/cli/main.js';

const MAIN = join(repoRoot, 'src-main', 'cli', 'main.ts');

function kps(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kps as a child process, without blocking: for running many at once. */
function kpsAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The CSV parsed independently of the importer: per column the non-empty numeric values. */
function csvColumns(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

let dir: string;
let project: string;
let training: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kps-cli-'));
  project = join(dir, 'faces.kps');
  training = join(requireDataDir(), 'kaggle-proxy', 'training.csv');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first line `kps serve` prints on stdout (its URL line); rejects if the server exits before printing it. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

describe('kps CLI', () => {
  it('kps new creates a project with the schema', () => {
    const r = kps('new', project, '--schema', 'kaggle-15', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as ProjectInfo;
    expect(info.path).toBe(project);
    expect(info.schema.id).toBe('kaggle-15');
    expect(info.schema.keypoints).toHaveLength(15);
    expect(info.sampleCount).toBe(0);
  });

  it('kps import reads the real kaggle-proxy training.csv: 1,045 samples', () => {
    const r = kps('import', project, training, '--format', 'kaggle-csv');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Imported 1045 samples from .*training\.csv \(kaggle-csv\); the project now has 1045 samples\n$/);
    // No progress bar when stderr is not a terminal.
    expect(r.stderr).toBe('');
  });

  it('kps import of the same file again is refused with how to answer, and --on-repeat skip imports nothing', () => {
    const again = kps('import', project, training, '--format', 'kaggle-csv');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/^kps: error: .*training\.csv was already imported on \S+ \(1045 samples, same file content\); rerun with --on-repeat skip\|replace-labels\|add\n$/);
    const skip = kps('import', project, training, '--format', 'kaggle-csv', '--on-repeat', 'skip');
    expect(skip.code).toBe(0);
    expect(skip.stdout).toMatch(/^Skipped .*training\.csv: it was imported before; the project now has 1045 samples\n$/);
    expect(kps('import', project, training, '--format', 'kaggle-csv', '--on-repeat', 'twice').stderr).toMatch(/unknown --on-repeat "twice": use one of skip, replace-labels, add/);
  });

  it('kps stats --json matches figures computed straight from the CSV', () => {
    const r = kps('stats', project, '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const stats = JSON.parse(lines[0]) as DatasetStats;
    const { header, rows } = csvColumns(training);
    expect(stats.sampleCount).toBe(1045);
    expect(rows).toHaveLength(1045);
    expect(stats.imageShapes).toEqual([{ width: 96, height: 96, channels: 1, count: 1045 }]);
    expect(stats.keypoints).toHaveLength(15);
    for (let k = 0; k < 15; k++) {
      const xs = rows.map((row) => row[2 * k]).filter((v) => v !== '').map(Number);
      expect(header[2 * k]).toBe(`${stats.keypoints[k].name}_x`);
      expect(stats.keypoints[k].labelled).toBe(xs.length);
      expect(stats.keypoints[k].missing).toBe(1045 - xs.length);
      expect(stats.keypoints[k].xMean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 6);
    }
    const complete = rows.filter((row) => row.slice(0, 30).every((v) => v !== '')).length;
    expect(stats.completeRows).toBe(complete);
    expect(stats.labelledPerRowHistogram.reduce((a, b) => a + b, 0)).toBe(1045);
    expect(stats.labelledPerRowHistogram[15]).toBe(complete);
  });

  it('kps stats prints a readable table', () => {
    const r = kps('stats', project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1045 samples');
    expect(r.stdout).toMatch(/Image shapes: 96x96x1 \(1045\)/);
    expect(r.stdout).toMatch(/^0\s+left_eye_center\s+\d+/m);
    expect(r.stdout).toContain('Labelled keypoints per row:');
  });

  it('kps export writes a Kaggle CSV with the same header and rows', () => {
    const out = join(dir, 'export.csv');
    const r = kps('export', project, out, '--format', 'kaggle-csv', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 1045, out });
    const exported = csvColumns(out);
    const original = csvColumns(training);
    expect(exported.header).toEqual(original.header);
    expect(exported.rows).toHaveLength(1045);
    // Coordinates read back as the same numbers.
    expect(exported.rows[0].slice(0, 30).map((v) => (v === '' ? null : Number(v)))).toEqual(original.rows[0].slice(0, 30).map((v) => (v === '' ? null : Number(v))));
  });

  it('kps export never replaces an existing file unless --overwrite is given', () => {
    const out = join(dir, 'bashrc');
    writeFileSync(out, 'alias ls="ls --color"\n');
    const r = kps('export', project, out, '--format', 'kaggle-csv');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`kps: error: ${out} already exists; pass --overwrite to replace it`]);
    expect(readFileSync(out, 'utf8')).toBe('alias ls="ls --color"\n');
    const forced = kps('export', project, out, '--format', 'kaggle-csv', '--overwrite', '--json');
    expect(forced.code).toBe(0);
    expect(csvColumns(out).rows).toHaveLength(1045);
  });

  it('a path that does not exist: exit code 1 and one line naming it', () => {
    const missing = join(dir, 'no-such.csv');
    const r = kps('import', project, missing, '--format', 'kaggle-csv');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`kps: error: ${missing}: no such file or folder`);
  });

  it('a bad record: one line with file and record, and the project is unchanged', () => {
    const bad = join(dir, 'bad.csv');
    const { header, rows } = csvColumns(training);
    const broken = [...rows.slice(0, 3)];
    broken[2] = [...broken[2]];
    broken[2][0] = 'abc';
    writeFileSync(bad, [header.join(','), ...broken.map((r) => r.join(','))].join('\n') + '\n');
    const r = kps('import', project, bad, '--format', 'kaggle-csv');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // The third data record (line 4, after the header) has a word where left_eye_center_x's number belongs.
    expect(header[0]).toBe('left_eye_center_x');
    expect(lines[0]).toBe(`kps: error: ${bad}, record 3: (line 4) column left_eye_center_x: "abc" is not a number`);
    const stats = JSON.parse(kps('stats', project, '--json').stdout) as DatasetStats;
    expect(stats.sampleCount).toBe(1045);
  });

  it('usage errors and unknown formats are one line too', () => {
    const r = kps('new', join(dir, 'x.kps'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kps: error: required option '--schema <schema>' not specified/)]);
    const f = kps('export', project, join(dir, 'o.x'), '--format', 'xml');
    expect(f.code).toBe(1);
    expect(f.stderr.trim()).toBe('kps: error: unknown format "xml": use one of kaggle-csv, coco, pts');
    const s = kps('new', join(dir, 'y.kps'), '--schema', 'nope-99');
    expect(s.code).toBe(1);
    expect(s.stderr.trim().split('\n')).toHaveLength(1);
    expect(s.stderr).toMatch(/nope-99/);
  });

  it('the bin entry (bin/kps.js) runs the same CLI', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'kps.js'), 'stats', project, '--json'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as DatasetStats).sampleCount).toBe(1045);
  });

  it('every command has --help: each one commander knows, with its options', async () => {
    // From the program itself, so a command added later is covered without touching this test.
    const program = buildProgram();
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['new', 'import', 'stats', 'export', 'serve', 'bench-train', 'train', 'evaluate', 'predict', 'submit', 'runs', 'qc']));
    const results = await Promise.all(names.map((cmd) => kpsAsync(cmd, '--help')));
    program.commands.forEach((c, i) => {
      const r = results[i];
      expect(r.code, `${c.name()}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: kps ${c.name()}`);
      // Commander wraps long descriptions to the terminal width: compare with runs of white space as one.
      const flat = (t: string) => t.replace(/\s+/g, ' ');
      expect(flat(r.stdout)).toContain(flat(c.description()));
      for (const o of c.options) expect(r.stdout, `${c.name()} --help lists ${o.flags}`).toContain(o.flags);
    });
  });

  it('kps serve prints one URL line and serves the API for the project', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', project, '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await firstLine(child);
      // A token on loopback too: any local user's process can reach 127.0.0.1.
      const m = /^Keypoint Studio \(web mode\): (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([A-Za-z0-9_-]{24,})$/.exec(line);
      expect(m).not.toBeNull();
      const call = (headers: Record<string, string>) => fetch(`${m![1]}api/project.info`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
      expect((await call({})).status).toBe(401);
      const res = await call({ Authorization: `Bearer ${m![3]}` });
      expect(res.status).toBe(200);
      expect(((await res.json()) as ProjectInfo).sampleCount).toBe(1045);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('kps serve survives malformed requests: 400 or 401, and the process keeps serving', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await firstLine(child);
      const m = /: http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)$/.exec(line);
      expect(m).not.toBeNull();
      const [, port, token] = m!;
      const raw = (path: string, headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: Number(port), path, headers, timeout: 10_000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer`)));
          req.on('error', reject);
          req.end();
        });
      // Any web page could send the first one with an <img>; each used to end the process.
      expect(await raw('/api/%E0', {})).toBe(401);
      expect(await raw('/api/%E0', { Authorization: `Bearer ${token}` })).toBe(400);
      expect(await raw('/', { Cookie: `kps_token_${port}=%E0` })).toBe(401);
      expect(await raw('/ws', { Cookie: `kps_token_${port}=%E0`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' })).toBe(401);
      expect(await raw(`/%E0?token=${token}`, {})).toBe(400);
      expect(child.exitCode).toBeNull();
      expect(await raw(`/api?token=${token}`, {})).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('kps serve on a non-loopback host prints a URL with a token and refuses requests without it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await firstLine(child);
      const m = /^Keypoint Studio \(web mode\): (http:\/\/127\.0\.0\.1:\d+\/)\?token=([A-Za-z0-9_-]+)$/.exec(line);
      expect(m).not.toBeNull();
      const [, base, token] = m!;
      const call = (headers: Record<string, string>) =>
        fetch(`${base}api/project.info`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
      expect((await call({})).status).toBe(401);
      const ok = await call({ Authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
