// The compiled `kps` (bin/kps.js running out/cli, vite.cli.config.ts): it runs built JavaScript without tsx, `--help`
// loads none of the heavy packages, serve finds the web renderer, and training starts the built workers and trains
// exactly as the TypeScript sources do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, requireDataDir } from '../../helpers/data.js';

const BIN = join(repoRoot, 'bin', 'kps.js');
let dir: string;
let register: string;

/** The environment a user's shell gives kps: no worker folder or source switch inherited from this test process. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('KPS_WORKER_DIR' in extra)) delete e.KPS_WORKER_DIR;
  if (!('KPS_CLI_SOURCES' in extra)) delete e.KPS_CLI_SOURCES;
  return e;
}

/** Runs bin/kps.js with a module-load recorder; returns the output and every module URL the main thread loaded. */
function kps(args: string[], extra: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string; loaded: string[] } {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    env: env({ ...extra, KPS_TEST_LOAD_LOG: log }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

beforeAll(() => {
  // The build `npm install` (prepare) and `npm run build:cli` make, made again only where bin/kps.js would not use it
  // (missing or older than the sources): rebuilding empties out/cli, which other test files' kps runs may be using.
  const probe = spawnSync(process.execPath, [BIN, '--version'], { cwd: repoRoot, encoding: 'utf8', env: env() });
  if (probe.stderr.includes('kps: note:')) {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.cli.config.ts'], { cwd: repoRoot, stdio: 'pipe' });
  }
  dir = mkdtempSync(join(tmpdir(), 'kps-compiled-'));
  // A load hook that appends each module's URL to a file: what a process loaded, tsx and packages included.
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) {\n' +
      '  if (process.env.KPS_TEST_LOAD_LOG) appendFileSync(process.env.KPS_TEST_LOAD_LOG, url + "\\n");\n' +
      '  return next(url, context);\n' +
      '}\n',
  );
  register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const HEAVY = /\/node_modules\/(tsx|sharp|better-sqlite3|@tensorflow|@vladmandic|ws|cli-progress)\//;

describe('the compiled kps CLI', { timeout: 600_000 }, () => {
  it('--help runs the built JavaScript: no tsx, no TypeScript source, none of the heavy packages', () => {
    const r = kps(['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kps \[options\] \[command\]/);
    for (const c of ['new', 'import', 'stats', 'export', 'serve', 'train', 'evaluate', 'predict', 'submit', 'runs', 'qc', 'bench-train']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    }
    expect(r.loaded).toContain(pathToFileURL(join(repoRoot, 'out', 'cli', 'main.js')).href);
    expect(r.loaded.filter((u) => HEAVY.test(u) || u.endsWith('.ts'))).toEqual([]);
    // A command's own help is as light.
    const sub = kps(['train', '--help']);
    expect(sub.stdout).toContain('--workers <n>');
    expect(sub.loaded.filter((u) => HEAVY.test(u) || u.endsWith('.ts'))).toEqual([]);
  });

  it('falls back to the sources through tsx, with a note, when asked to (or when the build is missing or stale)', () => {
    const r = kps(['--version'], { KPS_CLI_SOURCES: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('kps: note: KPS_CLI_SOURCES is set; running the TypeScript sources through tsx (`npm run build:cli` makes it start fast)\n');
    expect(r.loaded.some((u) => /\/node_modules\/tsx\//.test(u))).toBe(true);
    expect(r.loaded.some((u) => u.endsWith('/src-main/cli/main.ts'))).toBe(true);
  });

  it('serves the web renderer from the repository\'s dist-web', async () => {
    if (!existsSync(join(repoRoot, 'dist-web', 'index.html'))) {
      execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.web.config.ts', '--logLevel', 'error'], { cwd: repoRoot, stdio: 'pipe' });
    }
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
      });
      // Exactly the printed URL, with whatever query (a token) it carries.
      const res = await fetch(/(https?:\/\/\S+)/.exec(line)![1]);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="app"></div>');
      expect(stderr).not.toContain('no built renderer');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('trains with two data-parallel workers started from out/cli, exactly as the sources do', () => {
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 121).join('\n') + '\n');
    const project = join(dir, 'p.kps');
    expect(kps(['new', project, '--schema', 'kaggle-15']).code).toBe(0);
    expect(kps(['import', project, join(dir, 'excerpt.csv'), '--format', 'kaggle-csv']).code).toBe(0);
    writeFileSync(join(dir, 'train.json'), JSON.stringify({ model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 2, workers: 2, seed: 7, augment: 'none' }));
    const trainArgs = ['train', project, '--config', join(dir, 'train.json'), '--backend', 'wasm', '--json'];
    const epochs = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { epoch?: number; train_loss?: number; val_rmse_px?: number })
        .filter((o) => o.epoch !== undefined);
    const built = kps(trainArgs);
    expect(built.code, built.stderr).toBe(0);
    expect(built.loaded.filter((u) => u.endsWith('.ts') || /\/node_modules\/tsx\//.test(u))).toEqual([]);
    // The trainer and its workers run in threads (unseen by the recorder): from out/cli, since the bundle has no
    // worker-boot.mjs beside its chunks to start sources with.
    expect(built.loaded.some((u) => /\/out\/cli\/chunks\/host-[^/]+\.js$/.test(u))).toBe(true);
    const fromSources = kps(trainArgs, { KPS_CLI_SOURCES: '1' });
    expect(fromSources.code, fromSources.stderr).toBe(0);
    const a = epochs(built.stdout);
    const b = epochs(fromSources.stdout);
    expect(a).toHaveLength(2);
    expect(a.map((e) => e.train_loss)).toEqual(b.map((e) => e.train_loss));
    expect(a.map((e) => e.val_rmse_px)).toEqual(b.map((e) => e.val_rmse_px));
    expect(a[1].val_rmse_px).toBeGreaterThan(0);
  });
});
