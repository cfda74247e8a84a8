// The project file's SQL schema as an ordered list of migrations; `migrate` brings any older file up to date.
import type Database from 'better-sqlite3';
import { KpsError } from '../core/errors.js';

type Db = Database.Database;

export interface Migration {
  version: number;
  description: string;
  up(db: Db): void;
}

/**
 * Each migration moves the file from version-1 to version. Never edit a released migration: append a new one.
 * v1: samples, labels, tags, journal and actions. v2: training runs and predictions.
 * v3: per-sample pixel statistics materialised for fast dataset statistics, back-filled from the blobs.
 * v4: each run's own train / val / test split per sample (a random or group split exists only inside its run).
 * v5: the source of each import (resolved path, content hash, image-set hash), to detect a repeated import.
 * v6: face detector boxes per sample. v7: the confidence a model gave a keypoint it filled (store/predicted.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'samples, labels, tags, edit journal',
    up(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE samples (
          id INTEGER PRIMARY KEY,
          source TEXT NOT NULL,
          record INTEGER NOT NULL,
          external_id TEXT,
          image_kind TEXT NOT NULL CHECK (image_kind IN ('embedded', 'file', 'none')),
          image_path TEXT,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          channels INTEGER NOT NULL,
          split TEXT NOT NULL DEFAULT 'unassigned' CHECK (split IN ('train', 'val', 'test', 'unassigned')),
          group_id TEXT,
          deleted INTEGER NOT NULL DEFAULT 0,
          revision INTEGER NOT NULL,
          labelled_count INTEGER NOT NULL,
          missing_count INTEGER NOT NULL,
          occluded_count INTEGER NOT NULL
        );
        -- Embedded pixels live in their own table keyed by sample id so that scans and filters over
        -- samples never page through 9 KB blobs (a blob inside the row would spill into overflow pages).
        CREATE TABLE sample_pixels (sample_id INTEGER PRIMARY KEY REFERENCES samples(id), pixels BLOB NOT NULL);
        CREATE INDEX samples_missing ON samples(deleted, missing_count, id);
        CREATE INDEX samples_source ON samples(deleted, source, record, id);
        CREATE INDEX samples_split ON samples(deleted, split, id);
        CREATE TABLE labels (
          sample_id INTEGER NOT NULL REFERENCES samples(id),
          kp_index INTEGER NOT NULL,
          x REAL,
          y REAL,
          state TEXT NOT NULL CHECK (state IN ('labelled', 'missing', 'occluded')),
          provenance TEXT NOT NULL,
          PRIMARY KEY (sample_id, kp_index)
        ) WITHOUT ROWID;
        CREATE TABLE tags (
          sample_id INTEGER NOT NULL REFERENCES samples(id),
          tag TEXT NOT NULL,
          PRIMARY KEY (sample_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX tags_by_tag ON tags(tag, sample_id);
        -- One row per user-visible action. kind: edit (undoable), import, undo, redo.
        -- undone: an edit that is currently undone; redoable: still on the redo stack;
        -- undo_seq: orders the redo stack (the most recently undone first).
        CREATE TABLE actions (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('edit', 'import', 'undo', 'redo')),
          label TEXT NOT NULL,
          actor TEXT NOT NULL,
          at TEXT NOT NULL,
          undone INTEGER NOT NULL DEFAULT 0,
          redoable INTEGER NOT NULL DEFAULT 0,
          undo_seq INTEGER,
          target_action INTEGER
        );
        CREATE INDEX actions_live ON actions(kind, undone, id);
        CREATE INDEX actions_redo ON actions(redoable, undo_seq);
        -- Append-only: rows are never updated or deleted; undo and redo append their own rows.
        CREATE TABLE journal (
          id INTEGER PRIMARY KEY,
          action_id INTEGER NOT NULL REFERENCES actions(id),
          kind TEXT NOT NULL,
          sample_id INTEGER NOT NULL,
          kp_index INTEGER,
          before TEXT,
          after TEXT,
          actor TEXT NOT NULL,
          at TEXT NOT NULL
        );
        CREATE INDEX journal_by_sample ON journal(sample_id, id);
        CREATE INDEX journal_by_action ON journal(action_id, id);
      `);
    },
  },
  {
    version: 2,
    description: 'training runs and predictions',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          model TEXT NOT NULL,
          config TEXT NOT NULL,
          backend TEXT NOT NULL,
          data_version INTEGER NOT NULL,
          status TEXT NOT NULL,
          created_at TEXT NOT NULL,
          ended_at TEXT,
          notes TEXT NOT NULL DEFAULT '',
          epochs TEXT NOT NULL DEFAULT '[]',
          final TEXT,
          checkpoint_dir TEXT
        ) WITHOUT ROWID;
        -- coords: little-endian float64 [x0, y0, x1, y1, ...], NaN where not predicted.
        CREATE TABLE predictions (
          run_id TEXT NOT NULL REFERENCES runs(id),
          sample_id INTEGER NOT NULL,
          coords BLOB NOT NULL,
          error REAL,
          PRIMARY KEY (run_id, sample_id)
        ) WITHOUT ROWID;
        CREATE INDEX predictions_by_error ON predictions(run_id, error);
      `);
    },
  },
  {
    version: 3,
    description: 'materialised per-sample pixel statistics',
    up(db) {
      db.exec(`
        ALTER TABLE samples ADD COLUMN pix_min INTEGER;
        ALTER TABLE samples ADD COLUMN pix_max INTEGER;
        ALTER TABLE samples ADD COLUMN pix_sum INTEGER;
        ALTER TABLE samples ADD COLUMN pix_count INTEGER;
      `);
      const update = db.prepare('UPDATE samples SET pix_min = ?, pix_max = ?, pix_sum = ?, pix_count = ? WHERE id = ?');
      const rows = db.prepare('SELECT sample_id AS id, pixels FROM sample_pixels').iterate() as IterableIterator<{ id: number; pixels: Buffer }>;
      const pending: [number, PixelSummary][] = [];
      for (const row of rows) pending.push([row.id, summarisePixels(row.pixels)]);
      for (const [id, s] of pending) update.run(s.min, s.max, s.sum, s.count, id);
    },
  },
  {
    version: 4,
    description: "each run's split per sample",
    up(db) {
      // Deleting a run deletes its split (foreign keys are on); samples are only ever soft-deleted.
      db.exec(`
        CREATE TABLE run_splits (
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          sample_id INTEGER NOT NULL REFERENCES samples(id),
          split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
          PRIMARY KEY (run_id, sample_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'import sources for repeat detection',
    up(db) {
      // One row per import action that wrote samples. content_hash: SHA-256 of the imported file (NULL for a
      // folder); image_set_hash: SHA-256 of the sorted image paths of file-backed samples (NULL when none).
      // An import counts as repeated only while its action is not undone.
      db.exec(`
        CREATE TABLE import_sources (
          action_id INTEGER PRIMARY KEY REFERENCES actions(id),
          format TEXT NOT NULL,
          path TEXT NOT NULL,
          content_hash TEXT,
          image_set_hash TEXT,
          sample_count INTEGER NOT NULL
        );
        CREATE INDEX import_sources_by_content ON import_sources(path, content_hash);
        CREATE INDEX import_sources_by_images ON import_sources(image_set_hash);
      `);
    },
  },
  {
    version: 6,
    description: 'face detector boxes per sample',
    up(db) {
      // One row per sample the face detector has looked at (store/faces.ts): found = 0 keeps "no face" so it is not
      // looked for again; the box is then NULL and `reason` says why. `detector` names the detector and threshold.
      db.exec(`
        CREATE TABLE faces (
          sample_id INTEGER PRIMARY KEY REFERENCES samples(id),
          detector TEXT NOT NULL,
          found INTEGER NOT NULL CHECK (found IN (0, 1)),
          x REAL, y REAL, width REAL, height REAL, score REAL,
          reason TEXT,
          ms REAL NOT NULL,
          detected_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 7,
    description: 'confidence of model-filled keypoints',
    up(db) {
      // A row holds while the label's provenance still equals `provenance` (the model that wrote it): a person's edit
      // or confirmation changes the provenance, and undoing that edit brings the row back into force. No journal
      // column is needed for it, and stale rows are ignored rather than deleted.
      db.exec(`
        CREATE TABLE label_confidence (
          sample_id INTEGER NOT NULL REFERENCES samples(id),
          kp_index INTEGER NOT NULL,
          provenance TEXT NOT NULL,
          confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
          PRIMARY KEY (sample_id, kp_index)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export interface PixelSummary {
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** Min, max and sum of 8-bit grey levels in one pass. */
export function summarisePixels(pixels: Uint8Array): PixelSummary {
  let min = 255;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (pixels.length === 0) min = 0;
  return { min, max, sum, count: pixels.length };
}

export function readSchemaVersion(db: Db): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/**
 * Applies every migration above the file's version, up to `target`, each in its own transaction with the
 * version bump, so a crash mid-migration leaves the file at the previous version.
 */
export function migrate(db: Db, file: string, target: number = LATEST_VERSION): number {
  let current = readSchemaVersion(db);
  if (current > LATEST_VERSION) {
    throw new KpsError('bad-input', `${file}: project file has schema version ${current}, newer than this app supports (${LATEST_VERSION}); update Keypoint Studio`, { file });
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    // IMMEDIATE takes the write lock first; the version is read again under it, so two processes opening
    // the same old file at once migrate it once.
    current = db.transaction(() => {
      const now = readSchemaVersion(db);
      if (now >= m.version) return now;
      m.up(db);
      db.prepare("INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(m.version));
      return m.version;
    }).immediate();
  }
  return current;
}
