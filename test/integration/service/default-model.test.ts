// The model a run trains when its settings name none: kpnet for kaggle-15 projects, face68 (face-api's pretrained net,
// fine-tuned) for the photo layouts (train/config.ts defaultModelFor; measured in docs/training.md "Photo accuracy").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Service } from '../../../src-main/service/service.js';
import { loadDefaultDeps } from '../../../src-main/service/deps.js';
import { defaultModelFor } from '../../../src-main/train/config.js';

describe('default model per layout', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('is kpnet for the Kaggle layout and face68 for the photo layouts', () => {
    expect(defaultModelFor('kaggle-15')).toBe('kpnet');
    for (const id of ['ibug-68', 'imm-58', 'imm-frontal-73', 'my-own']) expect(defaultModelFor(id)).toBe('face68');
  });

  it('train.options offers it as the default, and a run with no model named records it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-default-model-'));
    const service = new Service({ mode: 'web', deps: await loadDefaultDeps() });
    expect((await service.call('train.options', {})).defaults.model).toBe('kpnet');
    for (const [schema, model] of [['ibug-68', 'face68'], ['imm-58', 'face68'], ['kaggle-15', 'kpnet']] as const) {
      await service.call('project.create', { path: join(dir, `${schema}.kps`), schema });
      expect((await service.call('train.options', {})).defaults.model).toBe(model);
      // An empty project: the job fails for want of samples, but the run is recorded with its settings first.
      const started = await service.call('train.start', { config: { epochs: 1 } });
      await service.call('job.wait', { jobId: started.jobId });
      expect((await service.call('runs.get', { id: started.runId })).model).toBe(model);
      // Named, the model is the one named.
      const named = await service.call('train.start', { config: { epochs: 1, model: 'smallnet' } });
      await service.call('job.wait', { jobId: named.jobId });
      expect((await service.call('runs.get', { id: named.runId })).model).toBe('smallnet');
      await service.call('project.close', {});
    }
  }, 120_000);
});
