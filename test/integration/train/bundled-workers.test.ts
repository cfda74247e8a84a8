// The Electron build's training workers: electron-vite bundles them as entries of their own beside out/main/index.js
// (electron.config.ts), and the main process points KPS_WORKER_DIR there. Started from that folder, as the packaged
// app starts them, the trainer and its data-parallel workers must train exactly as the source workers do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import type { EpochMetrics } from '../../../src-main/train/trainer.js';
import { BUILT_WORKERS, trainWorkerStart } from '../../../src-main/train/worker-files.js';

const outMain = join(repoRoot, 'out', 'main');
let dir: string;
let service: Service;

beforeAll(async () => {
  // The same build `npm run build` makes (main, preload, renderer).
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--config', 'electron.config.ts'], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-bundled-'));
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 121).join('\n') + '\n');
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
  const { jobId } = await service.call('import.start', { path: join(dir, 'excerpt.csv'), format: 'kaggle-csv' });
  expect((await service.call('job.wait', { jobId })).state).toBe('done');
}, 300_000);

afterAll(async () => {
  delete process.env.KPS_WORKER_DIR;
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Trains a tiny seeded run with two data-parallel workers and returns its per-epoch losses. */
async function train(workerDir: string | null): Promise<EpochMetrics[]> {
  if (workerDir) process.env.KPS_WORKER_DIR = workerDir;
  else delete process.env.KPS_WORKER_DIR;
  const config = { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 2, workers: 2, seed: 7, augment: 'none' };
  const { jobId, runId } = await service.call('train.start', { config, backend: 'wasm' });
  const final = await service.call('job.wait', { jobId });
  expect(final.state, final.error?.message).toBe('done');
  return (await service.call('runs.get', { id: runId })).epochs;
}

describe('bundled training workers', { timeout: 600_000 }, () => {
  it('are built as entries of their own and chosen through KPS_WORKER_DIR', () => {
    for (const name of Object.values(BUILT_WORKERS)) expect(existsSync(join(outMain, `${name}.js`))).toBe(true);
    process.env.KPS_WORKER_DIR = outMain;
    try {
      expect(trainWorkerStart('parallel')).toEqual({ file: join(outMain, 'train-parallel-worker.js'), argv: [] });
      process.env.KPS_WORKER_DIR = dir;
      expect(() => trainWorkerStart('trainer')).toThrow(/no train-worker\.js/);
    } finally {
      delete process.env.KPS_WORKER_DIR;
    }
  });

  it('every file of the main-process bundle parses (a name clash with the bundler\'s own `require` once broke two chunks)', () => {
    const files = [...readdirSync(outMain).filter((f) => f.endsWith('.js')), ...readdirSync(join(outMain, 'chunks')).map((f) => join('chunks', f))];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const r = spawnSync(process.execPath, ['--check', join(outMain, f)], { encoding: 'utf8' });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('train with two data-parallel workers exactly as the source workers do (same seed, same losses)', async () => {
    const fromSource = await train(null);
    const fromBundle = await train(outMain);
    expect(fromBundle).toHaveLength(2);
    expect(fromBundle.map((e) => e.train_loss)).toEqual(fromSource.map((e) => e.train_loss));
    expect(fromBundle.map((e) => e.val_rmse_px)).toEqual(fromSource.map((e) => e.val_rmse_px));
    expect(fromBundle[1].val_rmse_px).toBeGreaterThan(0);
  });
});
