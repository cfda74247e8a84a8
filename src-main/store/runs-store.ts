// Training runs and their per-sample predictions in the project file.
import { KpsError } from '../core/errors.js';
import { nowIso, RUN_STATUSES, sampleRow, type RunRow, type StoreCtx } from './rows.js';
import type { PredictionRecord, RunRecord } from './types.js';

export function saveRun(ctx: StoreCtx, run: RunRecord): void {
  if (!run || typeof run.id !== 'string' || run.id === '') throw new KpsError('bad-input', 'run must have a non-empty id');
  if (!RUN_STATUSES.includes(run.status)) throw new KpsError('bad-input', `run ${run.id}: unknown status ${JSON.stringify(run.status)}`);
  ctx.st(`INSERT INTO runs(id, name, model, config, backend, data_version, status, created_at, ended_at, notes, epochs, final, checkpoint_dir)
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

export function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    model: r.model,
    config: JSON.parse(r.config) as RunRecord['config'],
    backend: r.backend,
    dataVersion: r.data_version,
    status: r.status,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    notes: r.notes,
    epochs: JSON.parse(r.epochs) as RunRecord['epochs'],
    final: r.final === null ? null : (JSON.parse(r.final) as RunRecord['final']),
    checkpointDir: r.checkpoint_dir,
  };
}

export function getRun(ctx: StoreCtx, id: string): RunRecord {
  const r = ctx.st('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!r) throw new KpsError('not-found', `run ${id} does not exist`);
  return runFromRow(r);
}

export function listRuns(ctx: StoreCtx): RunRecord[] {
  return (ctx.st('SELECT * FROM runs ORDER BY created_at, id').all() as RunRow[]).map((r) => runFromRow(r));
}

export function deleteRun(ctx: StoreCtx, id: string): void {
  ctx.db.transaction(() => {
    ctx.st('DELETE FROM predictions WHERE run_id = ?').run(id);
    if (ctx.st('DELETE FROM runs WHERE id = ?').run(id).changes === 0) throw new KpsError('not-found', `run ${id} does not exist`);
  })();
}

export function savePredictions(ctx: StoreCtx, preds: PredictionRecord[]): void {
  if (!Array.isArray(preds)) throw new KpsError('bad-input', 'predictions must be an array');
  const put = ctx.st(`INSERT INTO predictions(run_id, sample_id, coords, error) VALUES (?, ?, ?, ?)
    ON CONFLICT(run_id, sample_id) DO UPDATE SET coords = excluded.coords, error = excluded.error`);
  const runs = new Set<string>();
  ctx.db.transaction(() => {
    for (const p of preds) {
      if (!runs.has(p.runId)) {
        if (!ctx.st('SELECT 1 FROM runs WHERE id = ?').get(p.runId)) throw new KpsError('not-found', `run ${p.runId} does not exist: save the run before its predictions`);
        runs.add(p.runId);
      }
      if (!Array.isArray(p.coords) || p.coords.length !== 2 * ctx.k) {
        throw new KpsError('bad-input', `prediction for sample ${p.sampleId}: ${Array.isArray(p.coords) ? p.coords.length : 'no'} coordinates, expected ${2 * ctx.k}`);
      }
      if (!sampleRow(ctx, p.sampleId)) throw new KpsError('not-found', `prediction for sample ${p.sampleId}: no such sample`);
      const err = p.error === null || p.error === undefined || Number.isNaN(p.error) ? null : p.error;
      put.run(p.runId, p.sampleId, Buffer.from(new Float64Array(p.coords).buffer), err);
    }
  })();
}

export function getPredictions(ctx: StoreCtx, runId: string, sampleIds?: number[]): PredictionRecord[] {
  const decode = (r: { sample_id: number; coords: Buffer; error: number | null }): PredictionRecord => {
    const copy = new Uint8Array(r.coords); // aligned copy for the Float64Array view
    return { runId, sampleId: r.sample_id, coords: Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8)), error: r.error };
  };
  type Row = { sample_id: number; coords: Buffer; error: number | null };
  if (sampleIds === undefined) {
    return (ctx.st('SELECT sample_id, coords, error FROM predictions WHERE run_id = ? ORDER BY sample_id').all(runId) as Row[]).map(decode);
  }
  return (
    ctx.st('SELECT sample_id, coords, error FROM predictions WHERE run_id = ? AND sample_id IN (SELECT value FROM json_each(?)) ORDER BY sample_id').all(
      runId,
      JSON.stringify(sampleIds),
    ) as Row[]
  ).map(decode);
}

