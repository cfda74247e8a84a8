// Keeps the QC queue's state in the project file's meta table: the dismissed samples and the latest QC report.
// A second SQLite connection to the same file (WAL, busy timeout) so the store's own code is left untouched.
import Database from 'better-sqlite3';
import { KpsError } from '../core/errors.js';

export interface Dismissal {
  sampleId: number;
  at: string;
  actor: string;
  /** The sample's revision when dismissed (a later edit does not undo the dismissal; the UI may show it). */
  revision: number;
}

const DISMISSED = 'qc.dismissed';
const REPORT = 'qc.report';

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (err) {
    throw new KpsError('not-found', `${path}: cannot open the project file for QC state (${(err as Error).message})`, { file: path });
  }
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

function readKey(db: Database.Database, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

function writeKey(db: Database.Database, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

function parseDismissals(path: string, text: string | null): Dismissal[] {
  if (text === null) return [];
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new Error('not a list');
    return v as Dismissal[];
  } catch (err) {
    throw new KpsError('bad-input', `${path}: the stored QC dismissals are unreadable (${(err as Error).message})`, { file: path });
  }
}

export function readDismissals(path: string): Dismissal[] {
  return withDb(path, (db) => parseDismissals(path, readKey(db, DISMISSED)));
}

/** Adds (or with `remove`, takes away) dismissals in one transaction; returns the full list after. */
export function updateDismissals(path: string, add: Omit<Dismissal, 'at'>[], remove: number[]): Dismissal[] {
  return withDb(path, (db) =>
    db.transaction(() => {
      const now = new Date().toISOString();
      const map = new Map(parseDismissals(path, readKey(db, DISMISSED)).map((d) => [d.sampleId, d]));
      for (const id of remove) map.delete(id);
      for (const d of add) if (!map.has(d.sampleId)) map.set(d.sampleId, { ...d, at: now });
      const list = [...map.values()].sort((a, b) => a.sampleId - b.sampleId);
      writeKey(db, DISMISSED, JSON.stringify(list));
      return list;
    }).immediate(),
  );
}

export function saveReport(path: string, report: unknown): void {
  withDb(path, (db) => writeKey(db, REPORT, JSON.stringify(report)));
}

export function loadReport<T>(path: string): T | null {
  return withDb(path, (db) => {
    const text = readKey(db, REPORT);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new KpsError('bad-input', `${path}: the stored QC report is unreadable (${(err as Error).message}); run QC again`, { file: path });
    }
  });
}
