// Synthetic training fixtures made in code: grey images with a bright dot at each keypoint, an in-memory run store.
import type { KeypointSchema, SampleDetail, Split } from '../../../src-main/core/types.js';
import type { PredictionRecord, RunRecord, RunSplitEntry } from '../../../src-main/store/types.js';
import type { RunStore } from '../../../src-main/train/runs.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { Rng } from '../../../src-main/train/rng.js';

export const twoPointSchema: KeypointSchema = {
  id: 'two-points',
  title: 'two points',
  keypoints: [
    { name: 'left_eye_center', group: 'eye', side: 'left', color: '#f00' },
    { name: 'right_eye_center', group: 'eye', side: 'right', color: '#0f0' },
  ],
  flipPairs: [[0, 1]],
  edges: [[0, 1]],
};

/** n images of size x size; keypoint 1 is missing in every third sample; dots are 3x3 bright squares on dark noise. */
export function syntheticStore(n: number, size: number, seed = 1, path = '/tmp/synthetic.kps'): RunStore & { runs: Map<string, RunRecord>; preds: Map<string, PredictionRecord> } {
  const rng = new Rng(seed);
  const samples: { detail: SampleDetail; pixels: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint8Array(size * size);
    for (let j = 0; j < px.length; j++) px[j] = Math.floor(rng.next() * 40);
    const pts = [0, 1].map(() => ({ x: 3 + rng.next() * (size - 7), y: 3 + rng.next() * (size - 7) }));
    for (const p of pts) {
      const cx = Math.round(p.x), cy = Math.round(p.y);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) px[(cy + dy) * size + cx + dx] = 255;
    }
    const missing = i % 3 === 0;
    const keypoints = pts.map((p, k) => (k === 1 && missing ? { x: NaN, y: NaN, state: 'missing' as const, provenance: 'import' } : { x: Math.round(p.x), y: Math.round(p.y), state: 'labelled' as const, provenance: 'import' }));
    samples.push({
      pixels: px,
      detail: {
        id: i + 1, source: 'synthetic', record: i + 1, split: 'unassigned' as Split, groupId: null, tags: [], width: size, height: size,
        labelledCount: missing ? 1 : 2, missingCount: missing ? 1 : 0, occludedCount: 0, predictedCount: 0, keypoints,
        image: { kind: 'embedded', width: size, height: size, channels: 1 }, revision: 1,
      },
    });
  }
  const runs = new Map<string, RunRecord>();
  const preds = new Map<string, PredictionRecord>();
  const splits = new Map<string, RunSplitEntry[]>();
  return {
    path,
    schema: twoPointSchema,
    runs,
    preds,
    dataVersion: () => 1,
    sampleIds: () => samples.map((s) => s.detail.id),
    getSample: (id) => samples[id - 1].detail,
    getPixels: (id) => samples[id - 1].pixels,
    getImagePath: () => null,
    saveRun: (r) => void runs.set(r.id, JSON.parse(JSON.stringify(r)) as RunRecord),
    getRun: (id) => {
      const r = runs.get(id);
      if (!r) throw new KpsError('not-found', `run ${id} does not exist`);
      return JSON.parse(JSON.stringify(r)) as RunRecord;
    },
    listRuns: () => [...runs.values()],
    deleteRun: (id) => {
      runs.delete(id);
      for (const k of [...preds.keys()]) if (k.startsWith(`${id}/`)) preds.delete(k);
    },
    savePredictions: (ps) => ps.forEach((p) => preds.set(`${p.runId}/${p.sampleId}`, p)),
    getPredictions: (runId) => [...preds.values()].filter((p) => p.runId === runId),
    saveRunSplit: (runId, entries) => void splits.set(runId, entries.map((e) => ({ ...e }))),
    getRunSplit: (runId) => (splits.get(runId) ?? []).map((e) => ({ ...e })),
  };
}
