// The project store: one SQLite file (WAL) holding samples, labels, tags, the edit journal, runs and predictions.
// This file holds opening and the class that writes (actions, journal, undo and redo, edits, tags, splits, deletes);
// its reading and bulk parts are modules of their own: file.ts (the file and its connection), import-write.ts,
// queries.ts, history.ts, stats.ts, export-read.ts, runs-store.ts, faces.ts, run-splits.ts; rows.ts is what they share.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { KpsError } from '../core/errors.js';
import type { JournalEntry, KeypointSchema, SampleDetail, SampleSummary, Split } from '../core/types.js';
import type { ExportSource, ImportedSample } from '../api/formats.js';
import type { DatasetStats, KeypointEdit, RepeatedImport, SampleQuery, UndoResult } from '../api/ops.js';
import { checkProjectFile, createProjectFile, openDatabase, type OpenProjectOptions, KPS_APPLICATION_ID } from './file.js';
import { checkActor, editLabel, normaliseEdit } from './edit-rules.js';
import { exportSource } from './export-read.js';
import { faceCounts, getFaces, saveFaces, type StoredFace } from './faces.js';
import { changesSinceImport, history } from './history.js';
import { findRepeatedImport, importTransaction, measureFilePixels, validateImported } from './import-write.js';
import { acquireProjectLock, type ProjectLock } from './lock.js';
import { LATEST_VERSION, migrate, readSchemaVersion } from './migrations.js';
import * as queries from './queries.js';
import {
  fromNullable,
  liveSampleCount,
  nowIso,
  sameNumber,
  liveSample,
  readLabels,
  sampleRow,
  SPLITS,
  BULK_IMPORT_ROWS,
  type ActionRow,
  type Db,
  type JournalRow,
  type SampleRow,
  type StoreCtx,
  type StoredKeypoint,
} from './rows.js';
import * as runs from './runs-store.js';
import { getRunSplit, saveRunSplit } from './run-splits.js';
import { computeStats } from './stats.js';
import { confirmEdits, writeConfidence } from './predicted.js';
import { isPredictedProvenance } from '../core/provenance.js';
import type { ChangeSummary, ImportSourceKey, PredictionRecord, ProjectStore, RunRecord, RunSplitEntry } from './types.js';

export { checkProjectFile, createProjectFile, KPS_APPLICATION_ID, type OpenProjectOptions } from './file.js';

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
    this.ctx = { db, path, schema, k: this.k, st: (sql) => this.st(sql) };
  }

  /** What the store's modules get: this connection, its statement cache and the schema. */
  private readonly ctx: StoreCtx;

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
    return liveSampleCount(this.ctx);
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
    return sampleRow(this.ctx, id);
  }

  private checkIds(ids: number[]): number[] {
    if (!Array.isArray(ids)) throw new KpsError('bad-input', 'ids must be an array of sample ids');
    const unique = [...new Set(ids)];
    for (const id of unique) liveSample(this.ctx, id);
    return unique;
  }

  private writeLabel(sampleId: number, index: number, k: StoredKeypoint): void {
    this.st('UPDATE labels SET x = ?, y = ?, state = ?, provenance = ? WHERE sample_id = ? AND kp_index = ?').run(k.x, k.y, k.state, k.provenance, sampleId, index);
  }

  /** Applies one sample's edits under an action; unchanged values are skipped so they do not clutter undo. */
  private applyEdits(w: ActionWriter, sampleId: number, edits: KeypointEdit[]): void {
    if (!Array.isArray(edits)) throw new KpsError('bad-input', `sample ${sampleId}: edits must be an array`);
    liveSample(this.ctx, sampleId);
    const normalised = edits.map((e) => normaliseEdit(this.schema, sampleId, e, w.actor));
    const current = readLabels(this.ctx, sampleId);
    for (const [j, { index, value }] of normalised.entries()) {
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
      // A model's confidence in a value it wrote; it stops counting once a person confirms or changes the value.
      const confidence = edits[j].confidence;
      if (confidence !== undefined && value.state !== 'missing' && isPredictedProvenance(value.provenance)) writeConfidence(this.ctx, sampleId, index, value.provenance, confidence);
    }
  }

  // ---------------------------------------------------------------- import

  importSamples(samples: ImportedSample[], actor: string, source?: ImportSourceKey): { count: number; firstId: number; lastId: number; actionId: number | null } {
    checkActor(actor);
    if (!Array.isArray(samples)) throw new KpsError('bad-input', 'importSamples expects an array of samples');
    // Validate everything before writing anything: the transaction would roll back anyway, but an
    // error raised here is cheaper and names the record.
    const pixelSummaries = samples.map((s) => validateImported(this.ctx, s));
    if (samples.length === 0) return { count: 0, firstId: 0, lastId: 0, actionId: null };
    const provenance = actor.startsWith('import') ? actor : 'import';
    const sources = [...new Set(samples.map((s) => basename(s.source)))];
    const label = `Import ${samples.length} samples from ${sources.length === 1 ? sources[0] : `${sources.length} files`}`;

    this.restoreWal();
    const bulk = samples.length >= BULK_IMPORT_ROWS && this.setJournalMode('delete');
    let result: { count: number; firstId: number; lastId: number; actionId: number | null };
    try {
      result = importTransaction(this.ctx, (kind, label, actor, target) => this.beginAction(kind, label, actor, target), samples, pixelSummaries, label, actor, provenance, source);
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

  findRepeatedImport(key: ImportSourceKey): RepeatedImport | null {
    return findRepeatedImport(this.ctx, key);
  }

  replaceImportLabels(samples: ImportedSample[], actor: string, label: string): { updated: number; unmatched: number; actionId: number | null } {
    checkActor(actor);
    if (!Array.isArray(samples)) throw new KpsError('bad-input', 'replaceImportLabels expects an array of samples');
    samples.forEach((s) => validateImported(this.ctx, s));
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
          const current = readLabels(this.ctx, id);
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
    const result = await measureFilePixels(this.ctx, maxSamples);
    // Pixel summaries are not a data change (no version bump), so the cached statistics are dropped here.
    this.statsCache = null;
    return result;
  }

  // ---------------------------------------------------------------- queries

  sampleIds(q: SampleQuery): number[] {
    return queries.sampleIds(this.ctx, q);
  }

  listSamples(q: SampleQuery): { total: number; items: SampleSummary[] } {
    return queries.listSamples(this.ctx, q);
  }

  getSample(id: number): SampleDetail {
    return queries.getSample(this.ctx, id);
  }

  getPixels(id: number): Uint8Array | null {
    return queries.getPixels(this.ctx, id);
  }

  getImagePath(id: number): string | null {
    return queries.getImagePath(this.ctx, id);
  }

  // ---------------------------------------------------------------- edits

  setLabels(sampleId: number, edits: KeypointEdit[], actor: string, label?: string, mergeInto?: number): { revision: number; actionId: number } {
    this.restoreWal();
    checkActor(actor);
    if (mergeInto !== undefined && !(Number.isInteger(mergeInto) && mergeInto > 0)) throw new KpsError('bad-input', `sample ${sampleId}: mergeInto must be an action id, got ${String(mergeInto)}`);
    return this.db.transaction(() => {
      const into = mergeInto !== undefined && Array.isArray(edits) ? this.continuable(mergeInto, sampleId, edits, actor) : null;
      const w = new ActionWriter(this, 'edit', () => label ?? editLabel(this.schema, edits, 1), actor, null, into);
      this.applyEdits(w, sampleId, edits);
      this.finishAction(w);
      // Nothing changed: no action is recorded (actionId 0) and the revision stays as it was.
      if (w.id === null) return { revision: liveSample(this.ctx, sampleId).revision, actionId: 0 };
      return { revision: w.ensure().rev, actionId: w.id };
    }).immediate();
  }

  setLabelsBatch(edits: { sampleId: number; edits: KeypointEdit[] }[], actor: string, label: string, opts: { addTags?: string[] } = {}): { actionId: number | null } {
    this.restoreWal();
    checkActor(actor);
    if (!Array.isArray(edits)) throw new KpsError('bad-input', 'batch must be an array of {sampleId, edits}');
    const addTags = (opts.addTags ?? []).map((t) => {
      if (typeof t !== 'string' || t.trim() === '') throw new KpsError('bad-input', 'addTags: a tag must be a non-empty string');
      return t.trim();
    });
    return this.db.transaction(() => {
      const w = new ActionWriter(this, 'edit', () => label || editLabel(this.schema, [], edits.length), actor);
      for (const e of edits) this.applyEdits(w, e.sampleId, e.edits);
      // Tags go only on the samples whose labels changed, in the same action (one undo reverts both).
      const ins = this.st('INSERT OR IGNORE INTO tags(sample_id, tag) VALUES (?, ?)');
      for (const id of [...w.touched]) for (const t of addTags) if (ins.run(id, t).changes > 0) this.journal(w, 'tag-add', id, null, null, t);
      this.finishAction(w);
      return { actionId: w.id };
    }).immediate();
  }

  /**
   * Confirms predicted, unconfirmed values as they stand (of `ids`, or of every sample when null; of `keypoints` only
   * when given): the actor becomes their provenance, in one undoable action.
   */
  confirmPredicted(ids: number[] | null, actor: string, keypoints?: number[]): { actionId: number | null; samples: number[]; keypoints: number } {
    checkActor(actor);
    if (isPredictedProvenance(actor)) throw new KpsError('bad-input', `confirming predicted keypoints needs a person's actor, not ${actor}`);
    if (ids !== null) this.checkIds(ids);
    const batch = confirmEdits(this.ctx, ids === null ? null : [...new Set(ids)], keypoints);
    const n = batch.reduce((a, b) => a + b.edits.length, 0);
    if (n === 0) return { actionId: null, samples: [], keypoints: 0 };
    const label = `Confirm ${n} predicted keypoint${n === 1 ? '' : 's'}${batch.length === 1 ? ` of sample ${batch[0].sampleId}` : ` of ${batch.length} samples`}`;
    const { actionId } = this.setLabelsBatch(batch, actor, label);
    return { actionId, samples: batch.map((b) => b.sampleId), keypoints: n };
  }

  tagSamples(ids: number[], add: string[], remove: string[], actor: string): { actionId: number | null } {
    this.restoreWal();
    checkActor(actor);
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
    checkActor(actor);
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
    checkActor(actor);
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
    return history(this.ctx, sampleId);
  }

  changesSinceImport(): ChangeSummary {
    return changesSinceImport(this.ctx);
  }

  // ---------------------------------------------------------------- statistics

  /** Statistics of the last data version asked for: every change bumps the version, so a hit is never stale. */
  private statsCache: { version: number; stats: DatasetStats } | null = null;

  stats(): DatasetStats {
    const version = this.dataVersion();
    // Face counts change without a data version (detection is not a label edit): read them each time.
    if (this.statsCache && this.statsCache.version === version) return { ...structuredClone(this.statsCache.stats), faces: faceCounts(this.db) };
    const stats = computeStats(this.ctx);
    this.statsCache = { version, stats };
    return { ...structuredClone(stats), faces: faceCounts(this.db) };
  }

  // ---------------------------------------------------------------- export

  exportSource(): ExportSource {
    return exportSource(this.ctx);
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
    runs.saveRun(this.ctx, run);
  }

  getRun(id: string): RunRecord {
    return runs.getRun(this.ctx, id);
  }

  listRuns(): RunRecord[] {
    return runs.listRuns(this.ctx);
  }

  deleteRun(id: string): void {
    runs.deleteRun(this.ctx, id);
  }

  savePredictions(preds: PredictionRecord[]): void {
    runs.savePredictions(this.ctx, preds);
  }

  getPredictions(runId: string, sampleIds?: number[]): PredictionRecord[] {
    return runs.getPredictions(this.ctx, runId, sampleIds);
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
