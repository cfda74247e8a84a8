// Unit tests of the project store on a real SQLite file in a temporary folder, with synthetic samples.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createProject, openProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { ImportError, KpsError } from '../../../src-main/core/errors.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { embeddedSample, schema5, tempDir } from './fixtures.js';
import { epochMetrics, finalMetrics, runConfig } from '../../helpers/run-record.js';

let dir: string;
let cleanup: () => void;
let store: ProjectStore;
let file: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'p.kps');
  store = createProject(file, schema5);
});
afterEach(() => {
  store.close();
  cleanup();
});

function reopen(): ProjectStore {
  store.close();
  store = openProject(file);
  return store;
}

/** Rows 1..n; row r misses the keypoints in `missingOf(r)`. */
function importRows(n: number, missingOf: (r: number) => number[] = () => [], source?: string): void {
  const samples: ImportedSample[] = [];
  for (let r = 1; r <= n; r++) samples.push(embeddedSample(r, missingOf(r), source ? { source } : {}));
  store.importSamples(samples, 'import');
}

describe('create and open', () => {
  it('persists the schema and reopens with the same samples', () => {
    importRows(3);
    reopen();
    expect(store.schema).toEqual(schema5);
    expect(store.sampleCount()).toBe(3);
    expect(store.schemaVersion).toBeGreaterThanOrEqual(3);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses to overwrite an existing file', () => {
    expect(() => createProject(file, schema5)).toThrow(/already exists/);
  });

  it('reports a missing file and a file that is not a project', () => {
    expect(() => openProject(join(dir, 'nope.kps'))).toThrow(KpsError);
    const junk = join(dir, 'junk.kps');
    writeFileSync(junk, 'this is not a database at all, just some text that is long enough'.repeat(20));
    expect(() => openProject(junk)).toThrow(/junk\.kps.*cannot open|not a Keypoint Studio project/);
  });

  it('rejects a schema with pairs outside its keypoints', () => {
    const bad = { ...schema5, flipPairs: [[0, 9]] as [number, number][] };
    expect(() => createProject(join(dir, 'bad.kps'), bad)).toThrow(/outside 0\.\.4/);
  });
});

describe('importSamples', () => {
  it('stores samples, labels with NaN for missing, pixels, and journals the import', () => {
    const res = store.importSamples([embeddedSample(1), embeddedSample(2, [1, 4])], 'import');
    expect(res).toMatchObject({ count: 2, firstId: 1, lastId: 2 });
    const s = store.getSample(2);
    expect(s.missingCount).toBe(2);
    expect(s.labelledCount).toBe(3);
    expect(Number.isNaN(s.keypoints[1].x) && Number.isNaN(s.keypoints[1].y)).toBe(true);
    expect(s.keypoints[1].state).toBe('missing');
    expect(s.keypoints[0]).toEqual({ x: 2, y: 4, state: 'labelled', provenance: 'import' });
    expect(s.image).toEqual({ kind: 'embedded', width: 8, height: 6, channels: 1 });
    const px = store.getPixels(2)!;
    expect(Array.from(px)).toEqual(Array.from(embeddedSample(2).image.kind === 'embedded' ? (embeddedSample(2).image as { pixels: Uint8Array }).pixels : []));
    expect(store.getImagePath(2)).toBeNull();
    const h = store.history(2);
    expect(h).toHaveLength(1);
    expect(h[0].kind).toBe('import');
    expect(h[0].actor).toBe('import');
    expect(h[0].actionKind).toBe('import');
  });

  it('keeps absolute paths of file-backed samples and the nominal size of label-only rows', () => {
    store.importSamples(
      [
        { source: '/imm/01-1m.pts', record: 1, image: { kind: 'file', path: '/imm/01-1m.jpg', width: 640, height: 480, channels: 3 }, groupId: '01', keypoints: embeddedSample(1).keypoints },
        { source: '/k/labels.csv', record: 7, image: { kind: 'none', width: 96, height: 96, channels: 0 }, groupId: null, externalId: 'row7', keypoints: embeddedSample(7, [0]).keypoints },
      ],
      'import',
    );
    expect(store.getImagePath(1)).toBe('/imm/01-1m.jpg');
    expect(store.getPixels(1)).toBeNull();
    const s = store.getSample(1);
    expect(s.groupId).toBe('01');
    expect(s.image).toEqual({ kind: 'file', path: '/imm/01-1m.jpg', width: 640, height: 480, channels: 3 });
    expect(store.getSample(2).image).toEqual({ kind: 'none', width: 96, height: 96, channels: 0 });
    const exported = [...store.exportSource().samples()];
    expect(exported[1].externalId).toBe('row7');
    expect(exported[0].imagePath).toBe('/imm/01-1m.jpg');
  });

  it('rejects bad samples naming the file and record, and writes nothing', () => {
    importRows(2);
    const before = { count: store.sampleCount(), version: store.dataVersion() };
    const bad = embeddedSample(3, [], { source: '/data/bad.csv' });
    bad.keypoints[2] = { x: NaN, y: 5, state: 'labelled' };
    const call = () => store.importSamples([embeddedSample(3), embeddedSample(4), bad], 'import');
    expect(call).toThrow(ImportError);
    expect(call).toThrow(/\/data\/bad\.csv, record 3: keypoint nose_tip is labelled/);
    const short = embeddedSample(5);
    short.keypoints.pop();
    expect(() => store.importSamples([short], 'import')).toThrow(/record 5: has 4 keypoints, schema test-5 has 5/);
    const pix = embeddedSample(6);
    (pix.image as { pixels: Uint8Array }).pixels = new Uint8Array(10);
    expect(() => store.importSamples([pix], 'import')).toThrow(/record 6: embedded image has 10 pixels, expected 8x6 = 48/);
    expect(store.sampleCount()).toBe(before.count);
    expect(store.dataVersion()).toBe(before.version);
  });

  it('is all or nothing when a failure happens half-way through writing', () => {
    importRows(2);
    const versionBefore = store.dataVersion();
    const samples = [embeddedSample(3), embeddedSample(4), embeddedSample(5), embeddedSample(6)];
    // The third sample's image reads fine during validation, then throws when the store writes it:
    // a failure after rows 3 and 4 were already inserted inside the transaction.
    const good = samples[2].image;
    let reads = 0;
    Object.defineProperty(samples[2], 'image', {
      get() {
        reads++;
        if (reads > 1) throw new Error('disk on fire');
        return good;
      },
    });
    expect(() => store.importSamples(samples, 'import')).toThrow(/disk on fire/);
    expect(reads).toBeGreaterThan(1);
    expect(store.sampleCount()).toBe(2);
    expect(store.dataVersion()).toBe(versionBefore);
    expect(store.sampleIds({})).toEqual([1, 2]);
    reopen();
    expect(store.sampleCount()).toBe(2);
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM labels').get() as { n: number }).n).toBe(10);
    expect((db.prepare('SELECT count(*) AS n FROM sample_pixels').get() as { n: number }).n).toBe(2);
    expect((db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n).toBe(2);
    db.close();
    // The next import gets the next ids: nothing of the failed one is left behind.
    expect(store.importSamples([embeddedSample(9)], 'import')).toMatchObject({ count: 1, firstId: 3, lastId: 3 });
  });
});

describe('bulk imports', () => {
  const journalMode = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.pragma('journal_mode', { simple: true });
    } finally {
      db.close();
    }
  };

  it('returns to WAL after a large import and stays all or nothing', () => {
    importRows(2);
    const big = Array.from({ length: 300 }, (_, i) => embeddedSample(i + 3));
    const good = big[250].image;
    let reads = 0;
    let modeDuringImport: unknown = null;
    Object.defineProperty(big[250], 'image', {
      get() {
        if (++reads > 1) {
          // Mid-transaction: the file is in rollback-journal mode for this large import.
          modeDuringImport = journalMode();
          throw new Error('disk on fire');
        }
        return good;
      },
    });
    expect(() => store.importSamples(big, 'import')).toThrow(/disk on fire/);
    expect(modeDuringImport).toBe('delete');
    expect(store.sampleCount()).toBe(2);
    expect(journalMode()).toBe('wal');
    const ok = Array.from({ length: 300 }, (_, i) => embeddedSample(i + 3));
    expect(store.importSamples(ok, 'import')).toMatchObject({ count: 300, firstId: 3, lastId: 302 });
    expect(journalMode()).toBe('wal');
    reopen();
    expect(store.sampleCount()).toBe(302);
    expect(store.getSample(302).record).toBe(302);
    // The large import (written in rollback-journal mode) is one undoable action like any other.
    expect(store.undo().label).toBe('Import 300 samples from training.csv');
    expect(store.sampleCount()).toBe(2);
    expect(() => store.getSample(3)).toThrow(/deleted/);
    store.redo();
    expect(store.sampleCount()).toBe(302);
    expect(store.getSample(3).record).toBe(3);
  });

  it('imports in WAL mode when another connection has the project open', () => {
    const other = new Database(file);
    try {
      other.prepare('SELECT count(*) FROM samples').get();
      const big = Array.from({ length: 250 }, (_, i) => embeddedSample(i + 1));
      expect(store.importSamples(big, 'import').count).toBe(250);
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect((other.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n).toBe(250);
    } finally {
      other.close();
    }
    store.setLabels(1, [{ index: 0, x: 5, y: 5, state: 'labelled' }], 'annotator');
    expect(journalMode()).toBe('wal');
  });
});

describe('listSamples and sampleIds', () => {
  beforeEach(() => {
    // Row r misses r mod 4 keypoints (the first ones); sources alternate between two files.
    const samples: ImportedSample[] = [];
    for (let r = 1; r <= 20; r++) {
      const missing = Array.from({ length: r % 4 }, (_, i) => i);
      samples.push(embeddedSample(r, missing, { source: r % 2 ? '/d/odd_100%.csv' : '/d/even.csv' }));
    }
    store.importSamples(samples, 'import');
  });

  it('filters by missing counts and a named missing keypoint', () => {
    const ids = (q: object) => store.sampleIds(q);
    expect(ids({ minMissing: 3 })).toEqual([3, 7, 11, 15, 19]);
    expect(ids({ maxMissing: 0 })).toEqual([4, 8, 12, 16, 20]);
    expect(ids({ minMissing: 1, maxMissing: 2 })).toEqual([1, 2, 5, 6, 9, 10, 13, 14, 17, 18]);
    // Keypoint 2 is missing where r mod 4 == 3.
    expect(ids({ missingKeypoint: 2 })).toEqual([3, 7, 11, 15, 19]);
    expect(ids({ missingKeypoint: 4 })).toEqual([]);
    const page = store.listSamples({ missingKeypoint: 1, limit: 3 });
    expect(page.total).toBe(10);
    expect(page.items.map((i) => i.id)).toEqual([2, 3, 6]);
    expect(page.items[0].keypoints[1].state).toBe('missing');
    expect(page.items[0].keypoints).toHaveLength(5);
  });

  it('filters by split, tag and text in the source (wildcards taken literally)', () => {
    store.setSplit([1, 2, 3], 'val', 'annotator');
    store.tagSamples([2, 5], ['needs review'], [], 'annotator');
    expect(store.sampleIds({ split: 'val' })).toEqual([1, 2, 3]);
    expect(store.sampleIds({ split: 'unassigned' })).toHaveLength(17);
    expect(store.sampleIds({ tag: 'needs review' })).toEqual([2, 5]);
    expect(store.sampleIds({ tag: 'needs review', split: 'val' })).toEqual([2]);
    expect(store.sampleIds({ text: '100%' })).toHaveLength(10);
    expect(store.sampleIds({ text: 'even' })).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(store.sampleIds({ text: '_' })).toHaveLength(10);
    expect(store.sampleIds({ text: 'EVEN' })).toHaveLength(10);
    const item = store.listSamples({ tag: 'needs review' }).items[0];
    expect(item.tags).toEqual(['needs review']);
    expect(item.split).toBe('val');
  });

  it('sorts by missing count, source and id, and pages with offset and limit', () => {
    const desc = store.sampleIds({ sort: 'missing-desc' });
    expect(desc.slice(0, 5)).toEqual([3, 7, 11, 15, 19]);
    expect(desc.slice(-5)).toEqual([4, 8, 12, 16, 20]);
    expect(store.sampleIds({ sort: 'missing-asc', limit: 2 })).toEqual([4, 8]);
    const bySource = store.sampleIds({ sort: 'source' });
    expect(bySource.slice(0, 10)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    const page = store.listSamples({ offset: 18, limit: 5 });
    expect(page.total).toBe(20);
    expect(page.items.map((i) => i.id)).toEqual([19, 20]);
    expect(store.listSamples({ sort: 'missing-desc', offset: 2, limit: 2 }).items.map((i) => i.id)).toEqual(store.sampleIds({ sort: 'missing-desc' }).slice(2, 4));
  });

  it('sorts by a run\'s prediction error, samples without one last', () => {
    store.saveRun(run('r1'));
    const coords = new Array(10).fill(1);
    store.savePredictions([
      { runId: 'r1', sampleId: 4, coords, error: 1.5 },
      { runId: 'r1', sampleId: 9, coords, error: 7 },
      { runId: 'r1', sampleId: 2, coords, error: 3 },
      { runId: 'r1', sampleId: 5, coords, error: null },
    ]);
    const ids = store.sampleIds({ sort: 'error-desc', runId: 'r1' });
    expect(ids.slice(0, 3)).toEqual([9, 2, 4]);
    expect(ids).toHaveLength(20);
    expect(store.sampleIds({ sort: 'error-desc', runId: 'r1', maxMissing: 0 }).slice(0, 2)).toEqual([4, 8]);
    expect(() => store.sampleIds({ sort: 'error-desc' })).toThrow(/needs query\.runId/);
    expect(() => store.sampleIds({ sort: 'error-desc', runId: 'nope' })).toThrow(/run nope does not exist/);
  });

  it('rejects malformed queries', () => {
    expect(() => store.sampleIds({ minMissing: -1 })).toThrow(/minMissing/);
    expect(() => store.sampleIds({ missingKeypoint: 5 })).toThrow(/outside 0\.\.4/);
    expect(() => store.sampleIds({ sort: 'bogus' as 'id' })).toThrow(/sort must be one of/);
  });

  it('leaves deleted samples out', () => {
    store.deleteSamples([1, 2], 'annotator');
    expect(store.sampleIds({}).slice(0, 2)).toEqual([3, 4]);
    expect(store.listSamples({}).total).toBe(18);
    expect(store.sampleCount()).toBe(18);
    expect(() => store.getSample(1)).toThrow(/deleted/);
  });
});

function run(id: string): Parameters<ProjectStore['saveRun']>[0] {
  return {
    id,
    name: `run ${id}`,
    model: 'vgg',
    config: runConfig({ lr: 0.001, batch: 64 }),
    backend: 'wasm',
    dataVersion: 3,
    status: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    endedAt: null,
    notes: '',
    epochs: [],
    final: null,
    checkpointDir: null,
  };
}

describe('setLabels, undo and redo', () => {
  beforeEach(() => importRows(3, (r) => (r === 2 ? [1, 2] : [])));

  it('writes an edit, updates counts, revision, provenance and data version', () => {
    const v0 = store.dataVersion();
    const rev0 = store.getSample(2).revision;
    const res = store.setLabels(2, [{ index: 1, x: 3.5, y: 4.25, state: 'labelled' }], 'annotator:alice');
    expect(res.actionId).toBeGreaterThan(0);
    expect(res.revision).toBeGreaterThan(rev0);
    expect(store.dataVersion()).toBe(v0 + 1);
    const s = store.getSample(2);
    expect(s.revision).toBe(res.revision);
    expect(s.keypoints[1]).toEqual({ x: 3.5, y: 4.25, state: 'labelled', provenance: 'annotator:alice' });
    expect(s.missingCount).toBe(1);
    expect(s.labelledCount).toBe(4);
    store.setLabels(2, [{ index: 0, x: NaN, y: NaN, state: 'missing' }, { index: 3, x: 1, y: 1, state: 'occluded' }], 'annotator');
    const t = store.getSample(2);
    expect([t.labelledCount, t.missingCount, t.occludedCount]).toEqual([2, 2, 1]);
    expect(Number.isNaN(t.keypoints[0].x)).toBe(true);
  });

  it('rejects bad edits without writing anything', () => {
    const v0 = store.dataVersion();
    expect(() => store.setLabels(2, [{ index: 0, x: 1, y: 1, state: 'labelled' }, { index: 9, x: 1, y: 1, state: 'labelled' }], 'annotator')).toThrow(/index 9 is outside/);
    expect(() => store.setLabels(2, [{ index: 0, x: NaN, y: 1, state: 'labelled' }], 'annotator')).toThrow(/not finite/);
    expect(() => store.setLabels(2, [{ index: 0, x: 1, y: 1, state: 'hidden' as 'labelled' }], 'annotator')).toThrow(/unknown state/);
    expect(() => store.setLabels(99, [{ index: 0, x: 1, y: 1, state: 'labelled' }], 'annotator')).toThrow(/sample 99 does not exist/);
    expect(() => store.setLabels(2, [{ index: 0, x: 1, y: 1, state: 'labelled' }], '')).toThrow(/actor/);
    expect(store.dataVersion()).toBe(v0);
    expect(store.getSample(2).keypoints[0]).toEqual({ x: 2, y: 4, state: 'labelled', provenance: 'import' });
    expect(store.undo().label).toMatch(/^Import /); // only the import is left to undo
  });

  it('records nothing for an edit that changes no value', () => {
    const k = store.getSample(1).keypoints[0];
    store.setLabels(1, [{ index: 0, x: k.x, y: k.y, state: 'labelled' }], 'annotator');
    const again = store.setLabels(1, [{ index: 0, x: k.x, y: k.y, state: 'labelled' }], 'annotator');
    expect(again.actionId).toBe(0);
    expect(store.history(1)).toHaveLength(2);
  });

  it('continues an action with mergeInto only while it is the newest, same keypoints, same actor, not undone', () => {
    const k0 = store.getSample(1).keypoints[0];
    const x = () => store.getSample(1).keypoints[0].x;
    const a = store.setLabels(1, [{ index: 0, x: k0.x + 0.5, y: k0.y, state: 'labelled' }], 'annotator', 'nudge left_eye');
    const b = store.setLabels(1, [{ index: 0, x: k0.x + 1, y: k0.y, state: 'labelled' }], 'annotator', 'nudge left_eye', a.actionId);
    const c = store.setLabels(1, [{ index: 0, x: k0.x + 1.5, y: k0.y, state: 'labelled' }], 'annotator', 'nudge left_eye', a.actionId);
    expect([b.actionId, c.actionId]).toEqual([a.actionId, a.actionId]);
    // Every write is journalled (append-only) and bumps the revision, so caches see each step.
    expect(c.revision).toBeGreaterThan(b.revision);
    expect(store.history(1).filter((e) => e.kind === 'keypoint').map((e) => e.actionId)).toEqual([a.actionId, a.actionId, a.actionId]);
    // Not continued: another keypoint, another actor, another sample, an action that is not the newest.
    expect(store.setLabels(1, [{ index: 1, x: 5, y: 5, state: 'labelled' }], 'annotator', 'nudge', a.actionId).actionId).not.toBe(a.actionId);
    const d = store.setLabels(1, [{ index: 0, x: k0.x + 2, y: k0.y, state: 'labelled' }], 'annotator', 'nudge', a.actionId);
    expect(d.actionId).not.toBe(a.actionId);
    expect(store.setLabels(1, [{ index: 0, x: k0.x + 3, y: k0.y, state: 'labelled' }], 'model:r1', 'nudge', d.actionId).actionId).not.toBe(d.actionId);
    expect(() => store.setLabels(1, [{ index: 0, x: 1, y: 1, state: 'labelled' }], 'annotator', 'nudge', -3)).toThrow(/sample 1: mergeInto must be an action id/);
    // Undo the three newest actions, then the merged run in one step: back to the first before.
    store.undo();
    store.undo();
    store.undo();
    expect(x()).toBe(k0.x + 1.5);
    expect(store.undo().actionId).toBe(a.actionId);
    expect(x()).toBe(k0.x);
    // Redo brings the whole run back; an undone action is never continued.
    expect(store.redo().actionId).toBe(a.actionId);
    expect(x()).toBe(k0.x + 1.5);
    store.undo();
    expect(store.setLabels(1, [{ index: 0, x: 9, y: 9, state: 'labelled' }], 'annotator', 'x', a.actionId).actionId).not.toBe(a.actionId);
  });

  it('undoes and redoes in stack order, and a new edit drops the redo stack', () => {
    const a1 = store.setLabels(1, [{ index: 0, x: 10, y: 10, state: 'labelled' }], 'annotator').actionId;
    const a2 = store.setLabels(1, [{ index: 0, x: 20, y: 20, state: 'labelled' }], 'annotator').actionId;
    const a3 = store.setLabels(2, [{ index: 1, x: 30, y: 30, state: 'labelled' }], 'annotator').actionId;
    const x = (id: number, i: number) => store.getSample(id).keypoints[i].x;

    expect(store.undo()).toEqual({ actionId: a3, label: 'Move right_eye', sampleIds: [2] });
    expect(Number.isNaN(x(2, 1))).toBe(true);
    expect(store.getSample(2).keypoints[1].state).toBe('missing');
    expect(store.getSample(2).missingCount).toBe(2);
    expect(store.undo().actionId).toBe(a2);
    expect(x(1, 0)).toBe(10);
    expect(store.redo().actionId).toBe(a2);
    expect(x(1, 0)).toBe(20);
    expect(store.redo().actionId).toBe(a3);
    expect(x(2, 1)).toBe(30);
    expect(store.redo().actionId).toBeNull();

    expect(store.undo().actionId).toBe(a3);
    expect(store.undo().actionId).toBe(a2);
    expect(store.undo().actionId).toBe(a1);
    expect(x(1, 0)).toBe(1);
    expect(store.getSample(1).keypoints[0].provenance).toBe('import');
    // The import is undoable too: undo soft-deletes its samples, redo brings them back with their labels.
    const imp = store.undo();
    expect(imp.label).toMatch(/^Import 3 samples/);
    expect(store.sampleCount()).toBe(0);
    expect(store.undo().actionId).toBeNull();
    expect(store.redo().actionId).toBe(imp.actionId);
    expect(store.getSample(1).keypoints[0].x).toBe(1);
    expect(store.sampleCount()).toBe(3);

    expect(store.redo().actionId).toBe(a1);
    store.setLabels(3, [{ index: 4, x: 5, y: 5, state: 'labelled' }], 'annotator');
    expect(store.redo().actionId).toBeNull();
    expect(x(1, 0)).toBe(10);
  });

  it('keeps undo and redo across a restart', () => {
    const a1 = store.setLabels(1, [{ index: 0, x: 10, y: 10, state: 'labelled' }], 'annotator').actionId;
    const a2 = store.setLabels(1, [{ index: 2, x: 11, y: 12, state: 'occluded' }], 'annotator').actionId;
    store.undo();
    reopen();
    expect(store.getSample(1).keypoints[2].state).toBe('labelled');
    expect(store.redo().actionId).toBe(a2);
    reopen();
    expect(store.getSample(1).keypoints[2]).toEqual({ x: 11, y: 12, state: 'occluded', provenance: 'annotator' });
    expect(store.undo().actionId).toBe(a2);
    expect(store.undo().actionId).toBe(a1);
    reopen();
    expect(store.getSample(1).keypoints[0].x).toBe(1);
    expect(store.undo().label).toMatch(/^Import /); // only the import is left to undo
  });

  it('undoes a batch, tags, splits and deletes as one action each', () => {
    const batch = store.setLabelsBatch(
      [
        { sampleId: 2, edits: [{ index: 1, x: 1, y: 1, state: 'labelled' }, { index: 2, x: 2, y: 2, state: 'labelled' }] },
        { sampleId: 3, edits: [{ index: 0, x: 3, y: 3, state: 'labelled' }] },
      ],
      'model:r1',
      'Fill from run r1',
    );
    expect(batch.actionId).not.toBeNull();
    expect(store.getSample(2).missingCount).toBe(0);
    expect(store.getSample(2).keypoints[1].provenance).toBe('model:r1');
    const tag = store.tagSamples([1, 2], ['needs review'], [], 'annotator').actionId;
    const split = store.setSplit([1, 3], 'test', 'annotator').actionId;
    const del = store.deleteSamples([2], 'annotator').actionId;
    expect(store.sampleCount()).toBe(2);

    const u1 = store.undo();
    expect(u1.actionId).toBe(del);
    expect(store.sampleCount()).toBe(3);
    expect(store.getSample(2).tags).toEqual(['needs review']);
    expect(store.undo().actionId).toBe(split);
    expect(store.getSample(1).split).toBe('unassigned');
    expect(store.getSample(3).split).toBe('unassigned');
    expect(store.undo().actionId).toBe(tag);
    expect(store.sampleIds({ tag: 'needs review' })).toEqual([]);
    const ub = store.undo();
    expect(ub).toEqual({ actionId: batch.actionId, label: 'Fill from run r1', sampleIds: [3, 2] });
    expect(store.getSample(2).missingCount).toBe(2);
    expect(store.getSample(3).keypoints[0].provenance).toBe('import');

    store.redo();
    store.redo();
    expect(store.sampleIds({ tag: 'needs review' })).toEqual([1, 2]);
    expect(store.getSample(2).missingCount).toBe(0);
    // Re-tagging a sample that already has the tag changes nothing and records nothing.
    expect(store.tagSamples([1], ['needs review'], [], 'annotator').actionId).toBeNull();
    expect(store.tagSamples([1], [], ['needs review'], 'annotator').actionId).not.toBeNull();
    expect(store.getSample(1).tags).toEqual([]);
  });

  it('keeps the whole history of a sample, oldest first, with provenance and undone flags', () => {
    store.setLabels(2, [{ index: 1, x: 5, y: 6, state: 'labelled' }], 'annotator:bob');
    store.setLabels(2, [{ index: 1, x: 7, y: 8, state: 'labelled' }], 'model:r9');
    store.undo('annotator:bob');
    store.tagSamples([2], ['reviewed'], [], 'annotator:bob');
    const h = store.history(2);
    expect(h.map((e) => [e.kind, e.actor, e.actionKind, e.undone])).toEqual([
      ['import', 'import', 'import', false],
      ['keypoint', 'annotator:bob', 'edit', false],
      ['keypoint', 'model:r9', 'edit', true],
      ['keypoint', 'annotator:bob', 'undo', false],
      ['tag-add', 'annotator:bob', 'edit', false],
    ]);
    expect(h[2].before).toEqual({ x: 5, y: 6, state: 'labelled', provenance: 'annotator:bob' });
    expect(h[2].after).toEqual({ x: 7, y: 8, state: 'labelled', provenance: 'model:r9' });
    expect(h[3].after).toEqual(h[2].before);
    const first = h[1].before as { x: number; state: string };
    expect(Number.isNaN(first.x) && first.state === 'missing').toBe(true);
    expect(h.map((e) => e.id)).toEqual([...h.map((e) => e.id)].sort((a, b) => a - b));
    expect(() => store.history(404)).toThrow(/does not exist/);
  });
});

describe('changesSinceImport', () => {
  it('counts edited, filled and made-missing keypoints by provenance, ignoring undone and no-op changes', () => {
    importRows(4, (r) => (r === 2 ? [1, 2] : []));
    const imported = store.getSample(1).keypoints[0];
    store.setLabels(1, [{ index: 0, x: 9, y: 9, state: 'labelled' }, { index: 1, x: NaN, y: NaN, state: 'missing' }], 'annotator:alice');
    store.setLabels(2, [{ index: 1, x: 3, y: 3, state: 'labelled' }, { index: 2, x: 4, y: 4, state: 'labelled' }], 'model:r1');
    store.setLabels(3, [{ index: 3, x: 7, y: 7, state: 'labelled' }], 'annotator:bob');
    store.undo(); // sample 3's change is gone
    const k4 = store.getSample(4).keypoints[4];
    store.setLabels(4, [{ index: 4, x: k4.x, y: k4.y, state: 'occluded' }], 'annotator:alice');
    // Moved away and back to the imported value: no difference remains.
    store.setLabels(4, [{ index: 0, x: 100, y: 100, state: 'labelled' }], 'annotator:bob');
    const k40 = embeddedSample(4).keypoints[0];
    store.setLabels(4, [{ index: 0, x: k40.x, y: k40.y, state: 'labelled' }], 'annotator:bob');
    expect(store.changesSinceImport()).toEqual({
      samplesChanged: 3,
      edited: 2,
      filled: 2,
      madeMissing: 1,
      byProvenance: {
        'annotator:alice': { edited: 2, filled: 0, madeMissing: 1 },
        'model:r1': { edited: 0, filled: 2, madeMissing: 0 },
      },
      deletedSamples: 0,
    });
    expect(imported.x).not.toBe(9);
    store.deleteSamples([2], 'annotator');
    const after = store.changesSinceImport();
    expect([after.samplesChanged, after.filled, after.deletedSamples]).toEqual([2, 0, 1]);
  });
});

describe('stats', () => {
  it('matches a direct computation over the imported values', () => {
    const samples: ImportedSample[] = [];
    for (let r = 1; r <= 40; r++) {
      const missing = r % 3 === 0 ? [0, 1, 2] : r % 5 === 0 ? [4] : [];
      // 100x100 so that every keypoint (x up to 41, y up to 80) lies inside its image.
      samples.push(embeddedSample(r, missing, { w: 100, h: 100 }));
    }
    samples.push({ source: '/x/a.pts', record: 1, image: { kind: 'file', path: '/x/a.jpg', width: 640, height: 480, channels: 3 }, groupId: 'a', keypoints: embeddedSample(50).keypoints });
    store.importSamples(samples, 'import');
    store.setSplit([1, 2], 'train', 'annotator');
    store.setLabels(7, [{ index: 3, x: 1, y: 2, state: 'occluded' }], 'annotator');
    store.deleteSamples([40], 'annotator');
    const st = store.stats();

    const live = samples.filter((_, i) => i !== 39).map((s, i) => {
      if (i === 6) s.keypoints[3] = { x: 1, y: 2, state: 'occluded' };
      return s;
    });
    expect(st.sampleCount).toBe(40);
    expect(st.imageShapes).toEqual([
      { width: 100, height: 100, channels: 1, count: 39 },
      { width: 640, height: 480, channels: 3, count: 1 },
    ]);
    expect(st.dtype).toBe('uint8');
    const allPixels = live.flatMap((s) => (s.image.kind === 'embedded' ? Array.from(s.image.pixels) : []));
    expect(st.pixel).toEqual({
      min: allPixels.reduce((a, b) => Math.min(a, b), 255),
      max: allPixels.reduce((a, b) => Math.max(a, b), 0),
      mean: expect.closeTo(allPixels.reduce((a, b) => a + b, 0) / allPixels.length, 10),
      sampled: 39,
    });
    for (let k = 0; k < 5; k++) {
      const present = live.map((s) => s.keypoints[k]).filter((p) => p.state !== 'missing');
      const ks = st.keypoints[k];
      expect(ks.name).toBe(schema5.keypoints[k].name);
      expect(ks.labelled + ks.occluded).toBe(present.length);
      expect(ks.missing).toBe(40 - present.length);
      expect(ks.occluded).toBe(k === 3 ? 1 : 0);
      const xs = present.map((p) => p.x);
      const ys = present.map((p) => p.y);
      expect(ks.xMin).toBe(Math.min(...xs));
      expect(ks.yMax).toBe(Math.max(...ys));
      expect(ks.xMean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 9);
      expect(st.meanShape[k]!.y).toBeCloseTo(ys.reduce((a, b) => a + b, 0) / ys.length, 9);
    }
    const complete = live.filter((s) => s.keypoints.every((p) => p.state !== 'missing')).length;
    expect(st.completeRows).toBe(complete);
    const hist = [0, 0, 0, 0, 0, 0];
    for (const s of live) hist[s.keypoints.filter((p) => p.state !== 'missing').length]++;
    expect(st.labelledPerRowHistogram).toEqual(hist);
    expect(st.splits).toEqual({ train: 2, val: 0, test: 0, unassigned: 38 });
  });

  it('leaves coordinates far outside the image (written before they were checked) out of min, max and mean', () => {
    importRows(3);
    store.close();
    // A file from before the importers and labels.set checked the range: one wild value written straight into it.
    const db = new Database(file);
    db.prepare('UPDATE labels SET y = 1e300 WHERE sample_id = 2 AND kp_index = 1').run();
    db.prepare('UPDATE labels SET x = -300 WHERE sample_id = 3 AND kp_index = 1').run();
    db.close();
    store = openProject(file);
    const ks = store.stats().keypoints[1];
    expect(ks.labelled).toBe(3);
    // Only sample 1's keypoint 1 (x 1.25, y 1.5) is inside its 8x6 image by the margin.
    expect(ks.yMax).toBe(1.5);
    expect(ks.yMean).toBe(1.5);
    expect(ks.xMin).toBe(1.25);
    expect(ks.xMean).toBe(1.25);
  });

  it('reflects every change at once, and a caller mutating its copy does not affect the next answer', () => {
    importRows(4, (r) => (r === 1 ? [0] : []));
    const a = store.stats();
    expect(a.keypoints[0].labelled).toBe(3);
    a.keypoints[0].labelled = 999;
    expect(store.stats().keypoints[0].labelled).toBe(3);
    store.setLabels(1, [{ index: 0, x: 1, y: 1, state: 'labelled' }], 'annotator');
    expect(store.stats().keypoints[0].labelled).toBe(4);
    expect(store.stats().completeRows).toBe(4);
    store.deleteSamples([2], 'annotator');
    expect(store.stats().sampleCount).toBe(3);
    store.undo();
    store.undo();
    const b = store.stats();
    expect([b.sampleCount, b.completeRows, b.keypoints[0].labelled]).toEqual([4, 3, 3]);
  });

  it('reports null pixel statistics and null means when there is nothing to measure', () => {
    store.importSamples([{ source: '/k/l.csv', record: 1, image: { kind: 'none', width: 96, height: 96, channels: 0 }, groupId: null, keypoints: embeddedSample(1, [0, 1, 2, 3, 4]).keypoints }], 'import');
    const st = store.stats();
    expect(st.pixel).toBeNull();
    expect(st.meanShape).toEqual([null, null, null, null, null]);
    expect(st.keypoints[0]).toMatchObject({ labelled: 0, missing: 1, xMin: null, xMean: null });
    expect(st.labelledPerRowHistogram).toEqual([1, 0, 0, 0, 0, 0]);
  });
});

describe('exportSource', () => {
  it('iterates every live sample in id order with labels and pixels, in chunks, while edits go on', () => {
    importRows(600, (r) => (r % 2 ? [2] : []));
    store.deleteSamples([5, 300], 'annotator');
    const src = store.exportSource();
    expect(src.count()).toBe(598);
    expect(src.schema.id).toBe('test-5');
    const seen: number[] = [];
    for (const s of src.samples()) {
      seen.push(s.id);
      // Editing mid-export must not fail with a busy connection.
      if (s.id === 10) store.setLabels(400, [{ index: 0, x: 0.5, y: 0.5, state: 'labelled' }], 'annotator');
      if (s.id === 3) {
        expect(s.keypoints[2].state).toBe('missing');
        expect(Number.isNaN(s.keypoints[2].x)).toBe(true);
        expect(s.pixels).toHaveLength(48);
        expect(s.pixels![0]).toBe(21);
        expect(s.record).toBe(3);
      }
      if (s.id === 400) expect(s.keypoints[0].x).toBe(0.5);
    }
    expect(seen).toHaveLength(598);
    expect(seen).not.toContain(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('runs and predictions', () => {
  it('saves, updates, lists and deletes runs with their predictions', () => {
    importRows(3);
    store.saveRun(run('a'));
    store.saveRun({ ...run('b'), createdAt: '2026-01-02T00:00:00.000Z' });
    store.saveRun({ ...run('a'), status: 'done', epochs: [epochMetrics(1, { train_loss: 0.5 })], final: finalMetrics({ train: 8, val: 1, test: 1 }, { best_val_rmse_px: 2.1 }), endedAt: '2026-01-01T01:00:00.000Z', checkpointDir: '/ck/a' });
    const a = store.getRun('a');
    expect(a.status).toBe('done');
    expect(a.epochs).toEqual([epochMetrics(1, { train_loss: 0.5 })]);
    expect(a.final).toEqual(finalMetrics({ train: 8, val: 1, test: 1 }, { best_val_rmse_px: 2.1 }));
    expect(a.config).toEqual(runConfig({ lr: 0.001, batch: 64 }));
    expect(store.listRuns().map((r) => r.id)).toEqual(['a', 'b']);
    const coords = [1, 2, NaN, NaN, 3.25, 4.5, 5, 6, 7, 8];
    store.savePredictions([{ runId: 'a', sampleId: 1, coords, error: 0.75 }, { runId: 'a', sampleId: 2, coords, error: null }]);
    const got = store.getPredictions('a', [2]);
    expect(got).toHaveLength(1);
    expect(got[0].coords.slice(0, 2)).toEqual([1, 2]);
    expect(Number.isNaN(got[0].coords[2])).toBe(true);
    expect(got[0].error).toBeNull();
    expect(store.getPredictions('a').map((p) => p.error)).toEqual([0.75, null]);
    expect(() => store.savePredictions([{ runId: 'a', sampleId: 1, coords: [1, 2], error: null }])).toThrow(/expected 10/);
    expect(() => store.savePredictions([{ runId: 'zz', sampleId: 1, coords, error: null }])).toThrow(/run zz does not exist/);
    store.deleteRun('a');
    expect(() => store.getRun('a')).toThrow(/does not exist/);
    expect(store.getPredictions('a')).toEqual([]);
    expect(() => store.deleteRun('a')).toThrow(KpsError);
    reopen();
    expect(store.listRuns().map((r) => r.id)).toEqual(['b']);
  });
});
