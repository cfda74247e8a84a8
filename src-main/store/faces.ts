// Each sample's face detector result (table faces, schema version 6): found once per image and reused by training, evaluation and prediction.
import type Database from 'better-sqlite3';
import { KpsError } from '../core/errors.js';

type Db = Database.Database;

/** One detector result for one sample. `box` is null when no face was found (then `reason` says why). */
export interface StoredFace {
  sampleId: number;
  /** Detector and threshold, e.g. `ssd-mobilenetv1@0.5`: a row from another detector counts as not looked at. */
  detector: string;
  found: boolean;
  box: { x: number; y: number; width: number; height: number; score: number } | null;
  reason: string | null;
  /** Detection time in milliseconds (decoding included). */
  ms: number;
  detectedAt: string;
}

interface Row {
  sample_id: number;
  detector: string;
  found: number;
  x: number | null;
  y: number | null;
  width: number | null;
  height: number | null;
  score: number | null;
  reason: string | null;
  ms: number;
  detected_at: string;
}

function decode(r: Row): StoredFace {
  const box = r.found === 1 && r.x !== null && r.y !== null && r.width !== null && r.height !== null ? { x: r.x, y: r.y, width: r.width, height: r.height, score: r.score ?? 0 } : null;
  return { sampleId: r.sample_id, detector: r.detector, found: r.found === 1, box, reason: r.reason, ms: r.ms, detectedAt: r.detected_at };
}

/** Writes (replaces) detector results in one transaction; all are checked first, so a bad one writes nothing. */
export function saveFaces(db: Db, faces: StoredFace[]): void {
  const known = db.prepare('SELECT 1 FROM samples WHERE id = ?');
  faces.forEach((f, i) => {
    if (!Number.isInteger(f?.sampleId) || !known.get(f.sampleId)) throw new KpsError('not-found', `face ${i} names sample ${String(f?.sampleId)}, which does not exist`);
    if (typeof f.detector !== 'string' || f.detector === '') throw new KpsError('bad-input', `face of sample ${f.sampleId}: detector must be a non-empty string`);
    if (f.found) {
      const b = f.box;
      if (!b || ![b.x, b.y, b.width, b.height, b.score].every(Number.isFinite) || !(b.width > 0 && b.height > 0)) {
        throw new KpsError('bad-input', `face of sample ${f.sampleId}: a found face needs a finite box with positive width and height, got ${JSON.stringify(b)}`);
      }
    }
    if (!(Number.isFinite(f.ms) && f.ms >= 0)) throw new KpsError('bad-input', `face of sample ${f.sampleId}: ms must be a non-negative number`);
  });
  const put = db.prepare(`INSERT INTO faces(sample_id, detector, found, x, y, width, height, score, reason, ms, detected_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(sample_id) DO UPDATE SET detector = excluded.detector, found = excluded.found, x = excluded.x, y = excluded.y,
      width = excluded.width, height = excluded.height, score = excluded.score, reason = excluded.reason, ms = excluded.ms, detected_at = excluded.detected_at`);
  db.transaction(() => {
    for (const f of faces) {
      const b = f.found ? f.box : null;
      put.run(f.sampleId, f.detector, f.found ? 1 : 0, b?.x ?? null, b?.y ?? null, b?.width ?? null, b?.height ?? null, b?.score ?? null, f.reason, f.ms, f.detectedAt);
    }
  })();
}

/** Detector results of the given samples (all when omitted), in sample order; samples never looked at are absent. */
export function getFaces(db: Db, sampleIds?: number[]): StoredFace[] {
  if (sampleIds === undefined) return (db.prepare('SELECT * FROM faces ORDER BY sample_id').all() as Row[]).map(decode);
  const rows = db.prepare('SELECT f.* FROM faces f JOIN json_each(?) j ON j.value = f.sample_id ORDER BY f.sample_id').all(JSON.stringify(sampleIds)) as Row[];
  return rows.map(decode);
}

/** Live samples with a face found, with none found, and not looked at yet. */
export function faceCounts(db: Db): { found: number; none: number; pending: number } {
  const r = db
    .prepare(`SELECT sum(f.found = 1) AS found, sum(f.found = 0) AS none, sum(f.sample_id IS NULL) AS pending
      FROM samples s LEFT JOIN faces f ON f.sample_id = s.id WHERE s.deleted = 0`)
    .get() as { found: number | null; none: number | null; pending: number | null };
  return { found: r.found ?? 0, none: r.none ?? 0, pending: r.pending ?? 0 };
}

export const FACE_FILTERS = ['found', 'none', 'pending'] as const;
export type FaceFilter = (typeof FACE_FILTERS)[number];

/** The SQL condition (on samples `s`) of the gallery's face filter. */
export function faceFilterSql(filter: FaceFilter): string {
  if (filter === 'found') return 'EXISTS (SELECT 1 FROM faces f WHERE f.sample_id = s.id AND f.found = 1)';
  if (filter === 'none') return 'EXISTS (SELECT 1 FROM faces f WHERE f.sample_id = s.id AND f.found = 0)';
  return 'NOT EXISTS (SELECT 1 FROM faces f WHERE f.sample_id = s.id)';
}
