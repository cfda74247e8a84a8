// Face detector results in the store (schema v6, store/faces.ts): added to older files, replaced per sample, checked before any write, counted and filtered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createProjectFile, openProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import type { StoredFace } from '../../../src-main/store/faces.js';
import { schema5, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('kps-faces-')));
afterEach(() => cleanup());

/** A v5 file (the release before faces) with three label-only samples. */
function v5Project(file: string): void {
  createProjectFile(file, schema5, 5);
  const db = new Database(file);
  const put = db.prepare(`INSERT INTO samples(id, source, record, image_kind, width, height, channels, revision, labelled_count, missing_count, occluded_count)
    VALUES (?, '/d/a.csv', ?, 'none', 640, 480, 1, 1, 0, 5, 0)`);
  for (const id of [1, 2, 3]) put.run(id, id);
  db.close();
}

const face = (sampleId: number, found: boolean): StoredFace => ({
  sampleId,
  detector: 'ssd-mobilenetv1@0.5',
  found,
  box: found ? { x: 10.5, y: 20.25, width: 100, height: 120, score: 0.9 } : null,
  reason: found ? null : 'no face found',
  ms: 12.5,
  detectedAt: '2026-12-03T00:00:00.000Z',
});

describe('faces in the store', () => {
  let store: ProjectStore;
  beforeEach(() => {
    const file = join(dir, 'p.kps');
    v5Project(file);
    store = openProject(file);
  });
  afterEach(() => store.close());

  it('adds the faces table to a version-5 file; results round-trip and replace earlier ones', () => {
    expect(store.schemaVersion).toBeGreaterThanOrEqual(6);
    expect(store.getFaces()).toEqual([]);
    store.saveFaces([face(2, false), face(1, true)]);
    expect(store.getFaces()).toEqual([face(1, true), face(2, false)]);
    expect(store.getFaces([2])).toEqual([face(2, false)]);
    store.saveFaces([face(2, true)]);
    expect(store.getFaces([2])).toEqual([face(2, true)]);
  });

  it('counts found, none and not-looked-at samples in the statistics, and filters the gallery by them', () => {
    store.saveFaces([face(1, true), face(2, false)]);
    expect(store.stats().faces).toEqual({ found: 1, none: 1, pending: 1 });
    expect(store.sampleIds({ face: 'found' })).toEqual([1]);
    expect(store.sampleIds({ face: 'none' })).toEqual([2]);
    expect(store.sampleIds({ face: 'pending' })).toEqual([3]);
    // Counts are fresh although detection does not change the data version (the stats cache).
    store.saveFaces([face(3, true)]);
    expect(store.stats().faces).toEqual({ found: 2, none: 1, pending: 0 });
  });

  it('refuses a bad result with the sample named, and writes none of the batch', () => {
    expect(() => store.saveFaces([face(1, true), face(9, true)])).toThrow(/face 1 names sample 9, which does not exist/);
    expect(() => store.saveFaces([face(1, true), { ...face(2, true), box: { x: 0, y: 0, width: 0, height: 5, score: 1 } }])).toThrow(/face of sample 2: a found face needs a finite box with positive width and height/);
    expect(store.getFaces()).toEqual([]);
  });
});
