// Cross-validated fold predictions through the real training engine (worker threads, WebAssembly) on a small real excerpt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { createProject } from '../../../src-main/store/project.js';
import { importKaggleCsv } from '../../../src-main/formats/kaggle-csv.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { quietContext } from '../../../src-main/formats/common.js';
import { crossValidatedPredictions } from '../../../src-main/qc/folds.js';
import { runQc } from '../../../src-main/qc/pipeline.js';
import type { ProjectStore } from '../../../src-main/store/types.js';

let dir: string;
let store: ProjectStore;

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-qc-folds-'));
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 121).join('\n') + '\n');
  const schema = loadBuiltinSchema('kaggle-15');
  store = createProject(join(dir, 'p.kps'), schema);
  store.importSamples(await importKaggleCsv(join(dir, 'excerpt.csv'), schema, quietContext()), 'import');
});

afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cross-validated predictions', () => {
  it('gives every labelled sample one held-out prediction, folds balanced, in image pixels', async () => {
    const messages: string[] = [];
    const cv = await crossValidatedPredictions(store, { folds: 3, epochs: 1, inputSize: 32, seed: 2, onProgress: (m) => messages.push(m) });
    const ids = store.sampleIds({});
    expect(cv.predictions.size).toBe(ids.length);
    const sizes = [1, 2, 3].map((f) => [...cv.foldOf.values()].filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const p of cv.predictions.values()) {
      expect(p).toHaveLength(30);
      for (const v of p) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(-20);
        expect(v).toBeLessThan(116);
      }
    }
    // Even one epoch from the mean-shape start lands within a face's size of the labels.
    expect(cv.heldOutRmsePx).toBeLessThan(10);
    expect(messages.some((m) => /^fold \d\/3: epoch 1\/1/.test(m))).toBe(true);
    expect(cv.backend).toMatch(/wasm|cpu|tensorflow/);
  }, 300_000);

  it('runQc with folds attaches the fold to each model reason', async () => {
    const rep = await runQc(store, { crossVal: { folds: 2, epochs: 1, inputSize: 32 } });
    expect(rep.evidence.model).toBe('folds');
    expect(rep.evidence.folds).toBe(2);
    expect(rep.evidence.modelSamples).toBe(120);
    const withModel = rep.items.flatMap((i) => i.reasons).filter((r) => r.includes('did not train on it'));
    for (const r of withModel) expect(r).toMatch(/\(fold [12] of 2\)/);
    expect(rep.items.every((i) => i.keypoints.every((k) => k.predicted !== null))).toBe(true);
  }, 300_000);
});
