// Each run's own train / val / test assignment per sample (table run_splits): written when a run's data is prepared.
import type Database from 'better-sqlite3';
import { KpsError } from '../core/errors.js';
import type { RunSplitEntry } from './types.js';

type Db = Database.Database;

import { RUN_SIDES as RUN_SPLIT_SIDES } from '../core/types.js';

/**
 * Replaces the run's stored split with `entries`, in one transaction: checked first, so a bad entry (unknown run,
 * unknown sample, a side other than train/val/test) writes nothing.
 */
export function saveRunSplit(db: Db, runId: string, entries: RunSplitEntry[]): void {
  if (!Array.isArray(entries)) throw new KpsError('bad-input', `run ${runId}: the split must be a list of {sampleId, split}`);
  db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw new KpsError('not-found', `run ${runId} does not exist: save the run before its split`);
    const known = db.prepare('SELECT 1 FROM samples WHERE id = ?');
    entries.forEach((e, i) => {
      if (!RUN_SPLIT_SIDES.includes(e?.split)) throw new KpsError('bad-input', `run ${runId}: split entry ${i} (sample ${String(e?.sampleId)}) has side ${JSON.stringify(e?.split)}; use train, val or test`);
      if (!Number.isInteger(e.sampleId) || !known.get(e.sampleId)) throw new KpsError('not-found', `run ${runId}: split entry ${i} names sample ${String(e.sampleId)}, which does not exist`);
    });
    db.prepare('DELETE FROM run_splits WHERE run_id = ?').run(runId);
    const put = db.prepare('INSERT INTO run_splits(run_id, sample_id, split) VALUES (?, ?, ?)');
    for (const e of entries) put.run(runId, e.sampleId, e.split);
  })();
}

/** The run's stored split in sample order; empty for a run that has none (trained before schema version 4, or failed while loading). */
export function getRunSplit(db: Db, runId: string): RunSplitEntry[] {
  const rows = db.prepare('SELECT sample_id, split FROM run_splits WHERE run_id = ? ORDER BY sample_id').all(runId) as { sample_id: number; split: RunSplitEntry['split'] }[];
  return rows.map((r) => ({ sampleId: r.sample_id, split: r.split }));
}
