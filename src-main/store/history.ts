// Reading the journal back: one sample's history, and what changed since the import (by kind and provenance).
import { KpsError } from '../core/errors.js';
import type { JournalEntry, KeypointState } from '../core/types.js';
import { sampleRow, storedToKeypoint, type JournalRow, type StoredKeypoint, type StoreCtx } from './rows.js';
import type { ChangeSummary } from './types.js';

export function history(ctx: StoreCtx, sampleId: number): JournalEntry[] {
  if (!Number.isInteger(sampleId) || !sampleRow(ctx, sampleId)) throw new KpsError('not-found', `sample ${String(sampleId)} does not exist`);
  const rows = ctx.st(`SELECT j.*, a.kind AS action_kind, a.undone AS action_undone FROM journal j JOIN actions a ON a.id = j.action_id
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

export function changesSinceImport(ctx: StoreCtx): ChangeSummary {
  return ctx.db.transaction(() => {
    // Only keypoints whose current value was not written by the import can differ from it (undo restores
    // the import's provenance along with its value), so the import entries are read for those samples only.
    const rows = ctx.st(`SELECT l.sample_id, l.kp_index, l.x, l.y, l.state, l.provenance
      FROM labels l JOIN samples s ON s.id = l.sample_id
      WHERE s.deleted = 0 AND l.provenance NOT LIKE 'import%' ORDER BY l.sample_id, l.kp_index`).raw().all() as [number, number, number | null, number | null, KeypointState, string][];
    const importOf = ctx.st("SELECT after FROM journal WHERE sample_id = ? AND kind = 'import' ORDER BY id LIMIT 1").pluck();
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
    summary.deletedSamples = (ctx.st('SELECT count(*) AS n FROM samples WHERE deleted = 1').get() as { n: number }).n;
    return summary;
  })();
}

