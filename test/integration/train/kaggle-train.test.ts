// Real training on kaggle-proxy faces through the project store and a worker thread: it learns, and resumes after a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { createProject } from '../../../src-main/store/project.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { importKaggleCsv } from '../../../src-main/formats/kaggle-csv.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { evaluateRun, resumeRun, startRun } from '../../../src-main/train/runs.js';
import type { EpochMetrics, FinalMetrics } from '../../../src-main/train/trainer.js';

let dir: string;
let store: ProjectStore;

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-train-int-'));
  const schema = loadBuiltinSchema('kaggle-15');
  store = createProject(join(dir, 'faces.kps'), schema);
  const samples = await importKaggleCsv(join(data, 'kaggle-proxy', 'training.csv'), schema, { progress: () => undefined, signal: new AbortController().signal });
  store.importSamples(samples, 'import:test');
});

afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The defaults (kpnet, light augmentation, batch 64, Adam at 1e-3, warm-up then cosine), cut to six epochs.
const quick = { seed: 5 };
// The crash test only needs checkpoints, not accuracy: 48x48 input (the faces resized) makes its epochs cheap.
const cheap = { ...quick, inputSize: 48 };

// About 2 minutes of CPU on a quiet 2-core machine; the limit is generous because shared machines are often much slower.
describe('training on kaggle-proxy', { timeout: 600_000 }, () => {
  it('brings validation RMSE clearly below the mean-shape baseline, in a worker thread, and stores predictions', async () => {
    const epochs: EpochMetrics[] = [];
    const session = await startRun(store, { ...quick, epochs: 6 }, { backend: 'wasm', hooks: { onEpoch: (e) => void epochs.push(e) } });
    const run = await session.done;
    // Printed so that a failure shows the learning curve.
    process.stderr.write(`epochs: ${JSON.stringify(epochs.map((e) => [e.epoch, e.train_rmse_px, e.val_rmse_px, e.seconds]))}\n`);
    expect(run.status).toBe('done');
    expect(run.backend).toBe('wasm');
    const f = run.final as FinalMetrics;
    const baseline = f.baseline.val_rmse_px as number;
    expect(baseline).toBeGreaterThan(2.5);
    expect(f.val.rmse_px as number).toBeLessThan(0.85 * baseline);
    expect(f.test.rmse_px as number).toBeLessThan(f.baseline.test_rmse_px as number);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(f.split.train + f.split.val + f.split.test).toBe(1045);
    const preds = store.getPredictions(run.id);
    expect(preds).toHaveLength(1045);
    expect(preds[0].coords).toHaveLength(30);
    expect(preds.every((p) => p.coords.every((c) => c > -20 && c < 116))).toBe(true);
    // Re-evaluating the stored best model gives the run's own figures.
    const report = await evaluateRun(store, run.id);
    expect(report.val.rmse_px as number).toBeCloseTo(f.val.rmse_px as number, 3);
  });

  it('resumes a run whose worker died, from its last checkpoint, to the end', async () => {
    let firstEpochs = 0;
    const session = await startRun(store, { ...cheap, epochs: 3 }, {
      backend: 'wasm',
      hooks: {
        onEpoch: () => {
          firstEpochs += 1;
          // The crash: the training thread is killed right after epoch 1 is checkpointed.
          if (firstEpochs === 1) void session.handle.kill();
        },
      },
    });
    await expect(session.done).rejects.toThrow(/stopped unexpectedly|crashed/);
    const crashed = store.getRun(session.runId);
    expect(crashed.status).toBe('failed');
    expect(existsSync(join(crashed.checkpointDir as string, 'last', 'state.json'))).toBe(true);
    const resumedEpochs: number[] = [];
    const resumed = await resumeRun(store, session.runId, { backend: 'wasm', hooks: { onEpoch: (e) => void resumedEpochs.push(e.epoch) } });
    const run = await resumed.done;
    expect(resumedEpochs).toEqual([2, 3]);
    expect(run.status).toBe('done');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });
});
