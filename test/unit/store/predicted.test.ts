// Predicted, unconfirmed keypoints in the store: a model's fill keeps its provenance and confidence until a person
// confirms or changes the value; counts, the gallery filter, statistics, confirm (one undoable action) and export.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { withoutPredicted } from '../../../src-main/service/export-subset.js';
import { embeddedSample, schema5, tempDir } from './fixtures.js';

let store: ProjectStore;
let cleanup: () => void;

beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = createProject(join(t.dir, 'p.kps'), schema5);
  // Sample 1 misses keypoints 2 and 3; sample 2 misses 4; sample 3 is complete.
  store.importSamples([embeddedSample(1, [2, 3]), embeddedSample(2, [4]), embeddedSample(3)], 'import');
});
afterEach(() => {
  store.close();
  cleanup();
});

function fill(): number | null {
  return store.setLabelsBatch(
    [
      { sampleId: 1, edits: [{ index: 2, x: 3, y: 2, state: 'labelled', confidence: 0.9 }, { index: 3, x: 4, y: 3, state: 'labelled', confidence: 0.4 }] },
      { sampleId: 2, edits: [{ index: 4, x: 5, y: 1, state: 'labelled' }] },
    ],
    'model:run-1',
    'Fill from run-1',
  ).actionId;
}

describe('predicted, unconfirmed keypoints', () => {
  it('keeps a fill distinct: provenance, confidence, counts per sample, the filter and the statistics', () => {
    fill();
    const s1 = store.getSample(1);
    expect(s1.predictedCount).toBe(2);
    expect(s1.keypoints[2]).toMatchObject({ x: 3, y: 2, state: 'labelled', provenance: 'model:run-1', confidence: 0.9 });
    expect(s1.keypoints[3].confidence).toBe(0.4);
    expect(s1.keypoints[0].confidence).toBeUndefined();
    // A model without a confidence: the value is predicted, with none shown.
    const s2 = store.getSample(2);
    expect(s2.predictedCount).toBe(1);
    expect(s2.keypoints[4].confidence).toBeUndefined();
    expect(store.listSamples({}).items.map((s) => s.predictedCount)).toEqual([2, 1, 0]);
    expect(store.sampleIds({ predicted: true })).toEqual([1, 2]);
    expect(store.sampleIds({ predicted: false })).toEqual([3]);
    const st = store.stats();
    expect(st.predicted).toEqual({ keypoints: 3, samples: 2 });
    expect(st.keypoints.map((k) => k.predicted)).toEqual([0, 0, 1, 1, 1]);
    // Still counted as labelled: a predicted value is a value, only not yet a person's.
    expect(st.keypoints[2].labelled).toBe(3);
  });

  it('a person moving a predicted point makes it theirs; undoing the move brings back the prediction and its confidence', () => {
    fill();
    store.setLabels(1, [{ index: 2, x: 3.5, y: 2, state: 'labelled' }], 'annotator');
    let s1 = store.getSample(1);
    expect(s1.keypoints[2].provenance).toBe('annotator');
    expect(s1.keypoints[2].confidence).toBeUndefined();
    expect(s1.predictedCount).toBe(1);
    store.undo();
    s1 = store.getSample(1);
    expect(s1.keypoints[2]).toMatchObject({ x: 3, provenance: 'model:run-1', confidence: 0.9 });
  });

  it('confirms one sample, one keypoint, or all, as one undoable action each, without moving anything', () => {
    fill();
    const before = store.getSample(1).keypoints.map((k) => [k.x, k.y, k.state]);
    const one = store.confirmPredicted([1], 'annotator', [3]);
    expect(one).toMatchObject({ samples: [1], keypoints: 1 });
    expect(store.getSample(1).keypoints.map((k) => k.provenance)).toEqual(['import', 'import', 'model:run-1', 'annotator', 'import']);
    const all = store.confirmPredicted(null, 'annotator:alice');
    expect(all).toMatchObject({ samples: [1, 2], keypoints: 2 });
    expect(store.getSample(1).keypoints.map((k) => [k.x, k.y, k.state])).toEqual(before);
    expect(store.sampleIds({ predicted: true })).toEqual([]);
    expect(store.stats().predicted).toEqual({ keypoints: 0, samples: 0 });
    expect(store.getSample(2).keypoints[4].provenance).toBe('annotator:alice');
    // Nothing left to confirm: no action.
    expect(store.confirmPredicted(null, 'annotator').actionId).toBeNull();
    // One undo reverts the "confirm all" whole.
    const u = store.undo();
    expect(u.label).toMatch(/^Confirm 2 predicted keypoints of 2 samples/);
    expect(store.sampleIds({ predicted: true })).toEqual([1, 2]);
    expect(store.getSample(1).keypoints[2].confidence).toBe(0.9);
  });

  it('refuses a model as the confirmer, a confidence outside [0, 1], and unknown samples', () => {
    fill();
    expect(() => store.confirmPredicted([1], 'model:run-2')).toThrow(/a person's actor/);
    expect(() => store.setLabels(1, [{ index: 2, x: 1, y: 1, state: 'labelled', confidence: 1.5 }], 'model:run-1')).toThrow(KpsError);
    expect(() => store.setLabels(1, [{ index: 2, x: 1, y: 1, state: 'labelled', confidence: 1.5 }], 'model:run-1')).toThrow(/confidence 1\.5/);
    expect(() => store.confirmPredicted([99], 'annotator')).toThrow(/sample 99 does not exist/);
  });

  it('exports with predicted values marked, or left out as missing', () => {
    fill();
    const all = [...store.exportSource().samples()];
    expect(all[0].predicted).toEqual([false, false, true, true, false]);
    expect(all[0].confidence).toEqual([null, null, 0.9, 0.4, null]);
    expect(all[1].confidence).toEqual([null, null, null, null, null]);
    expect(all[2].predicted).toBeUndefined();
    const dropped = withoutPredicted(store.exportSource());
    const out = [...dropped.samples()];
    expect(dropped.excluded()).toBe(3);
    expect(out[0].keypoints.map((k) => k.state)).toEqual(['labelled', 'labelled', 'missing', 'missing', 'labelled']);
    expect(out[1].keypoints[4].state).toBe('missing');
    expect(out[2].keypoints).toEqual(all[2].keypoints);
    expect(out[0].predicted).toBeUndefined();
  });
});
