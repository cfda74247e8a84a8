// The project file itself: recognising one read-only before anything writes to it, creating one, and opening the
// SQLite connection with the store's pragmas (WAL, FULL sync, busy timeout).
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { KpsError } from '../core/errors.js';
import type { KeypointSchema } from '../core/types.js';
import { LATEST_VERSION, migrate } from './migrations.js';
import { nowIso, type Db } from './rows.js';

function validateSchema(schema: KeypointSchema, file: string): void {
  const bad = (why: string): never => {
    throw new KpsError('bad-input', `${file}: invalid keypoint schema: ${why}`, { file });
  };
  if (!schema || typeof schema !== 'object') bad('not an object');
  if (typeof schema.id !== 'string' || schema.id === '') bad('missing id');
  if (!Array.isArray(schema.keypoints) || schema.keypoints.length === 0) bad('no keypoints');
  const k = schema.keypoints.length;
  const names = new Set<string>();
  for (const kp of schema.keypoints) {
    if (typeof kp.name !== 'string' || kp.name === '') bad('a keypoint has no name');
    if (names.has(kp.name)) bad(`keypoint name ${kp.name} appears twice`);
    names.add(kp.name);
  }
  for (const list of [schema.flipPairs ?? [], schema.edges ?? []]) {
    for (const pair of list) {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((i) => Number.isInteger(i) && i >= 0 && i < k)) {
        bad(`pair ${JSON.stringify(pair)} refers to a keypoint outside 0..${k - 1}`);
      }
    }
  }
}

/** Written into the SQLite header of every project ("KPSt"): a quick, read-only way to recognise one. */
export const KPS_APPLICATION_ID = 0x4b505374;
/**
 * How long a statement waits for another process's lock before the store answers `busy` (retryable). Short, because
 * the wait blocks the process (better-sqlite3 is synchronous): in `kps serve` every client would stall with it. The
 * caller retries instead (the renderer's save queue after the error's retryAfterMs).
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 1000;

export interface OpenProjectOptions {
  /**
   * Read-only: takes no lock, writes nothing (no migration, no WAL switch), so it works beside the writer that holds
   * the lock (`kps stats`, `kps export` while `kps serve` runs). Writes through it fail with `conflict`.
   */
  readOnly?: boolean;
  /** Default 1000 ms; tests shorten it. */
  busyTimeoutMs?: number;
}

export function applyPragmas(db: Db, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  // synchronous=FULL: in WAL mode NORMAL already survives a process kill (the WAL is in the OS cache),
  // but it may lose the last commits on power loss; FULL fsyncs the WAL at every commit so an
  // acknowledged edit is on disk. A commit's fsync measured about 0.3 ms on this machine's disk when quiet (several
  // ms when the shared machine is busy); the store's own work per edit is about 0.5 ms of CPU.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -32000');
  // After a checkpoint, shrink a WAL that a large import grew, instead of keeping it at its peak size.
  db.pragma('journal_size_limit = 8388608');
}

/** Thrown errors from SQLite for a file that is not a database become a message the user can act on. */
export function openDatabase(path: string, mustExist: boolean, opts: OpenProjectOptions = {}): Db {
  let db: Db | null = null;
  try {
    db = new Database(path, { fileMustExist: mustExist, readonly: opts.readOnly === true });
    if (opts.readOnly) db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    else applyPragmas(db, opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    if (db?.open) db.close();
    const msg = err instanceof Error ? err.message : String(err);
    throw new KpsError('bad-input', `${path}: cannot open as a Keypoint Studio project (${msg})`, { file: path });
  }
  return db;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks, reading only, that `path` is a Keypoint Studio project before anything opens it for writing (which would
 * switch another application's database to WAL for good, or turn an empty file into a 4 KB database). Looks at the
 * SQLite header (magic, application_id), then, for projects made before the application_id was written, at the
 * `meta` table through a read-only connection. Throws a bad-input KpsError naming the file.
 */
export function checkProjectFile(path: string): void {
  const notProject = (why: string): never => {
    throw new KpsError('bad-input', `${path}: not a Keypoint Studio project (${why}); open a .kps file made by Keypoint Studio, or create a new project`, { file: path });
  };
  const st = statSync(path);
  if (!st.isFile()) notProject('not a regular file');
  if (st.size === 0) notProject('the file is empty');
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) notProject('not a SQLite database');
  const appId = header.readUInt32BE(68);
  if (appId === KPS_APPLICATION_ID) return;
  if (appId !== 0) notProject(`a SQLite database of another application, application_id 0x${appId.toString(16)}`);
  // No application_id: an older project, or someone else's database. Read its tables without writing anything.
  let probe: Db | null = null;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true });
    const hasMeta = probe.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    // Every project since the first version has meta.app = 'keypoint-studio'.
    const marker = hasMeta ? probe.prepare("SELECT 1 FROM meta WHERE key = 'app' AND value = 'keypoint-studio'").get() : undefined;
    if (!marker) notProject('a SQLite database without Keypoint Studio project metadata');
  } catch (err) {
    if (err instanceof KpsError) throw err;
    const code = (err as { code?: unknown }).code;
    // A hot journal (a crash mid-transaction) needs a writer to roll it back. Projects carry the application_id from
    // their first open on, before any transaction that could leave one, so this file is not ours.
    if (code === 'SQLITE_READONLY_ROLLBACK') notProject('another program left an unfinished transaction in it (a hot journal)');
    notProject(`cannot read it: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (probe?.open) probe.close();
  }
}

/**
 * Creates a project file at the given schema version (the latest unless told): used by createProject and by
 * the migration tests, which need a file as an older version of the app made it.
 */
export function createProjectFile(path: string, schema: KeypointSchema, version: number = LATEST_VERSION): void {
  if (existsSync(path)) throw new KpsError('conflict', `${path}: a file already exists there; choose another name or open it`, { file: path });
  validateSchema(schema, path);
  const db = openDatabase(path, false);
  try {
    migrate(db, path, version);
    const put = db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    db.transaction(() => {
      put.run('schema', JSON.stringify(schema));
      put.run('data_version', '0');
      put.run('created_at', nowIso());
      put.run('app', 'keypoint-studio');
    })();
    db.pragma(`application_id = ${KPS_APPLICATION_ID}`);
    db.close();
  } catch (err) {
    // Leave no half-made project behind.
    if (db.open) db.close();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    throw err;
  }
}

