// A run's own split through the service: stored when training starts, read with runs.split, kept by evaluation when samples are added, and stored by evaluation for a run that had none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import '../../../src-main/service/handlers/train.js';
import type { TrainJobResult } from '../../../src-main/service/handlers/train.js';
import type { EvaluationReport } from '../../../src-main/train/runs.js';
import type { FinalMetrics } from '../../../src-main/train/trainer.js';

let dir: string;
let service: Service;
let lines: string[];
const project = () => join(dir, 'p.kps');

async function importRows(from: number, to: number, name: string): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, [lines[0], ...lines.slice(from, to)].join('\n') + '\n');
  const end = await service.call('job.wait', await service.call('import.start', { path, format: 'kaggle-csv' }));
  expect(end.state).toBe('done');
}

beforeAll(async () => {
  lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  dir = mkdtempSync(join(tmpdir(), 'kps-run-split-'));
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: project(), schema: 'kaggle-15' });
  await importRows(1, 61, 'first.csv');
});

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tiny = { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 1, split: 'random:0.2:0.2' };

describe("a run's own split", { timeout: 600_000 }, () => {
  let runId: string;

  it('is stored per sample when the run trains, and agrees with the run\'s own figures', async () => {
    const started = await service.call('train.start', { config: tiny, backend: 'wasm' });
    runId = started.runId;
    const end = await service.call('job.wait', { jobId: started.jobId });
    expect(end.state).toBe('done');
    expect((end.result as TrainJobResult).run).toBe(runId);
    const split = await service.call('runs.split', { id: runId });
    expect(split.spec).toBe('random:0.2:0.2');
    const preds = await service.call('predictions.get', { runId });
    expect(split.samples.map((e) => e.sampleId)).toEqual(preds.map((p) => p.sampleId));
    const final = (await service.call('runs.get', { id: runId })).final as FinalMetrics;
    expect(split.counts).toEqual(final.split);
    expect(split.counts.test).toBe(Math.round(preds.length * 0.2));
    expect(split.counts.test).toBeGreaterThan(0);
    expect(split.counts.val).toBeGreaterThan(0);
    // The samples' own split is not the run's: it stays as it was.
    expect((await service.call('stats.get', {})).splits.unassigned).toBe(60);
  });

  it('is what evaluation uses after samples were added: the new ones are neither trained on nor counted', async () => {
    const before = await service.call('runs.split', { id: runId });
    await importRows(61, 91, 'more.csv');
    const ev = await service.call('job.wait', await service.call('runs.evaluate', { id: runId }));
    expect(ev.state).toBe('done');
    const report = ev.result as EvaluationReport;
    expect({ train: report.train.samples, val: report.val.samples, test: report.test.samples }).toEqual(before.counts);
    expect(await service.call('runs.split', { id: runId })).toEqual(before);
    // The added samples are predicted all the same.
    expect(await service.call('predictions.get', { runId })).toHaveLength(90);
  });

  it('is stored by evaluation for a run that has none (trained before splits were kept)', async () => {
    const raw = new Database(project());
    raw.prepare('DELETE FROM run_splits WHERE run_id = ?').run(runId);
    raw.close();
    expect((await service.call('runs.split', { id: runId })).samples).toEqual([]);
    const ev = await service.call('job.wait', await service.call('runs.evaluate', { id: runId }));
    expect(ev.state).toBe('done');
    const report = ev.result as EvaluationReport;
    const split = await service.call('runs.split', { id: runId });
    // Rebuilt from the seed over the 90 samples there are now.
    expect(split.samples).toHaveLength(90);
    expect(split.counts).toEqual({ train: report.train.samples, val: report.val.samples, test: report.test.samples });
    expect(split.counts.test).toBe(18);
  });

  it('names the op and the field for a bad id, and says when the run does not exist', async () => {
    await expect(service.call('runs.split', { id: '' })).rejects.toThrow(/runs.split: "id" must be a non-empty string/);
    await expect(service.call('runs.split', { id: 'no-such-run' })).rejects.toThrow(/run no-such-run does not exist/);
  });
});
