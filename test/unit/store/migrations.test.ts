// Migration tests: a v1 project file, made by the migration code itself, opens migrated to the latest version.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createProjectFile, openProject } from '../../../src-main/store/project.js';
import { LATEST_VERSION, MIGRATIONS } from '../../../src-main/store/migrations.js';
import { schema5, tempDir } from './fixtures.js';
import { runConfig } from '../../helpers/run-record.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('kps-migrate-')));
afterEach(() => cleanup());

/** Writes two samples the way version 1 of the app stored them (raw SQL against the v1 tables). */
function writeV1Samples(file: string): void {
  const db = new Database(file);
  const sample = db.prepare(`INSERT INTO samples(id, source, record, image_kind, width, height, channels, split, revision, labelled_count, missing_count, occluded_count)
    VALUES (?, '/d/training.csv', ?, 'embedded', 4, 2, 1, 'train', 1, ?, ?, 0)`);
  const pixels = db.prepare('INSERT INTO sample_pixels(sample_id, pixels) VALUES (?, ?)');
  const label = db.prepare("INSERT INTO labels(sample_id, kp_index, x, y, state, provenance) VALUES (?, ?, ?, ?, ?, 'import')");
  db.transaction(() => {
    sample.run(1, 1, 5, 0);
    pixels.run(1, Buffer.from([10, 20, 30, 40, 50, 60, 70, 80]));
    for (let k = 0; k < 5; k++) label.run(1, k, k, k + 0.5, 'labelled');
    sample.run(2, 2, 4, 1);
    pixels.run(2, Buffer.from([0, 255, 0, 255, 0, 255, 0, 255]));
    for (let k = 0; k < 5; k++) label.run(2, k, k === 4 ? null : 2 * k, k === 4 ? null : 1, k === 4 ? 'missing' : 'labelled');
  })();
  db.close();
}

describe('migrations', () => {
  it('lists versions in order ending at LATEST_VERSION', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    expect(LATEST_VERSION).toBeGreaterThan(1);
  });

  it('opens a version-1 file, migrates it to the latest version and keeps its data', () => {
    const file = join(dir, 'old.kps');
    createProjectFile(file, schema5, 1);
    writeV1Samples(file);
    const raw = new Database(file, { readonly: true });
    expect((raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe('1');
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'runs'").get()).toBeUndefined();
    raw.close();

    const store = openProject(file);
    try {
      expect(store.schemaVersion).toBe(LATEST_VERSION);
      expect(store.sampleCount()).toBe(2);
      expect(store.getSample(2).keypoints[4].state).toBe('missing');
      expect(Array.from(store.getPixels(1)!)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
      // v3 back-filled the per-sample pixel summaries from the v1 blobs.
      const st = store.stats();
      expect(st.pixel).toEqual({ min: 0, max: 255, mean: (360 + 4 * 255) / 16, sampled: 2 });
      expect(st.splits.train).toBe(2);
      // v2 added runs and predictions.
      store.saveRun({ id: 'r', name: 'r', model: 'm', config: runConfig(), backend: 'wasm', dataVersion: 0, status: 'done', createdAt: 'now', endedAt: null, notes: '', epochs: [], final: null, checkpointDir: null });
      store.savePredictions([{ runId: 'r', sampleId: 1, coords: new Array(10).fill(0), error: 0 }]);
      expect(store.getPredictions('r')).toHaveLength(1);
      // Edits and undo work on the migrated file.
      store.setLabels(2, [{ index: 4, x: 1, y: 1, state: 'labelled' }], 'annotator');
      expect(store.getSample(2).missingCount).toBe(0);
      store.undo();
      expect(store.getSample(2).missingCount).toBe(1);
    } finally {
      store.close();
    }
    const after = new Database(file, { readonly: true });
    expect((after.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe(String(LATEST_VERSION));
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    after.close();
  });

  it('refuses a file made by a newer version of the app', () => {
    const file = join(dir, 'future.kps');
    createProjectFile(file, schema5);
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(LATEST_VERSION + 1));
    db.close();
    expect(() => openProject(file)).toThrow(/newer than this app supports/);
  });

  it('refuses an SQLite file that is not a project', () => {
    const file = join(dir, 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t(a)');
    db.close();
    expect(() => openProject(file)).toThrow(/not a Keypoint Studio project/);
  });
});
