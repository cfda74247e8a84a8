// The editor session (src-renderer/editor/session.svelte.ts) without a DOM: a recording canvas, a fake save queue.
import { describe, expect, test } from 'vitest';
import type { KeypointSchema, LabelledKeypoint, SampleDetail } from '../../../src-main/core/types.js';
import type { KeypointEdit } from '../../../src-main/api/ops.js';
import type { GhostPoint } from '../../../src-renderer/editor/assist.js';
import { NOT_SENT, type SaveResult } from '../../../src-renderer/editor/labelSaves.js';
import { NudgeRuns, type NudgeLink } from '../../../src-renderer/editor/nudgeRun.js';
import type { PendingSave } from '../../../src-renderer/editor/pendingSaves.js';
import { defaultPrefs, type EditorPrefs } from '../../../src-renderer/editor/prefs.js';
import { EditorSession, type SessionCanvas } from '../../../src-renderer/editor/session.svelte.js';
import type { ViewTransform } from '../../../src-renderer/editor/transform.js';

const NAMES = ['left_eye', 'right_eye', 'nose', 'mouth'];
const schema: KeypointSchema = {
  id: 'test-4',
  title: 'four',
  keypoints: NAMES.map((name) => ({ name, group: 'other', side: 'center', color: '#fff' })),
  flipPairs: [[0, 1]],
  edges: [],
};

function kp(x: number, y: number, provenance = 'import'): LabelledKeypoint {
  return Number.isNaN(x) ? { x: NaN, y: NaN, state: 'missing', provenance } : { x, y, state: 'labelled', provenance };
}

function sample(id: number, keypoints: LabelledKeypoint[]): SampleDetail {
  return {
    id, source: 'a.csv', record: id, split: 'unassigned', groupId: null, tags: [], width: 96, height: 96,
    labelledCount: 0, missingCount: 0, occludedCount: 0, predictedCount: 0,
    image: { kind: 'embedded', width: 96, height: 96, channels: 1 }, keypoints, revision: 1,
  } as SampleDetail;
}

class RecordingCanvas implements SessionCanvas {
  size = { width: 400, height: 400 };
  transforms: ViewTransform[] = [];
  keypoints: LabelledKeypoint[][] = [];
  selected: (number | null)[] = [];
  draws = 0;
  names: boolean[] = [];
  setSchema(): void {}
  setImage(): void {}
  setKeypoints(k: readonly LabelledKeypoint[]): void { this.keypoints.push([...k]); }
  setSelected(i: number | null): void { this.selected.push(i); }
  setTransform(t: ViewTransform): void { this.transforms.push(t); }
  drawNow(): void { this.draws++; }
  setShowNames(on: boolean): void { this.names.push(on); }
  setSmoothing(): void {}
}

interface Harness {
  s: EditorSession;
  canvas: RecordingCanvas;
  prefs: EditorPrefs;
  sent: { save: PendingSave; link?: NudgeLink }[];
  reloads: number[];
  fillCompleted: number;
  answer: (r: SaveResult | Error) => void;
  persisted: number;
}

function harness(opts: { unsent?: KeypointEdit[]; ghosts?: GhostPoint[]; run?: string | null; prefs?: Partial<EditorPrefs> } = {}): Harness {
  const prefs: EditorPrefs = { ...defaultPrefs, zooms: {}, ...opts.prefs };
  let next: SaveResult | Error = { revision: 2, actionId: 7 };
  const h = {
    prefs, sent: [], reloads: [], fillCompleted: 0, persisted: 0,
    answer: (r: SaveResult | Error) => (next = r),
  } as unknown as Harness;
  h.s = new EditorSession({
    prefs: () => prefs,
    persistPrefs: () => h.persisted++,
    cache: { update: async () => undefined, projectPath: () => '/p/one.kps' },
    labelSaves: {
      enqueue: (save: PendingSave, link?: NudgeLink) => {
        h.sent.push({ save, link });
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    },
    nudgeRuns: new NudgeRuns(),
    unsentEdits: () => opts.unsent ?? [],
    reload: (id) => h.reloads.push(id),
    assistRun: () => opts.run ?? null,
    ghosts: () => opts.ghosts ?? [],
    fillComplete: () => h.fillCompleted++,
  });
  h.canvas = new RecordingCanvas();
  h.s.attach(h.canvas);
  h.s.setSchema(schema);
  return h;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('EditorSession', () => {
  test('show puts the unacknowledged edits on top of the stored keypoints and fits a new sample', () => {
    const h = harness({ unsent: [{ index: 2, x: 50, y: 60, state: 'labelled' }] });
    h.s.opening();
    expect(h.s.ready).toBe(false);
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(NaN, NaN), kp(NaN, NaN)]), null, null);
    expect(h.s.ready).toBe(true);
    expect(h.s.kps[2]).toMatchObject({ x: 50, y: 60, state: 'labelled', provenance: 'annotator' });
    expect(h.s.missingCount).toBe(1);
    expect(h.canvas.transforms).toHaveLength(1);
    // 96 px in a 400 px stage with a 12 px margin: scale (400 - 24) / 96.
    expect(h.s.view.scale).toBeCloseTo(376 / 96, 6);
    expect(h.canvas.draws).toBe(1);
    // The same sample again (a refresh) keeps the view and the selection.
    h.s.select(1);
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(51, 61), kp(NaN, NaN)]), null, null);
    expect(h.canvas.transforms).toHaveLength(1);
    expect(h.s.selected).toBe(1);
  });

  test('a drag end is one labels.set with the rounded position, shown at once, revision from the answer', async () => {
    const h = harness();
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(48, 50), kp(48, 70)]), null, null);
    h.s.place(0, 31.23456, 29.98765);
    expect(h.s.kps[0]).toMatchObject({ x: 31.23, y: 29.99, provenance: 'annotator' });
    expect(h.canvas.keypoints.at(-1)?.[0].x).toBe(31.23);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0].save).toEqual({ project: '/p/one.kps', sampleId: 4, edits: [{ index: 0, x: 31.23, y: 29.99, state: 'labelled' }], label: 'move left_eye' });
    await flush();
    expect(h.s.detail?.revision).toBe(2);
    expect(h.s.historyKey).toBe(1);
  });

  test('a save refused for good reloads the sample from the store; one held for another project changes nothing', async () => {
    const h = harness();
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(48, 50), kp(48, 70)]), null, null);
    h.answer(NOT_SENT);
    h.s.place(1, 61, 31);
    await flush();
    expect(h.s.historyKey).toBe(0);
    expect(h.reloads).toEqual([]);
    h.answer(new Error('bad input'));
    h.s.place(1, 62, 31);
    await flush();
    expect(h.reloads).toEqual([4]);
  });

  test('a typed coordinate outside the image is refused with a message and not sent', () => {
    const h = harness();
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(48, 50), kp(48, 70)]), null, null);
    const refused = h.s.setTyped(2, 200, 40);
    expect(refused).toMatch(/outside/);
    expect(h.s.flash).toMatch(/^nose: /);
    expect(h.sent).toHaveLength(0);
    expect(h.s.kps[2].x).toBe(48);
    expect(h.s.setTyped(2, 47.123, 40)).toBeNull();
    // Typed values are stored as typed (not rounded to the pointer's 1/100 px).
    expect(h.sent[0].save.edits[0]).toMatchObject({ x: 47.123, y: 40 });
    expect(h.sent[0].save.label).toBe('set nose');
  });

  test('fill mode: a click places the target, moves on, and says when the sample is complete', () => {
    const h = harness({ prefs: { fillMode: true } });
    h.s.show(sample(4, [kp(30, 30), kp(NaN, NaN), kp(48, 50), kp(NaN, NaN)]), null, null);
    expect(h.s.fillTarget).toBe(1);
    h.s.click({ x: 200, y: 10 }); // outside the image: ignored
    expect(h.sent).toHaveLength(0);
    h.s.click({ x: 60, y: 30 });
    expect(h.sent[0].save.label).toBe('place right_eye');
    expect(h.s.fillTarget).toBe(3);
    expect(h.fillCompleted).toBe(0);
    h.s.click({ x: 48, y: 70 });
    expect(h.s.fillTarget).toBeNull();
    expect(h.fillCompleted).toBe(1);
    expect(h.s.missingCount).toBe(0);
    // Deleting in fill mode makes the deleted keypoint the target again.
    h.s.markMissing(2);
    expect(h.s.kps[2].state).toBe('missing');
    expect(h.s.fillTarget).toBe(2);
  });

  test('a click on a ghost accepts that prediction as the model, not as the annotator', () => {
    const ghosts: GhostPoint[] = [{ index: 1, x: 60, y: 30 }, { index: 3, x: 48, y: 70 }];
    const h = harness({ ghosts, run: 'r7' });
    h.s.show(sample(4, [kp(30, 30), kp(NaN, NaN), kp(48, 50), kp(NaN, NaN)]), null, null);
    // Two image px from the ghost at scale 3.9: within the 10 screen px hit radius.
    h.s.click({ x: 61, y: 31 });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0].save).toMatchObject({ actor: 'model:r7', label: 'accept prediction of right_eye', edits: [{ index: 1, x: 60, y: 30 }] });
    expect(h.s.kps[1].provenance).toBe('model:r7');
    expect(h.s.predictedIdx).toEqual([1]);
    // Confirming makes it the annotator's, at the same place.
    expect(h.s.confirmPredicted([0, 1])).toBe(true);
    expect(h.sent[1].save).toMatchObject({ label: 'confirm right_eye', edits: [{ index: 1, x: 60, y: 30, state: 'labelled' }] });
    expect(h.sent[1].save.actor).toBeUndefined();
    expect(h.s.predictedIdx).toEqual([]);
    expect(h.s.confirmPredicted([1])).toBe(false);
  });

  test('with no run chosen nothing is accepted', () => {
    const h = harness({ ghosts: [{ index: 1, x: 60, y: 30 }], run: null });
    h.s.show(sample(4, [kp(30, 30), kp(NaN, NaN), kp(48, 50), kp(48, 70)]), null, null);
    expect(h.s.acceptGhosts([{ index: 1, x: 60, y: 30 }])).toBe(false);
    expect(h.sent).toHaveLength(0);
  });

  test('nudges of one keypoint link into one run; another action ends it', () => {
    const h = harness();
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(48, 50), kp(48, 70)]), null, null);
    h.s.nudge(1, 0, 1000); // nothing selected
    expect(h.sent).toHaveLength(0);
    h.s.select(2);
    h.s.nudge(0.5, 0, 1000);
    h.s.nudge(0.5, 0, 1200);
    expect(h.s.kps[2].x).toBe(49);
    const [a, b] = h.sent;
    a.link?.acknowledged(41);
    expect(b.link?.mergeInto()).toBe(41);
    h.s.toggleOccluded(2);
    expect(h.s.kps[2].state).toBe('occluded');
    h.s.nudge(0.5, 0, 1300);
    expect(h.sent[3].link?.mergeInto()).toBeUndefined();
  });

  test('the view is remembered per project, and the list selection wraps', () => {
    const h = harness();
    h.s.show(sample(4, [kp(30, 30), kp(60, 30), kp(48, 50), kp(48, 70)]), null, null);
    h.s.zoomStep(2);
    expect(h.s.view.scale).toBeCloseTo((376 / 96) * 1.25 * 1.25, 6);
    expect(Object.keys(h.prefs.zooms)).toEqual(['/p/one.kps']);
    h.s.zoomFit();
    expect(h.s.view.scale).toBeCloseTo(376 / 96, 6);
    h.s.selectStep(-1);
    expect(h.s.selected).toBe(3);
    h.s.selectStep(1);
    expect(h.s.selected).toBe(0);
    h.s.toggleView('showNames');
    expect(h.prefs.showNames).toBe(true);
    expect(h.canvas.names.at(-1)).toBe(true);
    h.s.dispose();
  });
});
