// A run's own split in the store (schema v4): written and read per sample, checked before any write, gone with its run, and added to older files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createProjectFile, openProject } from '../../../src-main/store/project.js';
import type { ProjectStore, RunRecord } from '../../../src-main/store/types.js';
import { schema5, tempDir } from './fixtures.js';
import { runConfig } from '../../helpers/run-record.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('kps-run-split-')));
afterEach(() => cleanup());

function run(id: string): RunRecord {
  return { id, name: id, model: 'kpnet', config: runConfig({ split: 'random' }), backend: 'wasm', dataVersion: 0, status: 'done', createdAt: '2026-01-01T00:00:00Z', endedAt: null, notes: '', epochs: [], final: null, checkpointDir: null };
}

/** A v3 file (as the previous release wrote it) with three label-only samples. */
function v3Project(file: string): void {
  createProjectFile(file, schema5, 3);
  const db = new Database(file);
  const put = db.prepare(`INSERT INTO samples(id, source, record, image_kind, width, height, channels, revision, labelled_count, missing_count, occluded_count)
    VALUES (?, '/d/a.csv', ?, 'none', 96, 96, 1, 1, 0, 5, 0)`);
  for (const id of [1, 2, 3]) put.run(id, id);
  db.close();
}

describe('run splits in the store', () => {
  let store: ProjectStore;
  beforeEach(() => {
    const file = join(dir, 'p.kps');
    v3Project(file);
    store = openProject(file);
  });
  afterEach(() => store.close());

  it('adds the run_splits table to a version-3 file and keeps each run its own sides, in sample order', () => {
    expect(store.schemaVersion).toBeGreaterThanOrEqual(4);
    store.saveRun(run('a'));
    store.saveRun(run('b'));
    store.saveRunSplit('a', [{ sampleId: 3, split: 'test' }, { sampleId: 1, split: 'train' }, { sampleId: 2, split: 'val' }]);
    store.saveRunSplit('b', [{ sampleId: 1, split: 'test' }]);
    expect(store.getRunSplit('a')).toEqual([{ sampleId: 1, split: 'train' }, { sampleId: 2, split: 'val' }, { sampleId: 3, split: 'test' }]);
    expect(store.getRunSplit('b')).toEqual([{ sampleId: 1, split: 'test' }]);
    // The samples' own split is untouched: a run's split is the run's.
    expect(store.getSample(1).split).toBe('unassigned');
    // Saving again replaces the run's split.
    store.saveRunSplit('b', [{ sampleId: 2, split: 'train' }]);
    expect(store.getRunSplit('b')).toEqual([{ sampleId: 2, split: 'train' }]);
  });

  it('refuses a bad entry with the run and the entry named, and writes nothing', () => {
    store.saveRun(run('a'));
    store.saveRunSplit('a', [{ sampleId: 1, split: 'train' }]);
    expect(() => store.saveRunSplit('a', [{ sampleId: 2, split: 'val' }, { sampleId: 3, split: 'unassigned' as 'train' }])).toThrow(/run a: split entry 1 \(sample 3\) has side "unassigned"/);
    expect(() => store.saveRunSplit('a', [{ sampleId: 2, split: 'val' }, { sampleId: 99, split: 'test' }])).toThrow(/run a: split entry 1 names sample 99, which does not exist/);
    expect(() => store.saveRunSplit('nope', [{ sampleId: 1, split: 'train' }])).toThrow(/run nope does not exist/);
    expect(store.getRunSplit('a')).toEqual([{ sampleId: 1, split: 'train' }]);
  });

  it('deletes a run together with its split', () => {
    store.saveRun(run('a'));
    store.saveRunSplit('a', [{ sampleId: 1, split: 'train' }, { sampleId: 2, split: 'test' }]);
    store.deleteRun('a');
    expect(store.getRunSplit('a')).toEqual([]);
    // The id can be used again without the old split showing through.
    store.saveRun(run('a'));
    expect(store.getRunSplit('a')).toEqual([]);
  });
});
