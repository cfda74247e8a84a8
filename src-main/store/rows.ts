// Shared by the store's modules: row shapes of the SQLite tables, the value lists they check, small conversions, and
// StoreCtx, what a module function needs of an open project (the connection, cached statements, the schema).
import type Database from 'better-sqlite3';
import { KpsError } from '../core/errors.js';
import type { KeypointSchema, KeypointState, LabelledKeypoint, Split } from '../core/types.js';
import type { RunRecord } from './types.js';

export type Db = Database.Database;

export { SPLITS, KEYPOINT_STATES as STATES } from '../core/types.js';
export const SORTS = ['id', 'missing-desc', 'missing-asc', 'source', 'error-desc'] as const;
export const RUN_STATUSES: readonly RunRecord['status'][] = ['running', 'paused', 'done', 'failed', 'cancelled'];
/**
 * Imports of at least this many samples run in rollback-journal mode: new pages then reach the file once, instead
 * of once in the WAL and again at the checkpoint (about half the I/O of a 7,049-row Kaggle import). It is just as
 * atomic: a crash leaves a hot journal that the next open rolls back.
 */
export const BULK_IMPORT_ROWS = 200;
/** Samples per read when exporting: bounded memory, and the connection is never held by an open iterator. */
export const EXPORT_CHUNK = 256;

export interface SampleRow {
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

export interface LabelRow {
  sample_id: number;
  kp_index: number;
  x: number | null;
  y: number | null;
  state: KeypointState;
  provenance: string;
}

export interface JournalRow {
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

export interface ActionRow {
  id: number;
  kind: 'edit' | 'import' | 'undo' | 'redo';
  label: string;
  actor: string;
}

/** A keypoint value as written in the journal: NaN becomes null because JSON has no NaN. */
export interface StoredKeypoint {
  x: number | null;
  y: number | null;
  state: KeypointState;
  provenance: string;
}

export interface RunRow {
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

export const SAMPLE_COLUMNS =
  's.id, s.source, s.record, s.external_id, s.image_kind, s.image_path, s.width, s.height, s.channels, s.split, s.group_id, s.deleted, s.revision, s.labelled_count, s.missing_count, s.occluded_count';

export function nowIso(): string {
  return new Date().toISOString();
}


export function fromNullable(v: number | null | undefined): number {
  return v === null || v === undefined ? NaN : v;
}

export function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

export function storedToKeypoint(k: StoredKeypoint): LabelledKeypoint {
  return { x: fromNullable(k.x), y: fromNullable(k.y), state: k.state, provenance: k.provenance };
}


/** What the store's module functions need of an open project. */
export interface StoreCtx {
  readonly db: Db;
  readonly path: string;
  readonly schema: KeypointSchema;
  /** Keypoints per sample. */
  readonly k: number;
  /** A prepared statement, cached by its SQL text. */
  st(sql: string): Database.Statement;
}

export function liveSampleCount(ctx: StoreCtx): number {
  return (ctx.st('SELECT count(*) AS n FROM samples WHERE deleted = 0').get() as { n: number }).n;
}

export function sampleRow(ctx: StoreCtx, id: number): SampleRow | undefined {
  return ctx.st(`SELECT ${SAMPLE_COLUMNS} FROM samples s WHERE s.id = ?`).get(id) as SampleRow | undefined;
}

export function liveSample(ctx: StoreCtx, id: number): SampleRow {
  if (!Number.isInteger(id)) throw new KpsError('bad-input', `sample id must be an integer, got ${String(id)}`);
  const row = sampleRow(ctx, id);
  if (!row) throw new KpsError('not-found', `sample ${id} does not exist`);
  if (row.deleted) throw new KpsError('not-found', `sample ${id} was deleted (undo restores it)`);
  return row;
}

export function readLabels(ctx: StoreCtx, sampleId: number): StoredKeypoint[] {
  const rows = ctx.st('SELECT kp_index, x, y, state, provenance FROM labels WHERE sample_id = ? ORDER BY kp_index').all(sampleId) as LabelRow[];
  // Every slot starts missing, so a sample without label rows (never written by this app) still reads whole.
  const out: StoredKeypoint[] = Array.from({ length: ctx.k }, () => ({ x: null, y: null, state: 'missing', provenance: 'import' }));
  for (const r of rows) out[r.kp_index] = { x: r.x, y: r.y, state: r.state, provenance: r.provenance };
  return out;
}
