// The project store: one SQLite file (WAL) holding samples, labels, tags, the edit journal, runs and predictions.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { COORDINATE_MARGIN } from '../core/coordinates.js';
import { ImportError, KpsError } from '../core/errors.js';
import type {
  ImageRef,
  JournalEntry,
  Keypoint,
  KeypointSchema,
  KeypointState,
  LabelledKeypoint,
  SampleDetail,
  SampleSummary,
  Split,
} from '../core/types.js';
import type { ExportSample, ExportSource, ImportedSample } from '../formats/types.js';
import type { DatasetStats, KeypointEdit, PerKeypointStats, RepeatedImport, SampleQuery, UndoResult } from '../api/ops.js';
import { acquireProjectLock, type ProjectLock } from './lock.js';
import { LATEST_VERSION, migrate, readSchemaVersion, summarisePixels } from './migrations.js';
import { getRunSplit, saveRunSplit } from './run-splits.js';
import { FACE_FILTERS, faceCounts, faceFilterSql, getFaces, saveFaces, type StoredFace } from './faces.js';
import type { ChangeSummary, ImportSourceKey, PredictionRecord, ProjectStore, RunRecord, RunSplitEntry } from './types.js';

type Db = Database.Database;

const SPLITS: readonly Split[] = ['train', 'val', 'test', 'unassigned'];
const STATES: readonly KeypointState[] = ['labelled', 'missing', 'occluded'];
const SORTS = ['id', 'missing-desc', 'missing-asc', 'source', 'error-desc'] as const;
const RUN_STATUSES: readonly RunRecord['status'][] = ['running', 'paused', 'done', 'failed', 'cancelled'];
/**
 * Imports of at least this many samples run in rollback-journal mode: new pages then reach the file once, instead
 * of once in the WAL and again at the checkpoint (about half the I/O of a 7,049-row Kaggle import). It is just as
 * atomic: a crash leaves a hot journal that the next open rolls back.
 */
const BULK_IMPORT_ROWS = 200;
/** Samples per read when exporting: bounded memory, and the connection is never held by an open iterator. */
const EXPORT_CHUNK = 256;

interface SampleRow {
  id: number;
  source: string;
  record: number;
  external_id: string | null;
  image_kind: 'embedded' | 'file' | 'none';
  image_path: string | null;
  width: number;
  height: number;
  channels: number;
  split: Split;
  group_id: string | null;
  deleted: number;
  revision: number;
  labelled_count: number;
  missing_count: number;
  occluded_count: number;
}

interface LabelRow {
  sample_id: number;
  kp_index: number;
  x: number | null;
  y: number | null;
  state: KeypointState;
  provenance: string;
}

interface JournalRow {
  id: number;
  action_id: number;
  kind: string;
  sample_id: number;
  kp_index: number | null;
  before: string | null;
  after: string | null;
  actor: string;
  at: string;
  action_kind: 'edit' | 'import' | 'undo' | 'redo';
  action_undone: number;
}

interface ActionRow {
  id: number;
  kind: 'edit' | 'import' | 'undo' | 'redo';
  label: string;
  actor: string;
}

/** A keypoint value as written in the journal: NaN becomes null because JSON has no NaN. */
interface StoredKeypoint {
  x: number | null;
  y: number | null;
  state: KeypointState;
  provenance: string;
}

interface RunRow {
  id: string;
  name: string;
  model: string;
  config: string;
  backend: string;
  data_version: number;
  status: RunRecord['status'];
  created_at: string;
  ended_at: string | null;
  notes: string;
  epochs: string;
  final: string | null;
  checkpoint_dir: string | null;
}

const SAMPLE_COLUMNS =
  's.id, s.source, s.record, s.external_id, s.image_kind, s.image_path, s.width, s.height, s.channels, s.split, s.group_id, s.deleted, s.revision, s.labelled_count, s.missing_count, s.occluded_count';

function nowIso(): string {
  return new Date().toISOString();
}

function toNullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function fromNullable(v: number | null | undefined): number {
  return v === null || v === undefined ? NaN : v;
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function storedToKeypoint(k: StoredKeypoint): LabelledKeypoint {
  return { x: fromNullable(k.x), y: fromNullable(k.y), state: k.state, provenance: k.provenance };
}

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
const DEFAULT_BUSY_TIMEOUT_MS = 1000;

export interface OpenProjectOptions {
  /**
   * Read-only: takes no lock, writes nothing (no migration, no WAL switch), so it works beside the writer that holds
   * the lock (`kps stats`, `kps export` while `kps serve` runs). Writes through it fail with `conflict`.
   */
  readOnly?: boolean;
  /** Default 1000 ms; tests shorten it. */
  busyTimeoutMs?: number;
}

function applyPragmas(db: Db, busyTimeoutMs: number): void {
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
function openDatabase(path: string, mustExist: boolean, opts: OpenProjectOptions = {}): Db {
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

export function createProject(path: string, schema: KeypointSchema): ProjectStore {
  createProjectFile(path, schema);
  return openProject(path);
}

export function openProject(path: string, opts: OpenProjectOptions = {}): ProjectStore {
  if (!existsSync(path)) throw new KpsError('not-found', `${path}: no such project file`, { file: path });
  // Nothing below may change a file that is not a project: check it read-only first, then lock, then open for writing.
  checkProjectFile(path);
  const lock = opts.readOnly ? null : acquireProjectLock(path);
  let db: Db;
  try {
    db = openDatabase(path, true, opts);
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    if (readSchemaVersion(db) === 0) {
      throw new KpsError('bad-input', `${path}: not a Keypoint Studio project (no project metadata)`, { file: path });
    }
    let version: number;
    if (opts.readOnly) {
      version = readSchemaVersion(db);
      if (version < LATEST_VERSION) throw new KpsError('conflict', `${path}: project file has schema version ${version}; open it once in the app (or \`kps serve\`) to upgrade it to ${LATEST_VERSION}, then read it`, { file: path });
      if (version > LATEST_VERSION) throw new KpsError('bad-input', `${path}: project file has schema version ${version}, newer than this app supports (${LATEST_VERSION}); update Keypoint Studio`, { file: path });
    } else {
      version = migrate(db, path);
      // Projects from before the header carried the application_id get it now, so the next open recognises them by it.
      if (db.pragma('application_id', { simple: true }) !== KPS_APPLICATION_ID) db.pragma(`application_id = ${KPS_APPLICATION_ID}`);
    }
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
    if (!row) throw new KpsError('bad-input', `${path}: project has no keypoint schema`, { file: path });
    const schema = JSON.parse(row.value) as KeypointSchema;
    return new SqliteProjectStore(path, db, schema, version, lock, opts.readOnly === true);
  } catch (err) {
    db.close();
    lock?.release();
    throw err;
  }
}

/** Lazily creates the action and the new data version the first time a change is actually written. */
class ActionWriter {
  private actionId: number | null = null;
  private rev = 0;
  private at = '';
  /** Samples this action changed: their counts and revision are refreshed when it finishes. */
  readonly touched = new Set<number>();
  constructor(
    private readonly store: SqliteProjectStore,
    private readonly kind: ActionRow['kind'],
    private readonly label: () => string,
    readonly actor: string,
    private readonly target: number | null = null,
    /** An existing action the writes are appended to (a continued run of nudges), instead of a new one. */
    private readonly continues: number | null = null,
  ) {}
  ensure(): { actionId: number; rev: number; at: string } {
    if (this.actionId === null) {
      const made = this.continues !== null ? this.store.continueAction(this.continues) : this.store.beginAction(this.kind, this.label(), this.actor, this.target);
      this.actionId = made.actionId;
      this.rev = made.rev;
      this.at = made.at;
    }
    return { actionId: this.actionId, rev: this.rev, at: this.at };
  }
  get id(): number | null {
    return this.actionId;
  }
}

class SqliteProjectStore implements ProjectStore {
  readonly schema: KeypointSchema;
  readonly schemaVersion: number;
  private readonly k: number;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(
    readonly path: string,
    private readonly db: Db,
    schema: KeypointSchema,
    schemaVersion: number,
    private readonly lock: ProjectLock | null,
    readonly readOnly: boolean,
  ) {
    this.schema = schema;
    this.schemaVersion = schemaVersion;
    this.k = schema.keypoints.length;
  }

  /** Prepared statements cached by their SQL text. */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  close(): void {
    if (this.db.open) this.db.close();
    // After the database: the next writer must not open it while this connection still checkpoints.
    this.lock?.release();
  }

  dataVersion(): number {
    const row = this.st("SELECT value FROM meta WHERE key = 'data_version'").get() as { value: string };
    return Number(row.value);
  }

  sampleCount(): number {
    return (this.st('SELECT count(*) AS n FROM samples WHERE deleted = 0').get() as { n: number }).n;
  }

  labelsVersion(): string {
    // Undo and redo append their own journal rows, so the last keypoint or delete row moves with them too.
    const j = this.st("SELECT coalesce(max(id), 0) AS j FROM journal WHERE kind IN ('keypoint', 'delete')").get() as { j: number };
    const s = this.st('SELECT coalesce(max(id), 0) AS m, count(*) AS n FROM samples WHERE deleted = 0').get() as { m: number; n: number };
    return `${j.j}:${s.m}:${s.n}`;
  }

  // ---------------------------------------------------------------- writing helpers

  /** Called inside a transaction: records an action and bumps the data version; an edit drops the redo stack. */
  beginAction(kind: ActionRow['kind'], label: string, actor: string, target: number | null): { actionId: number; rev: number; at: string } {
    const at = nowIso();
    if (kind === 'edit' || kind === 'import') this.st('UPDATE actions SET redoable = 0 WHERE redoable = 1').run();
    const info = this.st('INSERT INTO actions(kind, label, actor, at, target_action) VALUES (?, ?, ?, ?, ?)').run(kind, label, actor, at, target);
    const rev = this.bumpDataVersion();
    return { actionId: Number(info.lastInsertRowid), rev, at };
  }

  /** Called inside a transaction: more writes for an existing action (its journal rows are appended, never changed). */
  continueAction(actionId: number): { actionId: number; rev: number; at: string } {
    return { actionId, rev: this.bumpDataVersion(), at: nowIso() };
  }

  /**
   * The action a labels.set may continue: `id` when it is the newest action of all, an edit, not undone, by `actor`,
   * and its journal holds keypoint changes of exactly the edited keypoints of this sample; else null (a new action).
   * Undo replays an action's entries newest first, so the appended entries undo back to the run's first `before`.
   */
  private continuable(id: number, sampleId: number, edits: KeypointEdit[], actor: string): number | null {
    const latest = this.st('SELECT id, kind, actor, undone FROM actions ORDER BY id DESC LIMIT 1').get() as { id: number; kind: string; actor: string; undone: number } | undefined;
    if (!latest || latest.id !== id || latest.kind !== 'edit' || latest.undone || latest.actor !== actor) return null;
    const rows = this.st('SELECT DISTINCT kind, sample_id, kp_index FROM journal WHERE action_id = ?').all(id) as { kind: string; sample_id: number; kp_index: number | null }[];
    const indices = new Set(edits.map((e) => e.index));
    const same = rows.length === indices.size && rows.every((r) => r.kind === 'keypoint' && r.sample_id === sampleId && r.kp_index !== null && indices.has(r.kp_index));
    return same ? id : null;
  }

  private bumpDataVersion(): number {
    const row = this.st("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version' RETURNING value").get() as { value: string | number };
    return Number(row.value);
  }

  private journal(w: ActionWriter, kind: string, sampleId: number, index: number | null, before: unknown, after: unknown): void {
    const { actionId, at } = w.ensure();
    this.st('INSERT INTO journal(action_id, kind, sample_id, kp_index, before, after, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      actionId,
      kind,
      sampleId,
      index,
      before === undefined ? null : JSON.stringify(before),
      after === undefined ? null : JSON.stringify(after),
      w.actor,
      at,
    );
    w.touched.add(sampleId);
  }

  /** Re-derives the materialised counts and sets the revision of every sample an action touched. */
  private finishAction(w: ActionWriter): void {
    if (w.id === null) return;
    const { rev } = w.ensure();
    const upd = this.st(`UPDATE samples SET
        labelled_count = (SELECT count(*) FROM labels WHERE sample_id = @id AND state = 'labelled'),
        missing_count = (SELECT count(*) FROM labels WHERE sample_id = @id AND state = 'missing'),
        occluded_count = (SELECT count(*) FROM labels WHERE sample_id = @id AND state = 'occluded'),
        revision = @rev
      WHERE id = @id`);
    for (const id of w.touched) upd.run({ id, rev });
  }

  private sampleRow(id: number): SampleRow | undefined {
    return this.st(`SELECT ${SAMPLE_COLUMNS} FROM samples s WHERE s.id = ?`).get(id) as SampleRow | undefined;
  }

  private liveSample(id: number): SampleRow {
    if (!Number.isInteger(id)) throw new KpsError('bad-input', `sample id must be an integer, got ${String(id)}`);
    const row = this.sampleRow(id);
    if (!row) throw new KpsError('not-found', `sample ${id} does not exist`);
    if (row.deleted) throw new KpsError('not-found', `sample ${id} was deleted (undo restores it)`);
    return row;
  }

  private checkActor(actor: string): void {
    if (typeof actor !== 'string' || actor.trim() === '') throw new KpsError('bad-input', 'actor must be a non-empty string (e.g. "annotator" or "model:<run id>")');
  }

  private checkIds(ids: number[]): number[] {
    if (!Array.isArray(ids)) throw new KpsError('bad-input', 'ids must be an array of sample ids');
    const unique = [...new Set(ids)];
    for (const id of unique) this.liveSample(id);
    return unique;
  }

  private readLabels(sampleId: number): StoredKeypoint[] {
    const rows = this.st('SELECT kp_index, x, y, state, provenance FROM labels WHERE sample_id = ? ORDER BY kp_index').all(sampleId) as LabelRow[];
    // Every slot starts missing, so a sample without label rows (never written by this app) still reads whole.
    const out: StoredKeypoint[] = Array.from({ length: this.k }, () => ({ x: null, y: null, state: 'missing', provenance: 'import' }));
    for (const r of rows) out[r.kp_index] = { x: r.x, y: r.y, state: r.state, provenance: r.provenance };
    return out;
  }

  private writeLabel(sampleId: number, index: number, k: StoredKeypoint): void {
    this.st('UPDATE labels SET x = ?, y = ?, state = ?, provenance = ? WHERE sample_id = ? AND kp_index = ?').run(k.x, k.y, k.state, k.provenance, sampleId, index);
  }

  /** Validates one edit and returns the value to store; missing keypoints drop their coordinates. */
  private normaliseEdit(sampleId: number, e: KeypointEdit, actor: string): { index: number; value: StoredKeypoint } {
    const where = `sample ${sampleId}`;
    if (!e || typeof e !== 'object') throw new KpsError('bad-input', `${where}: an edit must be an object {index, x, y, state}`);
    if (!Number.isInteger(e.index) || e.index < 0 || e.index >= this.k) {
      throw new KpsError('bad-input', `${where}: keypoint index ${String(e.index)} is outside 0..${this.k - 1} of schema ${this.schema.id}`);
    }
    if (!STATES.includes(e.state)) throw new KpsError('bad-input', `${where}: keypoint ${e.index} has unknown state ${JSON.stringify(e.state)}`);
    if (e.state === 'missing') return { index: e.index, value: { x: null, y: null, state: 'missing', provenance: actor } };
    if (typeof e.x !== 'number' || typeof e.y !== 'number' || !Number.isFinite(e.x) || !Number.isFinite(e.y)) {
      throw new KpsError('bad-input', `${where}: keypoint ${e.index} is ${e.state} but its coordinates (${String(e.x)}, ${String(e.y)}) are not finite numbers`);
    }
    return { index: e.index, value: { x: e.x, y: e.y, state: e.state, provenance: actor } };
  }

  /** Applies one sample's edits under an action; unchanged values are skipped so they do not clutter undo. */
  private applyEdits(w: ActionWriter, sampleId: number, edits: KeypointEdit[]): void {
    if (!Array.isArray(edits)) throw new KpsError('bad-input', `sample ${sampleId}: edits must be an array`);
    this.liveSample(sampleId);
    const normalised = edits.map((e) => this.normaliseEdit(sampleId, e, w.actor));
    const current = this.readLabels(sampleId);
    for (const { index, value } of normalised) {
      const before = current[index];
      if (
        before.state === value.state &&
        before.provenance === value.provenance &&
        sameNumber(fromNullable(before.x), fromNullable(value.x)) &&
        sameNumber(fromNullable(before.y), fromNullable(value.y))
      ) {
        continue;
      }
      this.writeLabel(sampleId, index, value);
      this.journal(w, 'keypoint', sampleId, index, before, value);
      current[index] = value;
    }
  }

  private editLabel(edits: KeypointEdit[], sampleCount: number): string {
    if (sampleCount > 1) return `Edit keypoints of ${sampleCount} samples`;
    const names = [...new Set(edits.map((e) => this.schema.keypoints[e.index]?.name ?? `#${e.index}`))];
    const states = new Set(edits.map((e) => e.state));
    const verb = states.size === 1 && states.has('missing') ? 'Mark missing' : states.size === 1 && states.has('occluded') ? 'Mark occluded' : 'Move';
    return names.length <= 3 ? `${verb} ${names.join(', ')}` : `${verb} ${names.length} keypoints`;
  }

  // ---------------------------------------------------------------- import

  importSamples(samples: ImportedSample[], actor: string, source?: ImportSourceKey): { count: number; firstId: number; lastId: number; actionId: number | null } {
    this.checkActor(actor);
    if (!Array.isArray(samples)) throw new KpsError('bad-input', 'importSamples expects an array of samples');
    // Validate everything before writing anything: the transaction would roll back anyway, but an
    // error raised here is cheaper and names the record.
    const pixelSummaries = samples.map((s) => this.validateImported(s));
    if (samples.length === 0) return { count: 0, firstId: 0, lastId: 0, actionId: null };
    const provenance = actor.startsWith('import') ? actor : 'import';
    const sources = [...new Set(samples.map((s) => basename(s.source)))];
    const label = `Import ${samples.length} samples from ${sources.length === 1 ? sources[0] : `${sources.length} files`}`;

    this.restoreWal();
    const bulk = samples.length >= BULK_IMPORT_ROWS && this.setJournalMode('delete');
    let result: { count: number; firstId: number; lastId: number; actionId: number | null };
    try {
      result = this.importTransaction(samples, pixelSummaries, label, actor, provenance, source);
    } finally {
      // Should another process have opened the file meanwhile, WAL is restored before the next write.
      if (bulk) this.walPending = !this.setJournalMode('wal');
    }
    // File-backed images are measured in the background so that stats() (synchronous) can report pixel
    // figures for photo datasets shortly after the import; failures only leave those samples unmeasured.
    if (samples.some((s) => s.image.kind === 'file')) void this.measureFilePixels().catch(() => undefined);
    return result;
  }

  private walPending = false;

  private restoreWal(): void {
    if (this.walPending) this.walPending = !this.setJournalMode('wal');
  }

  /**
   * Switches the journal mode and says whether it took. Leaving WAL needs the only connection to the file, so
   * it quietly stays in WAL when another process has the project open.
   */
  private setJournalMode(mode: 'wal' | 'delete'): boolean {
    try {
      return String(this.db.pragma(`journal_mode = ${mode}`, { simple: true })).toLowerCase() === mode;
    } catch {
      return false;
    }
  }

  private importTransaction(
    samples: ImportedSample[],
    pixelSummaries: (ReturnType<typeof summarisePixels> | null)[],
    label: string,
    actor: string,
    provenance: string,
    source: ImportSourceKey | undefined,
  ): { count: number; firstId: number; lastId: number; actionId: number | null } {
    const insertSample = this.st(`INSERT INTO samples(source, record, external_id, image_kind, image_path, width, height, channels,
        split, group_id, deleted, revision, labelled_count, missing_count, occluded_count, pix_min, pix_max, pix_sum, pix_count)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertPixels = this.st('INSERT INTO sample_pixels(sample_id, pixels) VALUES (?, ?)');
    // All of a sample's keypoints in one multi-row INSERT: a sixth of the per-statement overhead of 105k single rows.
    const insertLabels = this.st(`INSERT INTO labels(sample_id, kp_index, x, y, state, provenance) VALUES ${new Array(this.k).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`);
    const labelParams: unknown[] = new Array(this.k * 6);
    const insertJournal = this.st("INSERT INTO journal(action_id, kind, sample_id, kp_index, before, after, actor, at) VALUES (?, 'import', ?, NULL, NULL, ?, ?, ?)");
    return this.db.transaction(() => {
      const { actionId, rev, at } = this.beginAction('import', label, actor, null);
      let firstId = 0;
      let lastId = 0;
      samples.forEach((s, i) => {
        let labelled = 0;
        let missing = 0;
        let occluded = 0;
        const stored: StoredKeypoint[] = s.keypoints.map((kp) => {
          if (kp.state === 'missing') {
            missing++;
            return { x: null, y: null, state: 'missing', provenance };
          }
          if (kp.state === 'labelled') labelled++;
          else occluded++;
          return { x: kp.x, y: kp.y, state: kp.state, provenance };
        });
        const px = pixelSummaries[i];
        const img = s.image;
        const info = insertSample.run(
          s.source,
          s.record,
          s.externalId ?? null,
          img.kind,
          img.kind === 'file' ? img.path : null,
          img.width,
          img.height,
          img.channels,
          s.split ?? 'unassigned',
          s.groupId ?? null,
          rev,
          labelled,
          missing,
          occluded,
          px ? px.min : null,
          px ? px.max : null,
          px ? px.sum : null,
          px ? px.count : null,
        );
        const id = Number(info.lastInsertRowid);
        if (i === 0) firstId = id;
        lastId = id;
        if (img.kind === 'embedded') insertPixels.run(id, Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength));
        stored.forEach((k, index) => {
          const o = index * 6;
          labelParams[o] = id;
          labelParams[o + 1] = index;
          labelParams[o + 2] = k.x;
          labelParams[o + 3] = k.y;
          labelParams[o + 4] = k.state;
          labelParams[o + 5] = k.provenance;
        });
        insertLabels.run(labelParams);
        insertJournal.run(actionId, id, JSON.stringify({ source: s.source, record: s.record, keypoints: stored }), actor, at);
      });
      if (source) {
        this.st('INSERT INTO import_sources(action_id, format, path, content_hash, image_set_hash, sample_count) VALUES (?, ?, ?, ?, ?, ?)').run(
          actionId,
          source.format,
          source.path,
          source.contentHash,
          source.imageSetHash,
          samples.length,
        );
      }
      return { count: samples.length, firstId, lastId, actionId };
    })();
  }

  findRepeatedImport(key: ImportSourceKey): RepeatedImport | null {
    type Row = { action_id: number; at: string; path: string; format: string; sample_count: number };
    const sql = (where: string): string => `SELECT s.action_id, a.at, s.path, s.format, s.sample_count FROM import_sources s JOIN actions a ON a.id = s.action_id
      WHERE a.undone = 0 AND ${where} ORDER BY s.action_id DESC LIMIT 1`;
    const byContent = key.contentHash === null ? undefined : (this.st(sql('s.path = ? AND s.content_hash = ?')).get(key.path, key.contentHash) as Row | undefined);
    const byImages = byContent || key.imageSetHash === null ? undefined : (this.st(sql('s.image_set_hash = ?')).get(key.imageSetHash) as Row | undefined);
    const row = byContent ?? byImages;
    if (!row) return null;
    return { actionId: row.action_id, at: row.at, path: row.path, format: row.format, sampleCount: row.sample_count, match: byContent ? 'content' : 'images' };
  }

  replaceImportLabels(samples: ImportedSample[], actor: string, label: string): { updated: number; unmatched: number; actionId: number | null } {
    this.checkActor(actor);
    if (!Array.isArray(samples)) throw new KpsError('bad-input', 'replaceImportLabels expects an array of samples');
    samples.forEach((s) => this.validateImported(s));
    const provenance = actor.startsWith('import') ? actor : 'import';
    this.restoreWal();
    return this.db.transaction(() => {
      const w = new ActionWriter(this, 'import', () => label, actor);
      const find = this.st('SELECT id FROM samples WHERE deleted = 0 AND source = ? AND record = ? ORDER BY id');
      let unmatched = 0;
      for (const s of samples) {
        const ids = (find.all(s.source, s.record) as { id: number }[]).map((r) => r.id);
        if (ids.length === 0) unmatched++;
        // Every live copy of the record (an earlier "add as new" made more than one) gets the file's labels.
        for (const id of ids) {
          const current = this.readLabels(id);
          s.keypoints.forEach((kp, index) => {
            const value: StoredKeypoint = kp.state === 'missing' ? { x: null, y: null, state: 'missing', provenance } : { x: kp.x, y: kp.y, state: kp.state, provenance };
            const before = current[index];
            if (before.state === value.state && sameNumber(fromNullable(before.x), fromNullable(value.x)) && sameNumber(fromNullable(before.y), fromNullable(value.y))) return;
            this.writeLabel(id, index, value);
            this.journal(w, 'keypoint', id, index, before, value);
          });
        }
      }
      this.finishAction(w);
      return { updated: w.touched.size, unmatched, actionId: w.id };
    }).immediate();
  }

  private measuring: Promise<unknown> = Promise.resolve();

  /**
   * Reads up to `maxSamples` not yet measured file-backed images (evenly spread over the project) with sharp and
   * stores their pixel min/max/sum, which stats() then includes (`pixel.sampled` says how many samples it covers).
   * Calls run one after another. Returns how many images were measured and how many could not be read.
   */
  async measureFilePixels(maxSamples = 64): Promise<{ measured: number; failed: number }> {
    const run = this.measuring.then(() => this.measureNow(maxSamples));
    this.measuring = run.catch(() => undefined);
    return run;
  }

  private async measureNow(maxSamples: number): Promise<{ measured: number; failed: number }> {
    if (!this.db.open) return { measured: 0, failed: 0 };
    const todo = this.st(`SELECT id, image_path AS path FROM samples WHERE deleted = 0 AND image_kind = 'file' AND pix_count IS NULL ORDER BY id`).all() as {
      id: number;
      path: string;
    }[];
    const already = (this.st("SELECT count(*) AS n FROM samples WHERE deleted = 0 AND image_kind = 'file' AND pix_count IS NOT NULL").get() as { n: number }).n;
    const budget = Math.max(0, maxSamples - already);
    const step = todo.length / Math.min(todo.length, budget || 1);
    const chosen = budget === 0 ? [] : Array.from({ length: Math.min(todo.length, budget) }, (_, i) => todo[Math.floor(i * step)]);
    const { default: sharp } = await import('sharp');
    let measured = 0;
    let failed = 0;
    for (const c of chosen) {
      let summary: ReturnType<typeof summarisePixels>;
      try {
        const { data } = await sharp(c.path).raw().toBuffer({ resolveWithObject: true });
        summary = summarisePixels(data);
      } catch {
        failed++;
        continue;
      }
      if (!this.db.open) break;
      this.st('UPDATE samples SET pix_min = ?, pix_max = ?, pix_sum = ?, pix_count = ? WHERE id = ?').run(summary.min, summary.max, summary.sum, summary.count, c.id);
      measured++;
    }
    // Pixel summaries are not a data change (no version bump), so the cached statistics are dropped here.
    this.statsCache = null;
    return { measured, failed };
  }

  private validateImported(s: ImportedSample): ReturnType<typeof summarisePixels> | null {
    const file = s && typeof s.source === 'string' && s.source !== '' ? s.source : '(unknown source)';
    const record = s && Number.isInteger(s.record) ? s.record : undefined;
    const fail = (why: string): never => {
      throw new ImportError(file, record, why);
    };
    if (!s || typeof s !== 'object') fail('sample is not an object');
    if (file === '(unknown source)') fail('sample has no source file name');
    if (record === undefined || record < 1) fail(`record number must be a positive integer, got ${String(s.record)}`);
    if (s.split !== undefined && !SPLITS.includes(s.split)) fail(`unknown split ${JSON.stringify(s.split)}`);
    if (!Array.isArray(s.keypoints) || s.keypoints.length !== this.k) {
      fail(`has ${Array.isArray(s.keypoints) ? s.keypoints.length : 'no'} keypoints, schema ${this.schema.id} has ${this.k}`);
    }
    s.keypoints.forEach((kp, i) => {
      const name = this.schema.keypoints[i].name;
      if (!kp || !STATES.includes(kp.state)) fail(`keypoint ${name} has unknown state ${JSON.stringify(kp?.state)}`);
      if (kp.state !== 'missing' && (!Number.isFinite(kp.x) || !Number.isFinite(kp.y))) {
        fail(`keypoint ${name} is ${kp.state} but its coordinates (${String(kp.x)}, ${String(kp.y)}) are not finite numbers`);
      }
    });
    const img = s.image;
    if (!img || typeof img !== 'object') return fail('sample has no image description');
    if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
      fail(`image size ${String(img.width)}x${String(img.height)} is not a positive integer size`);
    }
    if (img.kind === 'embedded') {
      if (!(img.pixels instanceof Uint8Array)) fail('embedded image has no pixel array');
      if (img.pixels.length !== img.width * img.height) fail(`embedded image has ${img.pixels.length} pixels, expected ${img.width}x${img.height} = ${img.width * img.height}`);
      return summarisePixels(img.pixels);
    }
    if (img.kind === 'file') {
      if (typeof img.path !== 'string' || !isAbsolute(img.path)) fail(`image path ${JSON.stringify(img.path)} is not absolute`);
      if (!Number.isInteger(img.channels) || img.channels < 1 || img.channels > 4) fail(`image has ${String(img.channels)} channels`);
      return null;
    }
    if (img.kind !== 'none') fail(`unknown image kind ${JSON.stringify((img as { kind: unknown }).kind)}`);
    return null;
  }

  // ---------------------------------------------------------------- queries

  private buildQuery(q: SampleQuery): { where: string; join: string; order: string; params: unknown[]; joinParams: unknown[] } {
    if (q === null || typeof q !== 'object') throw new KpsError('bad-input', 'query must be an object');
    const conds = ['s.deleted = 0'];
    const params: unknown[] = [];
    const joinParams: unknown[] = [];
    const intField = (name: keyof SampleQuery, v: unknown): number => {
      if (!Number.isInteger(v) || (v as number) < 0) throw new KpsError('bad-input', `query.${name} must be a non-negative integer, got ${String(v)}`);
      return v as number;
    };
    if (q.minMissing !== undefined && q.minMissing !== null) {
      conds.push('s.missing_count >= ?');
      params.push(intField('minMissing', q.minMissing));
    }
    if (q.maxMissing !== undefined && q.maxMissing !== null) {
      conds.push('s.missing_count <= ?');
      params.push(intField('maxMissing', q.maxMissing));
    }
    if (q.missingKeypoint !== undefined && q.missingKeypoint !== null) {
      const idx = intField('missingKeypoint', q.missingKeypoint);
      if (idx >= this.k) throw new KpsError('bad-input', `query.missingKeypoint ${idx} is outside 0..${this.k - 1}`);
      conds.push("EXISTS (SELECT 1 FROM labels l WHERE l.sample_id = s.id AND l.kp_index = ? AND l.state = 'missing')");
      params.push(idx);
    }
    if (q.split !== undefined && q.split !== null) {
      if (!SPLITS.includes(q.split)) throw new KpsError('bad-input', `query.split must be one of ${SPLITS.join(', ')}`);
      conds.push('s.split = ?');
      params.push(q.split);
    }
    if (q.tag !== undefined && q.tag !== null && q.tag !== '') {
      conds.push('EXISTS (SELECT 1 FROM tags t WHERE t.sample_id = s.id AND t.tag = ?)');
      params.push(String(q.tag));
    }
    if (q.text !== undefined && q.text !== null && q.text !== '') {
      conds.push("s.source LIKE ? ESCAPE '\\'");
      params.push(`%${String(q.text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (q.face !== undefined && q.face !== null) {
      if (!FACE_FILTERS.includes(q.face)) throw new KpsError('bad-input', `query.face must be one of ${FACE_FILTERS.join(', ')}`);
      conds.push(faceFilterSql(q.face));
    }
    const sort = q.sort ?? 'id';
    if (!SORTS.includes(sort)) throw new KpsError('bad-input', `query.sort must be one of ${SORTS.join(', ')}`);
    let join = '';
    let order: string;
    switch (sort) {
      case 'missing-desc':
        order = 's.missing_count DESC, s.id';
        break;
      case 'missing-asc':
        order = 's.missing_count ASC, s.id';
        break;
      case 'source':
        order = 's.source, s.record, s.id';
        break;
      case 'error-desc': {
        if (!q.runId) throw new KpsError('bad-input', "query.sort 'error-desc' needs query.runId");
        if (!this.st('SELECT 1 FROM runs WHERE id = ?').get(q.runId)) throw new KpsError('not-found', `run ${q.runId} does not exist`);
        join = 'LEFT JOIN predictions p ON p.run_id = ? AND p.sample_id = s.id';
        joinParams.push(q.runId);
        // Samples without a prediction error sort last.
        order = 'p.error IS NULL, p.error DESC, s.id';
        break;
      }
      default:
        order = 's.id';
    }
    return { where: conds.join(' AND '), join, order, params, joinParams };
  }

  private limitClause(q: SampleQuery): { sql: string; params: number[] } {
    const check = (name: string, v: unknown): number => {
      if (!Number.isInteger(v) || (v as number) < 0) throw new KpsError('bad-input', `query.${name} must be a non-negative integer, got ${String(v)}`);
      return v as number;
    };
    const offset = q.offset === undefined || q.offset === null ? 0 : check('offset', q.offset);
    const limit = q.limit === undefined || q.limit === null ? -1 : check('limit', q.limit);
    return { sql: 'LIMIT ? OFFSET ?', params: [limit, offset] };
  }

  sampleIds(q: SampleQuery): number[] {
    const b = this.buildQuery(q);
    const lim = this.limitClause(q);
    const sql = `SELECT s.id FROM samples s ${b.join} WHERE ${b.where} ORDER BY ${b.order} ${lim.sql}`;
    return (this.st(sql).pluck().all(...b.joinParams, ...b.params, ...lim.params) as number[]);
  }

  listSamples(q: SampleQuery): { total: number; items: SampleSummary[] } {
    const b = this.buildQuery(q);
    const lim = this.limitClause(q);
    return this.db.transaction(() => {
      // One read transaction so the total and the page agree.
      const total = (this.st(`SELECT count(*) AS n FROM samples s WHERE ${b.where}`).get(...b.params) as { n: number }).n;
      const rows = this.st(`SELECT ${SAMPLE_COLUMNS} FROM samples s ${b.join} WHERE ${b.where} ORDER BY ${b.order} ${lim.sql}`).all(
        ...b.joinParams,
        ...b.params,
        ...lim.params,
      ) as SampleRow[];
      return { total, items: this.summaries(rows) };
    })();
  }

  /** Labels and tags of a page of samples in two queries, not one per sample. */
  private summaries(rows: SampleRow[]): SampleSummary[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const labels = this.st('SELECT sample_id, kp_index, x, y, state FROM labels WHERE sample_id IN (SELECT value FROM json_each(?))').raw().all(ids) as [
      number,
      number,
      number | null,
      number | null,
      KeypointState,
    ][];
    const tags = this.st('SELECT sample_id, tag FROM tags WHERE sample_id IN (SELECT value FROM json_each(?)) ORDER BY sample_id, tag').raw().all(ids) as [number, string][];
    const byId = new Map<number, SampleSummary>();
    const items = rows.map((r) => {
      const item: SampleSummary = {
        id: r.id,
        source: r.source,
        record: r.record,
        split: r.split,
        groupId: r.group_id,
        tags: [],
        width: r.width,
        height: r.height,
        labelledCount: r.labelled_count,
        missingCount: r.missing_count,
        occludedCount: r.occluded_count,
        keypoints: Array.from({ length: this.k }, (): Keypoint => ({ x: NaN, y: NaN, state: 'missing' })),
      };
      byId.set(r.id, item);
      return item;
    });
    for (const [sid, idx, x, y, state] of labels) {
      const item = byId.get(sid);
      if (item) item.keypoints[idx] = { x: fromNullable(x), y: fromNullable(y), state };
    }
    for (const [sid, tag] of tags) byId.get(sid)?.tags.push(tag);
    return items;
  }

  getSample(id: number): SampleDetail {
    return this.db.transaction(() => {
      const r = this.liveSample(id);
      const labels = this.readLabels(id).map(storedToKeypoint);
      const tags = this.st('SELECT tag FROM tags WHERE sample_id = ? ORDER BY tag').pluck().all(id) as string[];
      let image: ImageRef;
      if (r.image_kind === 'embedded') image = { kind: 'embedded', width: r.width, height: r.height, channels: 1 };
      else if (r.image_kind === 'file') image = { kind: 'file', path: r.image_path ?? '', width: r.width, height: r.height, channels: r.channels };
      else image = { kind: 'none', width: r.width, height: r.height, channels: 0 };
      return {
        id: r.id,
        source: r.source,
        record: r.record,
        split: r.split,
        groupId: r.group_id,
        tags,
        width: r.width,
        height: r.height,
        labelledCount: r.labelled_count,
        missingCount: r.missing_count,
        occludedCount: r.occluded_count,
        keypoints: labels,
        image,
        revision: r.revision,
      };
    })();
  }

  getPixels(id: number): Uint8Array | null {
    this.liveSample(id);
    const buf = this.st('SELECT pixels FROM sample_pixels WHERE sample_id = ?').pluck().get(id) as Buffer | undefined;
    return buf ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : null;
  }

  getImagePath(id: number): string | null {
    const r = this.liveSample(id);
    return r.image_kind === 'file' ? r.image_path : null;
  }

  // ---------------------------------------------------------------- edits

  setLabels(sampleId: number, edits: KeypointEdit[], actor: string, label?: string, mergeInto?: number): { revision: number; actionId: number } {
    this.restoreWal();
    this.checkActor(actor);
    if (mergeInto !== undefined && !(Number.isInteger(mergeInto) && mergeInto > 0)) throw new KpsError('bad-input', `sample ${sampleId}: mergeInto must be an action id, got ${String(mergeInto)}`);
    return this.db.transaction(() => {
      const into = mergeInto !== undefined && Array.isArray(edits) ? this.continuable(mergeInto, sampleId, edits, actor) : null;
      const w = new ActionWriter(this, 'edit', () => label ?? this.editLabel(edits, 1), actor, null, into);
      this.applyEdits(w, sampleId, edits);
      this.finishAction(w);
      // Nothing changed: no action is recorded (actionId 0) and the revision stays as it was.
      if (w.id === null) return { revision: this.liveSample(sampleId).revision, actionId: 0 };
      return { revision: w.ensure().rev, actionId: w.id };
    }).immediate();
  }

  setLabelsBatch(edits: { sampleId: number; edits: KeypointEdit[] }[], actor: string, label: string, opts: { addTags?: string[] } = {}): { actionId: number | null } {
    this.restoreWal();
    this.checkActor(actor);
    if (!Array.isArray(edits)) throw new KpsError('bad-input', 'batch must be an array of {sampleId, edits}');
    const addTags = (opts.addTags ?? []).map((t) => {
      if (typeof t !== 'string' || t.trim() === '') throw new KpsError('bad-input', 'addTags: a tag must be a non-empty string');
      return t.trim();
    });
    return this.db.transaction(() => {
      const w = new ActionWriter(this, 'edit', () => label || this.editLabel([], edits.length), actor);
      for (const e of edits) this.applyEdits(w, e.sampleId, e.edits);
      // Tags go only on the samples whose labels changed, in the same action (one undo reverts both).
      const ins = this.st('INSERT OR IGNORE INTO tags(sample_id, tag) VALUES (?, ?)');
      for (const id of [...w.touched]) for (const t of addTags) if (ins.run(id, t).changes > 0) this.journal(w, 'tag-add', id, null, null, t);
      this.finishAction(w);
      return { actionId: w.id };
    }).immediate();
  }

  tagSamples(ids: number[], add: string[], remove: string[], actor: string): { actionId: number | null } {
    this.restoreWal();
    this.checkActor(actor);
    const clean = (list: string[] | undefined, what: string): string[] => {
      if (list === undefined || list === null) return [];
      if (!Array.isArray(list)) throw new KpsError('bad-input', `${what} must be an array of tags`);
      return [...new Set(list.map((t) => {
        if (typeof t !== 'string' || t.trim() === '') throw new KpsError('bad-input', `${what}: a tag must be a non-empty string`);
        return t.trim();
      }))];
    };
    const addTags = clean(add, 'add');
    const removeTags = clean(remove, 'remove');
    return this.db.transaction(() => {
      const unique = this.checkIds(ids);
      const parts = [addTags.length ? `Tag ${addTags.join(', ')}` : '', removeTags.length ? `Untag ${removeTags.join(', ')}` : ''].filter(Boolean);
      const w = new ActionWriter(this, 'edit', () => `${parts.join('; ')} (${unique.length} sample${unique.length === 1 ? '' : 's'})`, actor);
      const ins = this.st('INSERT OR IGNORE INTO tags(sample_id, tag) VALUES (?, ?)');
      const del = this.st('DELETE FROM tags WHERE sample_id = ? AND tag = ?');
      for (const id of unique) {
        for (const t of addTags) if (ins.run(id, t).changes > 0) this.journal(w, 'tag-add', id, null, null, t);
        for (const t of removeTags) if (del.run(id, t).changes > 0) this.journal(w, 'tag-remove', id, null, t, null);
      }
      this.finishAction(w);
      return { actionId: w.id };
    }).immediate();
  }

  setSplit(ids: number[], split: Split, actor: string): { actionId: number | null } {
    this.restoreWal();
    this.checkActor(actor);
    if (!SPLITS.includes(split)) throw new KpsError('bad-input', `split must be one of ${SPLITS.join(', ')}, got ${JSON.stringify(split)}`);
    return this.db.transaction(() => {
      const unique = this.checkIds(ids);
      const upd = this.st('UPDATE samples SET split = ? WHERE id = ?');
      const pending: { id: number; before: Split }[] = [];
      for (const id of unique) {
        const before = this.sampleRow(id)!.split;
        if (before !== split) pending.push({ id, before });
      }
      const w = new ActionWriter(this, 'edit', () => `Set split ${split} (${pending.length} sample${pending.length === 1 ? '' : 's'})`, actor);
      for (const p of pending) {
        upd.run(split, p.id);
        this.journal(w, 'split', p.id, null, p.before, split);
      }
      this.finishAction(w);
      return { actionId: w.id };
    }).immediate();
  }

  deleteSamples(ids: number[], actor: string): { actionId: number | null } {
    this.restoreWal();
    this.checkActor(actor);
    return this.db.transaction(() => {
      const unique = this.checkIds(ids);
      const w = new ActionWriter(this, 'edit', () => `Delete ${unique.length} sample${unique.length === 1 ? '' : 's'}`, actor);
      const upd = this.st('UPDATE samples SET deleted = 1 WHERE id = ?');
      for (const id of unique) {
        upd.run(id);
        this.journal(w, 'delete', id, null, false, true);
      }
      this.finishAction(w);
      return { actionId: w.id };
    }).immediate();
  }

  // ---------------------------------------------------------------- undo and redo

  /** Reverts the latest live edit or import action; journals the reverting writes as an `undo` action. */
  undo(actor = 'annotator'): UndoResult {
    this.restoreWal();
    return this.db.transaction(() => {
      const target = this.st("SELECT id, kind, label, actor FROM actions WHERE kind IN ('edit', 'import') AND undone = 0 ORDER BY id DESC LIMIT 1").get() as ActionRow | undefined;
      if (!target) return { actionId: null, label: null, sampleIds: [] };
      const entries = this.st('SELECT * FROM journal WHERE action_id = ? ORDER BY id DESC').all(target.id) as JournalRow[];
      const w = new ActionWriter(this, 'undo', () => `Undo ${target.label}`, actor, target.id);
      w.ensure();
      for (const e of entries) this.replay(w, e, 'backward');
      this.finishAction(w);
      this.st('UPDATE actions SET undone = 1, redoable = 1, undo_seq = ? WHERE id = ?').run(w.id, target.id);
      return { actionId: target.id, label: target.label, sampleIds: [...w.touched] };
    }).immediate();
  }

  /** What undo and redo would act on now, for enabling buttons and menu labels ("Undo Move nose_tip"). */
  undoState(): { undo: { actionId: number; label: string } | null; redo: { actionId: number; label: string } | null } {
    const u = this.st("SELECT id, label FROM actions WHERE kind IN ('edit', 'import') AND undone = 0 ORDER BY id DESC LIMIT 1").get() as { id: number; label: string } | undefined;
    const r = this.st('SELECT id, label FROM actions WHERE redoable = 1 ORDER BY undo_seq DESC LIMIT 1').get() as { id: number; label: string } | undefined;
    return { undo: u ? { actionId: u.id, label: u.label } : null, redo: r ? { actionId: r.id, label: r.label } : null };
  }

  /** Re-applies the most recently undone action, if no new edit has been made since. */
  redo(actor = 'annotator'): UndoResult {
    this.restoreWal();
    return this.db.transaction(() => {
      const target = this.st('SELECT id, kind, label, actor FROM actions WHERE redoable = 1 ORDER BY undo_seq DESC LIMIT 1').get() as ActionRow | undefined;
      if (!target) return { actionId: null, label: null, sampleIds: [] };
      const entries = this.st('SELECT * FROM journal WHERE action_id = ? ORDER BY id ASC').all(target.id) as JournalRow[];
      const w = new ActionWriter(this, 'redo', () => `Redo ${target.label}`, actor, target.id);
      w.ensure();
      for (const e of entries) this.replay(w, e, 'forward');
      this.finishAction(w);
      this.st('UPDATE actions SET undone = 0, redoable = 0, undo_seq = NULL WHERE id = ?').run(target.id);
      return { actionId: target.id, label: target.label, sampleIds: [...w.touched] };
    }).immediate();
  }

  /** Writes one journal entry's before (backward) or after (forward) value back, and journals that write. */
  private replay(w: ActionWriter, e: JournalRow, dir: 'forward' | 'backward'): void {
    const before: unknown = e.before === null ? null : JSON.parse(e.before);
    const after: unknown = e.after === null ? null : JSON.parse(e.after);
    const [from, to] = dir === 'forward' ? [before, after] : [after, before];
    const sid = e.sample_id;
    switch (e.kind) {
      case 'keypoint': {
        const value = to as StoredKeypoint;
        this.writeLabel(sid, e.kp_index!, value);
        this.journal(w, 'keypoint', sid, e.kp_index, from, value);
        break;
      }
      case 'tag-add':
      case 'tag-remove': {
        // Going backward over a tag-add removes the tag, and so on.
        const adds = (e.kind === 'tag-add') === (dir === 'forward');
        const tag = (e.kind === 'tag-add' ? after : before) as string;
        if (adds) {
          this.st('INSERT OR IGNORE INTO tags(sample_id, tag) VALUES (?, ?)').run(sid, tag);
          this.journal(w, 'tag-add', sid, null, null, tag);
        } else {
          this.st('DELETE FROM tags WHERE sample_id = ? AND tag = ?').run(sid, tag);
          this.journal(w, 'tag-remove', sid, null, tag, null);
        }
        break;
      }
      case 'split': {
        this.st('UPDATE samples SET split = ? WHERE id = ?').run(to as Split, sid);
        this.journal(w, 'split', sid, null, from, to);
        break;
      }
      case 'import': {
        // Undoing an import soft-deletes the sample it created; redo brings it back (rows are never removed).
        const deleted = dir === 'backward';
        this.st('UPDATE samples SET deleted = ? WHERE id = ?').run(deleted ? 1 : 0, sid);
        this.journal(w, deleted ? 'delete' : 'restore', sid, null, !deleted, deleted);
        break;
      }
      case 'delete':
      case 'restore': {
        const deleted = to === true;
        this.st('UPDATE samples SET deleted = ? WHERE id = ?').run(deleted ? 1 : 0, sid);
        this.journal(w, deleted ? 'delete' : 'restore', sid, null, !deleted, deleted);
        break;
      }
      default:
        throw new KpsError('internal', `journal entry ${e.id} has kind ${e.kind}, which cannot be replayed`);
    }
  }

  history(sampleId: number): JournalEntry[] {
    if (!Number.isInteger(sampleId) || !this.sampleRow(sampleId)) throw new KpsError('not-found', `sample ${String(sampleId)} does not exist`);
    const rows = this.st(`SELECT j.*, a.kind AS action_kind, a.undone AS action_undone FROM journal j JOIN actions a ON a.id = j.action_id
      WHERE j.sample_id = ? ORDER BY j.id`).all(sampleId) as JournalRow[];
    return rows.map((r) => {
      let before: unknown = r.before === null ? null : JSON.parse(r.before);
      let after: unknown = r.after === null ? null : JSON.parse(r.after);
      if (r.kind === 'keypoint') {
        before = storedToKeypoint(before as StoredKeypoint);
        after = storedToKeypoint(after as StoredKeypoint);
      } else if (r.kind === 'import') {
        const imp = after as { source: string; record: number; keypoints: StoredKeypoint[] };
        after = { source: imp.source, record: imp.record, keypoints: imp.keypoints.map(storedToKeypoint) };
      }
      return {
        id: r.id,
        actionId: r.action_id,
        kind: r.kind as JournalEntry['kind'],
        sampleId: r.sample_id,
        index: r.kp_index,
        before,
        after,
        actor: r.actor,
        at: r.at,
        undone: r.action_kind === 'edit' && r.action_undone === 1,
        actionKind: r.action_kind,
      };
    });
  }

  changesSinceImport(): ChangeSummary {
    return this.db.transaction(() => {
      // Only keypoints whose current value was not written by the import can differ from it (undo restores
      // the import's provenance along with its value), so the import entries are read for those samples only.
      const rows = this.st(`SELECT l.sample_id, l.kp_index, l.x, l.y, l.state, l.provenance
        FROM labels l JOIN samples s ON s.id = l.sample_id
        WHERE s.deleted = 0 AND l.provenance NOT LIKE 'import%' ORDER BY l.sample_id, l.kp_index`).raw().all() as [number, number, number | null, number | null, KeypointState, string][];
      const importOf = this.st("SELECT after FROM journal WHERE sample_id = ? AND kind = 'import' ORDER BY id LIMIT 1").pluck();
      const summary: ChangeSummary = { samplesChanged: 0, edited: 0, filled: 0, madeMissing: 0, byProvenance: {}, deletedSamples: 0 };
      let currentSample = -1;
      let imported: StoredKeypoint[] | null = null;
      let counted = false;
      for (const [sid, idx, x, y, state, provenance] of rows) {
        if (sid !== currentSample) {
          currentSample = sid;
          counted = false;
          const after = importOf.get(sid) as string | undefined;
          imported = after ? (JSON.parse(after) as { keypoints: StoredKeypoint[] }).keypoints : null;
        }
        const was = imported?.[idx] ?? { x: null, y: null, state: 'missing' as KeypointState, provenance: 'import' };
        let kind: 'edited' | 'filled' | 'madeMissing' | null = null;
        if (was.state === 'missing' && state !== 'missing') kind = 'filled';
        else if (was.state !== 'missing' && state === 'missing') kind = 'madeMissing';
        else if (state !== 'missing' && (was.state !== state || was.x !== x || was.y !== y)) kind = 'edited';
        if (kind === null) continue;
        summary[kind]++;
        const p = (summary.byProvenance[provenance] ??= { edited: 0, filled: 0, madeMissing: 0 });
        p[kind]++;
        if (!counted) {
          summary.samplesChanged++;
          counted = true;
        }
      }
      summary.deletedSamples = (this.st('SELECT count(*) AS n FROM samples WHERE deleted = 1').get() as { n: number }).n;
      return summary;
    })();
  }

  // ---------------------------------------------------------------- statistics

  /** Statistics of the last data version asked for: every change bumps the version, so a hit is never stale. */
  private statsCache: { version: number; stats: DatasetStats } | null = null;

  stats(): DatasetStats {
    const version = this.dataVersion();
    // Face counts change without a data version (detection is not a label edit): read them each time.
    if (this.statsCache && this.statsCache.version === version) return { ...structuredClone(this.statsCache.stats), faces: faceCounts(this.db) };
    const stats = this.computeStats();
    this.statsCache = { version, stats };
    return { ...structuredClone(stats), faces: faceCounts(this.db) };
  }

  private computeStats(): DatasetStats {
    return this.db.transaction(() => {
      const k = this.k;
      const sampleCount = this.sampleCount();
      const imageShapes = this.st(`SELECT width, height, channels, count(*) AS count FROM samples WHERE deleted = 0
        GROUP BY width, height, channels ORDER BY count DESC, width, height`).all() as DatasetStats['imageShapes'];
      const px = this.st(`SELECT min(pix_min) AS mn, max(pix_max) AS mx, sum(pix_sum) AS total, sum(pix_count) AS n, count(pix_count) AS samples
        FROM samples WHERE deleted = 0 AND pix_count IS NOT NULL`).get() as { mn: number | null; mx: number | null; total: number | null; n: number | null; samples: number };
      const pixel = px.samples > 0 && px.n ? { min: px.mn ?? 0, max: px.mx ?? 0, mean: (px.total ?? 0) / px.n, sampled: px.samples } : null;
      // Coordinates outside the image by more than the import margin (possible only in files written before the
      // importers and labels.set checked it) are counted but left out of min/max/mean: one 1e300 would poison them.
      const inImage = `(l.x BETWEEN -0.5 - ${COORDINATE_MARGIN} * s.width AND s.width - 0.5 + ${COORDINATE_MARGIN} * s.width
          AND l.y BETWEEN -0.5 - ${COORDINATE_MARGIN} * s.height AND s.height - 0.5 + ${COORDINATE_MARGIN} * s.height)`;
      const perKp = this.st(`SELECT l.kp_index AS i,
          sum(l.state = 'labelled') AS labelled, sum(l.state = 'missing') AS missing, sum(l.state = 'occluded') AS occluded,
          min(CASE WHEN ${inImage} THEN l.x END) AS xMin, max(CASE WHEN ${inImage} THEN l.x END) AS xMax, avg(CASE WHEN ${inImage} THEN l.x END) AS xMean,
          min(CASE WHEN ${inImage} THEN l.y END) AS yMin, max(CASE WHEN ${inImage} THEN l.y END) AS yMax, avg(CASE WHEN ${inImage} THEN l.y END) AS yMean
        FROM labels l JOIN samples s ON s.id = l.sample_id WHERE s.deleted = 0 GROUP BY l.kp_index`).all() as ({ i: number } & Omit<PerKeypointStats, 'name'>)[];
      const keypoints: PerKeypointStats[] = this.schema.keypoints.map((kp) => ({
        name: kp.name, labelled: 0, missing: 0, occluded: 0, xMin: null, xMax: null, xMean: null, yMin: null, yMax: null, yMean: null,
      }));
      for (const r of perKp) {
        const { i, ...rest } = r;
        keypoints[i] = { name: this.schema.keypoints[i].name, ...rest };
      }
      const completeRows = (this.st('SELECT count(*) AS n FROM samples WHERE deleted = 0 AND missing_count = 0').get() as { n: number }).n;
      const histogram = new Array<number>(k + 1).fill(0);
      const hist = this.st('SELECT ? - missing_count AS present, count(*) AS n FROM samples WHERE deleted = 0 GROUP BY missing_count').all(k) as { present: number; n: number }[];
      for (const h of hist) if (h.present >= 0 && h.present <= k) histogram[h.present] = h.n;
      const meanShape = keypoints.map((s) => (s.xMean === null || s.yMean === null ? null : { x: s.xMean, y: s.yMean }));
      const splits: Record<Split, number> = { train: 0, val: 0, test: 0, unassigned: 0 };
      for (const r of this.st('SELECT split, count(*) AS n FROM samples WHERE deleted = 0 GROUP BY split').all() as { split: Split; n: number }[]) splits[r.split] = r.n;
      return { sampleCount, imageShapes, dtype: 'uint8', pixel, keypoints, completeRows, labelledPerRowHistogram: histogram, meanShape, splits };
    })();
  }

  // ---------------------------------------------------------------- export

  exportSource(): ExportSource {
    const store = this;
    return {
      schema: this.schema,
      count: () => this.sampleCount(),
      *samples(): Iterable<ExportSample> {
        // Walk by id in chunks so no statement stays open between yields (edits may happen meanwhile).
        let after = 0;
        for (;;) {
          const chunk = store.exportChunk(after);
          if (chunk.length === 0) return;
          for (const s of chunk) yield s;
          after = chunk[chunk.length - 1].id;
        }
      },
    };
  }

  private exportChunk(afterId: number): ExportSample[] {
    return this.db.transaction(() => {
      const rows = this.st(`SELECT ${SAMPLE_COLUMNS}, p.pixels AS pixels FROM samples s LEFT JOIN sample_pixels p ON p.sample_id = s.id
        WHERE s.deleted = 0 AND s.id > ? ORDER BY s.id LIMIT ?`).all(afterId, EXPORT_CHUNK) as (SampleRow & { pixels: Buffer | null })[];
      if (rows.length === 0) return [];
      const summaries = this.summaries(rows);
      return rows.map((r, i) => ({
        id: r.id,
        source: r.source,
        record: r.record,
        externalId: r.external_id,
        groupId: r.group_id,
        split: r.split,
        width: r.width,
        height: r.height,
        channels: r.channels,
        keypoints: summaries[i].keypoints,
        pixels: r.pixels ? new Uint8Array(r.pixels.buffer, r.pixels.byteOffset, r.pixels.byteLength) : null,
        imagePath: r.image_kind === 'file' ? r.image_path : null,
      }));
    })();
  }

  // ---------------------------------------------------------------- runs and predictions

  getExtra(key: string): string | null {
    const row = this.st('SELECT value FROM meta WHERE key = ?').get(`extra:${key}`) as { value: string } | undefined;
    return row ? row.value : null;
  }

  setExtra(key: string, value: string | null): void {
    if (typeof key !== 'string' || key === '') throw new KpsError('bad-input', 'extra key must be a non-empty string');
    if (value === null) this.st('DELETE FROM meta WHERE key = ?').run(`extra:${key}`);
    else this.st('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(`extra:${key}`, value);
  }

  saveRun(run: RunRecord): void {
    if (!run || typeof run.id !== 'string' || run.id === '') throw new KpsError('bad-input', 'run must have a non-empty id');
    if (!RUN_STATUSES.includes(run.status)) throw new KpsError('bad-input', `run ${run.id}: unknown status ${JSON.stringify(run.status)}`);
    this.st(`INSERT INTO runs(id, name, model, config, backend, data_version, status, created_at, ended_at, notes, epochs, final, checkpoint_dir)
      VALUES (@id, @name, @model, @config, @backend, @data_version, @status, @created_at, @ended_at, @notes, @epochs, @final, @checkpoint_dir)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, model = excluded.model, config = excluded.config, backend = excluded.backend,
        data_version = excluded.data_version, status = excluded.status, created_at = excluded.created_at, ended_at = excluded.ended_at,
        notes = excluded.notes, epochs = excluded.epochs, final = excluded.final, checkpoint_dir = excluded.checkpoint_dir`).run({
      id: run.id,
      name: run.name ?? run.id,
      model: run.model ?? '',
      config: JSON.stringify(run.config ?? null),
      backend: run.backend ?? '',
      data_version: run.dataVersion ?? 0,
      status: run.status,
      created_at: run.createdAt ?? nowIso(),
      ended_at: run.endedAt ?? null,
      notes: run.notes ?? '',
      epochs: JSON.stringify(run.epochs ?? []),
      final: run.final === undefined || run.final === null ? null : JSON.stringify(run.final),
      checkpoint_dir: run.checkpointDir ?? null,
    });
  }

  private runFromRow(r: RunRow): RunRecord {
    return {
      id: r.id,
      name: r.name,
      model: r.model,
      config: JSON.parse(r.config) as unknown,
      backend: r.backend,
      dataVersion: r.data_version,
      status: r.status,
      createdAt: r.created_at,
      endedAt: r.ended_at,
      notes: r.notes,
      epochs: JSON.parse(r.epochs) as unknown[],
      final: r.final === null ? null : (JSON.parse(r.final) as unknown),
      checkpointDir: r.checkpoint_dir,
    };
  }

  getRun(id: string): RunRecord {
    const r = this.st('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!r) throw new KpsError('not-found', `run ${id} does not exist`);
    return this.runFromRow(r);
  }

  listRuns(): RunRecord[] {
    return (this.st('SELECT * FROM runs ORDER BY created_at, id').all() as RunRow[]).map((r) => this.runFromRow(r));
  }

  deleteRun(id: string): void {
    this.db.transaction(() => {
      this.st('DELETE FROM predictions WHERE run_id = ?').run(id);
      if (this.st('DELETE FROM runs WHERE id = ?').run(id).changes === 0) throw new KpsError('not-found', `run ${id} does not exist`);
    })();
  }

  savePredictions(preds: PredictionRecord[]): void {
    if (!Array.isArray(preds)) throw new KpsError('bad-input', 'predictions must be an array');
    const put = this.st(`INSERT INTO predictions(run_id, sample_id, coords, error) VALUES (?, ?, ?, ?)
      ON CONFLICT(run_id, sample_id) DO UPDATE SET coords = excluded.coords, error = excluded.error`);
    const runs = new Set<string>();
    this.db.transaction(() => {
      for (const p of preds) {
        if (!runs.has(p.runId)) {
          if (!this.st('SELECT 1 FROM runs WHERE id = ?').get(p.runId)) throw new KpsError('not-found', `run ${p.runId} does not exist: save the run before its predictions`);
          runs.add(p.runId);
        }
        if (!Array.isArray(p.coords) || p.coords.length !== 2 * this.k) {
          throw new KpsError('bad-input', `prediction for sample ${p.sampleId}: ${Array.isArray(p.coords) ? p.coords.length : 'no'} coordinates, expected ${2 * this.k}`);
        }
        if (!this.sampleRow(p.sampleId)) throw new KpsError('not-found', `prediction for sample ${p.sampleId}: no such sample`);
        const err = p.error === null || p.error === undefined || Number.isNaN(p.error) ? null : p.error;
        put.run(p.runId, p.sampleId, Buffer.from(new Float64Array(p.coords).buffer), err);
      }
    })();
  }

  getPredictions(runId: string, sampleIds?: number[]): PredictionRecord[] {
    const decode = (r: { sample_id: number; coords: Buffer; error: number | null }): PredictionRecord => {
      const copy = new Uint8Array(r.coords); // aligned copy for the Float64Array view
      return { runId, sampleId: r.sample_id, coords: Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8)), error: r.error };
    };
    type Row = { sample_id: number; coords: Buffer; error: number | null };
    if (sampleIds === undefined) {
      return (this.st('SELECT sample_id, coords, error FROM predictions WHERE run_id = ? ORDER BY sample_id').all(runId) as Row[]).map(decode);
    }
    return (
      this.st('SELECT sample_id, coords, error FROM predictions WHERE run_id = ? AND sample_id IN (SELECT value FROM json_each(?)) ORDER BY sample_id').all(
        runId,
        JSON.stringify(sampleIds),
      ) as Row[]
    ).map(decode);
  }

  saveRunSplit(runId: string, entries: RunSplitEntry[]): void {
    saveRunSplit(this.db, runId, entries);
  }

  getRunSplit(runId: string): RunSplitEntry[] {
    return getRunSplit(this.db, runId);
  }

  saveFaces(faces: StoredFace[]): void {
    saveFaces(this.db, faces);
  }

  getFaces(sampleIds?: number[]): StoredFace[] {
    return getFaces(this.db, sampleIds);
  }
}
