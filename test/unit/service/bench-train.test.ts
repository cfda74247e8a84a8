// service/bench-train.ts (behind `kps bench-train`): refuses a bad backend name before timing, and passes a good one to the timing run.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, MODEL_NAMES, runBenchTrain } from '../../../src-main/service/bench-train.js';

describe('runBenchTrain', () => {
  it('lists the zoo model names and the default for the CLI help', () => {
    expect(MODEL_NAMES).toContain(DEFAULT_MODEL);
    expect(MODEL_NAMES).toContain('smallnet');
  });

  it('refuses an unknown backend with the flag and the value in the message', async () => {
    await expect(runBenchTrain({ model: 'smallnet', backend: 'metal' })).rejects.toThrow(
      '--backend must be auto, tensorflow-gpu, tensorflow, wasm or cpu, got "metal"',
    );
  });

  it('times a small model on the backend asked for', async () => {
    const r = await runBenchTrain({ model: 'smallnet', batch: 4, steps: 1, workers: 1, inferBatches: 1, inputSize: 32, backend: 'wasm' });
    expect(r).toMatchObject({ model: 'smallnet', backend: 'wasm', batch: 4, workers: 1, steps: 1, input: 32 });
    expect(r.train_samples_per_s).toBeGreaterThan(0);
  });
});
