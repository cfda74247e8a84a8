// benchTrain (behind `kps bench-train`): measures real steps on random data and reports the fields scripts rely on.
import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { benchTrain } from '../../../src-main/train/parallel/step-timing.js';
import { MAX_AUTO_WORKERS, resolveWorkers } from '../../../src-main/train/config.js';

describe('benchTrain', () => {
  it('times training through 2 workers and inference, with the JSON fields of kps bench-train --json', async () => {
    const r = await benchTrain({ model: 'smallnet', batch: 6, steps: 2, workers: 2, inferBatches: 2, inputSize: 48, backend: 'wasm' });
    expect(r).toMatchObject({ model: 'smallnet', backend: 'wasm', batch: 6, workers: 2, steps: 2, input: 48 });
    expect(r.backend_reason).toMatch(/^wasm/);
    expect(r.params).toBeGreaterThan(1000);
    for (const v of [r.train_samples_per_s, r.infer_samples_per_s, r.train_step_ms_median, r.infer_batch_ms_median, r.train_cpu_ms_per_step, r.infer_cpu_ms_per_batch]) {
      expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    // samples/s and step time describe the same measurement.
    expect(r.train_samples_per_s).toBeGreaterThan((0.5 * 6 * 1000) / r.train_step_ms_median);
    expect(r.train_samples_per_s).toBeLessThan((2 * 6 * 1000) / r.train_step_ms_median);
  });

  it('trains on the calling thread with one worker', async () => {
    const r = await benchTrain({ model: 'smallnet', batch: 4, steps: 1, workers: 1, inferBatches: 1, inputSize: 32, backend: 'wasm' });
    expect(r.workers).toBe(1);
    expect(r.train_samples_per_s).toBeGreaterThan(0);
  });

  it('defaults to the worker count kps train uses (at most MAX_AUTO_WORKERS on WebAssembly), not one per core', async () => {
    // A machine with more cores than the auto cap: one per core would start 8 workers.
    const cores = vi.spyOn(os, 'availableParallelism').mockReturnValue(2 * MAX_AUTO_WORKERS);
    try {
      const r = await benchTrain({ model: 'smallnet', batch: 8, steps: 1, inferBatches: 1, inputSize: 32, backend: 'wasm' });
      expect(r.workers).toBe(resolveWorkers(0, 'wasm', 2 * MAX_AUTO_WORKERS));
      expect(r.workers).toBe(MAX_AUTO_WORKERS);
    } finally {
      cores.mockRestore();
    }
  });

  it('rejects an unknown model and a bad batch with clear errors', async () => {
    await expect(benchTrain({ model: 'alexnet' })).rejects.toThrow(/unknown model "alexnet"/);
    await expect(benchTrain({ model: 'smallnet', batch: 0 })).rejects.toThrow(/--batch must be a positive integer/);
  });
});
