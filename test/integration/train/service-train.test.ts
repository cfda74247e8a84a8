// The training operations through the service (as both front ends call them): train, pause, resume, cancel, runs, predictions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, existsSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import type { TrainJobResult } from '../../../src-main/service/handlers/train.js';
import '../../../src-main/service/handlers/train.js';
import type { JobStatus } from '../../../src-main/api/ops.js';

let dir: string;
let service: Service;

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-train-svc-'));
  // A 150-row excerpt of kaggle-proxy (written to the temporary folder only) keeps the jobs short.
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 151).join('\n') + '\n');
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
  const { jobId } = await service.call('import.start', { path: join(dir, 'excerpt.csv'), format: 'kaggle-csv' });
  const imported = await service.call('job.wait', { jobId });
  expect(imported.state).toBe('done');
});

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tiny = { model: 'kpnet', width: 0.5, inputSize: 32, batch: 16, epochs: 2 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitFor(pred: (s: JobStatus) => boolean, jobId: string): Promise<JobStatus> {
  return new Promise((resolve) => {
    const off = service.on('job.progress', (s) => {
      if (s.jobId === jobId && pred(s)) {
        off();
        resolve(s);
      }
    });
  });
}

describe('training operations', { timeout: 600_000 }, () => {
  it('train.start runs a job that ends with the run summary; runs and predictions are in the store', async () => {
    const { jobId, runId } = await service.call('train.start', { config: tiny, name: 'first', backend: 'wasm' });
    // The run is recorded at once, before any data is loaded.
    expect((await service.call('runs.get', { id: runId })).status).toBe('running');
    const final = await service.call('job.wait', { jobId });
    expect(final.state).toBe('done');
    const r = final.result as TrainJobResult;
    expect(r.run).toBe(runId);
    expect(r.backend).toBe('wasm');
    expect(r.epochs).toBe(2);
    expect(r.best_val_rmse_px).toBeGreaterThan(0);
    const runs = await service.call('runs.list', {});
    expect(runs.map((x) => x.id)).toContain(runId);
    const run = await service.call('runs.get', { id: runId });
    expect(run.name).toBe('first');
    expect(run.epochs).toHaveLength(2);
    expect(existsSync(join(run.checkpointDir as string, 'best', 'model.json'))).toBe(true);
    const preds = await service.call('predictions.get', { runId });
    expect(preds).toHaveLength(150);
    const some = await service.call('predictions.get', { runId, sampleIds: [preds[0].sampleId] });
    expect(some).toHaveLength(1);
    const info = await service.call('app.info', {});
    expect(info.backend).toMatch(/^wasm/);

    const updated = await service.call('runs.update', { id: runId, name: 'renamed', notes: 'baseline run' });
    expect(updated.name).toBe('renamed');
    expect((await service.call('runs.get', { id: runId })).notes).toBe('baseline run');

    const ev = await service.call('runs.evaluate', { id: runId });
    const evDone = await service.call('job.wait', ev);
    expect(evDone.state).toBe('done');
    const report = evDone.result as { val: { rmse_px: number }; reading: string };
    expect(report.val.rmse_px).toBeCloseTo(r.best_val_rmse_px as number, 3);

    await service.call('runs.delete', { id: runId });
    await expect(service.call('runs.get', { id: runId })).rejects.toThrow(/does not exist/);
    expect(existsSync(run.checkpointDir as string)).toBe(false);
  });

  it('pauses, resumes and cancels a live run; a cancelled run continues from its checkpoint with train.resume', async () => {
    const { jobId, runId } = await service.call('train.start', { config: { ...tiny, epochs: 40 }, backend: 'wasm' });
    // Wait until the first epoch is checkpointed.
    await waitFor((s) => (s as { detail?: { epochDone?: unknown } }).detail?.epochDone !== undefined, jobId);
    const paused = await service.call('train.pause', { runId });
    expect(paused.status).toBe('paused');
    expect((await service.call('job.get', { jobId })).state).toBe('paused');
    // The pause reaches the training worker within the job's 100 ms control poll, and a step already under way
    // finishes: let that settle, then no step may run for as long as the run stays paused.
    await sleep(1000);
    const stepsAtPause = (await service.call('job.get', { jobId })).done;
    const epochsAtPause = (await service.call('runs.get', { id: runId })).epochs.length;
    expect(stepsAtPause).toBeGreaterThan(0);
    const during: JobStatus[] = [];
    const off = service.on('job.progress', (s) => {
      if (s.jobId === jobId) during.push(s);
    });
    const polled: number[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(100);
      polled.push((await service.call('job.get', { jobId })).done);
    }
    off();
    // The trainer reports a step whenever 250 ms have passed since its last report, so a step in this 1.5 s window
    // would show in the job's step counter and as a progress event.
    expect(polled).toEqual(polled.map(() => stepsAtPause));
    expect(during.map((s) => s.done)).toEqual([]);
    expect((await service.call('runs.get', { id: runId })).epochs.length).toBe(epochsAtPause);

    const resumed = await service.call('train.resume', { runId });
    expect(resumed.jobId).toBe(jobId);
    expect((await service.call('runs.get', { id: runId })).status).toBe('running');
    // Resumed, the same counter moves on: the check above could have seen steps.
    const moved = await waitFor((s) => s.done > stepsAtPause, jobId);
    expect(moved.state).toBe('running');
    const cancelled = await service.call('train.cancel', { runId });
    expect(cancelled.status).toBe('cancelled');
    expect((await service.call('job.get', { jobId })).state).toBe('cancelled');
    expect(cancelled.epochs.length).toBeGreaterThanOrEqual(epochsAtPause);

    const again = await service.call('train.resume', { runId });
    expect(again.jobId).not.toBe(jobId);
    await waitFor((s) => (s as { detail?: { epochDone?: unknown } }).detail?.epochDone !== undefined, again.jobId);
    await service.call('train.cancel', { runId });
    const run = await service.call('runs.get', { id: runId });
    // Epoch numbers continue where the checkpoint stopped, without gaps or repeats.
    const nums = (run.epochs as { epoch: number; partial?: boolean }[]).filter((e) => !e.partial).map((e) => e.epoch);
    expect(nums).toEqual(nums.map((_, i) => i + 1));
    expect(nums.length).toBeGreaterThan(epochsAtPause);
  });

  it('rejects bad training settings with a message naming the setting', async () => {
    await expect(service.call('train.start', { config: { epochs: -3 } })).rejects.toThrow(/epochs must be a positive integer/);
    await expect(service.call('train.start', { config: { model: 'alexnet' } })).rejects.toThrow(/unknown model "alexnet"/);
    await expect(service.call('train.start', { config: [] as unknown as Record<string, unknown> })).rejects.toThrow(/train.start: "config" must be an object/);
    await expect(service.call('train.pause', { runId: 'nope' })).rejects.toThrow(/not training/);
  });
});
