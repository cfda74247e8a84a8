// Model-assisted labelling logic: ghosts for missing keypoints, accept edits, ghost hit-testing, usable runs, and the service's fill edits.
import { describe, expect, it } from 'vitest';
import type { LabelledKeypoint } from '../../../src-main/core/types.js';
import type { RunRecord } from '../../../src-main/store/types.js';
import { missingEdits } from '../../../src-main/service/handlers/assist.js';
import { acceptEdits, fillBatchText, ghostAt, ghostsFor, ghostToAccept, modelActor, usableRuns } from '../../../src-renderer/editor/assist.js';
import { epochMetrics, runConfig } from '../../helpers/run-record.js';

const kp = (x: number, y: number, state: LabelledKeypoint['state'] = 'labelled'): LabelledKeypoint => ({ x, y, state, provenance: 'import:kaggle-csv' });
const missing = (): LabelledKeypoint => ({ x: NaN, y: NaN, state: 'missing', provenance: 'import:kaggle-csv' });

// Four keypoints: labelled, missing, occluded, missing.
const kps = [kp(10, 10), missing(), kp(30, 30, 'occluded'), missing()];

describe('ghosts and accepting them', () => {
  it('shows predictions only for missing keypoints, finite and inside the image', () => {
    const coords = [11, 11, 20.123, 21.987, 31, 31, 40, 41];
    expect(ghostsFor(kps, coords, 96, 96)).toEqual([
      { index: 1, x: 20.123, y: 21.987 },
      { index: 3, x: 40, y: 41 },
    ]);
    // NaN (not predicted) and outside the image (-0.5 .. 95.5) give no ghost; the image edge itself is inside.
    expect(ghostsFor(kps, [0, 0, NaN, 5, 0, 0, 95.5, -0.5], 96, 96)).toEqual([{ index: 3, x: 95.5, y: -0.5 }]);
    expect(ghostsFor(kps, [0, 0, 96, 5, 0, 0, 5, -0.6], 96, 96)).toEqual([]);
    expect(ghostsFor(kps, null, 96, 96)).toEqual([]);
  });

  it('accepts as labelled keypoints rounded to 1/100 px, the same edits the batch fill writes', () => {
    const coords = [11, 11, 20.123, 21.987, 31, 31, 40.005, 41];
    const edits = acceptEdits(ghostsFor(kps, coords, 96, 96));
    expect(edits).toEqual([
      { index: 1, x: 20.12, y: 21.99, state: 'labelled' },
      { index: 3, x: 40.01, y: 41, state: 'labelled' },
    ]);
    expect(missingEdits(kps, coords, 96, 96)).toEqual(edits);
    expect(missingEdits(kps, [1, 1, NaN, NaN, 1, 1, 200, 3], 96, 96)).toEqual([]);
    expect(modelActor('20261122-182125-5a6b')).toBe('model:20261122-182125-5a6b');
  });

  it('finds the ghost under a click within a screen radius, nearest first', () => {
    const gs = [
      { index: 1, x: 20, y: 20 },
      { index: 3, x: 22, y: 20 },
    ];
    // At 5 screen px per image px: 1.6 image px = 8 screen px from ghost 1, 0.4 image px = 2 from ghost 3.
    expect(ghostAt(gs, { x: 21.6, y: 20 }, 5)?.index).toBe(3);
    expect(ghostAt(gs, { x: 20.2, y: 20 }, 5)?.index).toBe(1);
    expect(ghostAt(gs, { x: 20, y: 23 }, 5)).toBeNull();
    // Zoomed out, the same image distance is within reach.
    expect(ghostAt(gs, { x: 20, y: 23 }, 3)?.index).toBe(1);
  });

  it('Enter accepts the selected keypoint\'s ghost, else the fill-mode target\'s', () => {
    const gs = [
      { index: 1, x: 20, y: 20 },
      { index: 3, x: 22, y: 20 },
    ];
    expect(ghostToAccept(gs, 3, 1)?.index).toBe(3);
    expect(ghostToAccept(gs, 0, 1)?.index).toBe(1);
    expect(ghostToAccept(gs, null, null)).toBeNull();
    expect(ghostToAccept(gs, 2, null)).toBeNull();
  });
});

describe('runs offered in the editor', () => {
  const run = (id: string, status: RunRecord['status'], epochs: number, createdAt: string, dir: string | null = `/runs/${id}`): RunRecord => ({
    id, name: id, model: 'kpnet', config: runConfig(), backend: 'wasm', dataVersion: 1, status, createdAt, endedAt: null, notes: '',
    epochs: Array.from({ length: epochs }, (_, i) => epochMetrics(i + 1)), final: null, checkpointDir: dir,
  });
  it('keeps runs with a model (done, or at least one epoch), newest first', () => {
    const list = usableRuns([
      run('a', 'done', 3, '2026-11-22T10:00:00Z'),
      run('b', 'running', 0, '2026-11-22T12:00:00Z'),
      run('c', 'cancelled', 2, '2026-11-22T11:00:00Z'),
      run('d', 'failed', 0, '2026-11-22T09:00:00Z'),
      run('e', 'done', 1, '2026-11-22T13:00:00Z', null),
    ]);
    expect(list.map((r) => r.id)).toEqual(['c', 'a']);
  });
});

describe('batch fill text', () => {
  const done = { actionId: 4, samples: [1, 2, 3], keypoints: 17, skipped: 0, tag: 'needs review' };
  it('says how many keypoints and samples were filled, the tag, and that one undo reverts it', () => {
    expect(fillBatchText(done, 5, 'r1')).toBe('Filled 17 keypoints in 3 samples from run r1, tagged "needs review". Undo reverts the whole batch.');
    expect(fillBatchText({ ...done, tag: null, belowThreshold: 2 }, 5, 'r1')).toBe('Filled 17 keypoints in 3 samples from run r1; 2 below the confidence threshold stay missing. Undo reverts the whole batch.');
  });
  it('says when there was nothing to fill, above the threshold where one was set', () => {
    const none = { actionId: null, samples: [], keypoints: 0, skipped: 5, tag: null };
    expect(fillBatchText(none, 5, 'r1')).toBe('Nothing to fill: none of the 5 samples has a missing keypoint that run r1 predicts.');
    expect(fillBatchText({ ...none, belowThreshold: 3 }, 5, 'r1')).toBe('Nothing to fill: none of the 5 samples has a missing keypoint that run r1 predicts above the threshold.');
  });
});
