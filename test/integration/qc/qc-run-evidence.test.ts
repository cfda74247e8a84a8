// `qc --run <id>`: a run's stored predictions are used only for the samples it did not train on: its stored split, else rebuilt from its split settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { createProject } from '../../../src-main/store/project.js';
import { importKaggleCsv } from '../../../src-main/formats/kaggle-csv.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { quietContext } from '../../../src-main/formats/common.js';
import { assignSplits, parseSplit } from '../../../src-main/train/data.js';
import { runQc } from '../../../src-main/qc/pipeline.js';
import type { ProjectStore, RunRecord } from '../../../src-main/store/types.js';
import { finalMetrics, runConfig } from '../../helpers/run-record.js';

let dir: string;
let store: ProjectStore;
let splits: Map<number, string>;
let trainId: number;
let testId: number;

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-qc-run-'));
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 121).join('\n') + '\n');
  const schema = loadBuiltinSchema('kaggle-15');
  store = createProject(join(dir, 'p.kps'), schema);
  store.importSamples(await importKaggleCsv(join(dir, 'excerpt.csv'), schema, quietContext()), 'import');
  const ids = store.sampleIds({});
  const s = assignSplits(ids, ids.map(() => null), ids.map(() => 'unassigned'), parseSplit('random'), 7);
  splits = new Map(ids.map((id, i) => [id, s[i]]));
  const count = (k: string) => s.filter((x) => x === k).length;
  const run: RunRecord = {
    id: 'r1', name: 'r1', model: 'kpnet', backend: 'wasm', dataVersion: store.dataVersion(), status: 'done', createdAt: new Date().toISOString(), endedAt: null, notes: '',
    config: runConfig({ split: 'random', seed: 7 }),
    epochs: [], checkpointDir: null,
    final: finalMetrics({ train: count('train'), val: count('val'), test: count('test') }),
  };
  store.saveRun(run);
  // Predictions = labels + 0.5 px, except one training sample and one test sample predicted 20 px off on keypoint 0.
  trainId = ids.find((id) => splits.get(id) === 'train')!;
  testId = ids.find((id) => splits.get(id) === 'test')!;
  store.savePredictions(ids.map((id) => {
    const kps = store.getSample(id).keypoints;
    const coords = kps.flatMap((k) => [k.state === 'missing' ? 48 : k.x + 0.5, k.state === 'missing' ? 48 : k.y + 0.5]);
    if (id === trainId || id === testId) coords[0] += 20;
    return { runId: 'r1', sampleId: id, coords, error: null };
  }));
});

afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('qc with a run', () => {
  it('uses the run only for its held-out (test and validation) samples', async () => {
    const rep = await runQc(store, { runId: 'r1' });
    const heldOut = [...splits.values()].filter((s) => s !== 'train').length;
    expect(rep.evidence.model).toBe('run');
    expect(rep.evidence.modelSamples).toBe(heldOut);
    const test = rep.items.find((i) => i.sample === testId)!;
    expect(test.keypoints.find((k) => k.index === 0)?.modelDistancePx).toBeCloseTo(Math.hypot(20.5, 0.5), 3);
    expect(test.reasons.join(' ')).toMatch(/left_eye_center: 20\.5 px from the prediction of a model that did not train on it \(run r1, held out\)/);
    const train = rep.items.find((i) => i.sample === trainId)!;
    expect(train.keypoints.every((k) => k.predicted === null)).toBe(true);
    expect(rep.items.findIndex((i) => i.sample === testId)).toBeLessThan(rep.items.findIndex((i) => i.sample === trainId));
  });

  it('refuses a run whose split cannot be rebuilt on the current labels', async () => {
    const run = store.getRun('r1');
    (run.final as { split: { train: number } }).split.train += 1;
    store.saveRun(run);
    await expect(runQc(store, { runId: 'r1' })).rejects.toThrow(/run r1 trained on an earlier state of the labels/);
  });

  it("uses the run's stored split when it has one, even where the settings could no longer rebuild it", async () => {
    // r1's record still cannot be rebuilt (the test above); its stored split makes the seeded rebuild unnecessary.
    const ids = store.sampleIds({});
    const own = ids.map((sampleId, i) => ({ sampleId, split: (i % 4 === 0 ? 'test' : i % 4 === 1 ? 'val' : 'train') as 'train' | 'val' | 'test' }));
    store.saveRunSplit('r1', own);
    const rep = await runQc(store, { runId: 'r1' });
    expect(rep.evidence.modelSamples).toBe(own.filter((e) => e.split !== 'train').length);
    const heldOut = new Set(own.filter((e) => e.split !== 'train').map((e) => e.sampleId));
    for (const item of rep.items) {
      const predicted = item.keypoints.some((k) => k.predicted !== null);
      expect(predicted, `sample ${item.sample}`).toBe(heldOut.has(item.sample));
    }
  });
});
