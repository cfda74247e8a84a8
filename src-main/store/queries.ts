// Sample queries: the gallery's filters and sorts as SQL, and pages of sample summaries (labels and tags in two queries).
import { KpsError } from '../core/errors.js';
import { isPredictedProvenance, PREDICTED_LABEL_SQL } from '../core/provenance.js';
import { sampleConfidences } from './predicted.js';
import type { ImageRef, Keypoint, KeypointState, SampleDetail, SampleSummary } from '../core/types.js';
import type { SampleQuery } from '../api/ops.js';
import { FACE_FILTERS, faceFilterSql } from './faces.js';
import { fromNullable, liveSample, readLabels, SAMPLE_COLUMNS, storedToKeypoint, SORTS, SPLITS, type SampleRow, type StoreCtx } from './rows.js';

export function buildQuery(ctx: StoreCtx, q: SampleQuery): { where: string; join: string; order: string; params: unknown[]; joinParams: unknown[] } {
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
    if (idx >= ctx.k) throw new KpsError('bad-input', `query.missingKeypoint ${idx} is outside 0..${ctx.k - 1}`);
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
  if (q.predicted !== undefined && q.predicted !== null) {
    if (typeof q.predicted !== 'boolean') throw new KpsError('bad-input', 'query.predicted must be true or false');
    conds.push(`${q.predicted ? '' : 'NOT '}EXISTS (SELECT 1 FROM labels l WHERE l.sample_id = s.id AND ${PREDICTED_LABEL_SQL})`);
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
      if (!ctx.st('SELECT 1 FROM runs WHERE id = ?').get(q.runId)) throw new KpsError('not-found', `run ${q.runId} does not exist`);
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

export function limitClause(q: SampleQuery): { sql: string; params: number[] } {
  const check = (name: string, v: unknown): number => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new KpsError('bad-input', `query.${name} must be a non-negative integer, got ${String(v)}`);
    return v as number;
  };
  const offset = q.offset === undefined || q.offset === null ? 0 : check('offset', q.offset);
  const limit = q.limit === undefined || q.limit === null ? -1 : check('limit', q.limit);
  return { sql: 'LIMIT ? OFFSET ?', params: [limit, offset] };
}

export function sampleIds(ctx: StoreCtx, q: SampleQuery): number[] {
  const b = buildQuery(ctx, q);
  const lim = limitClause(q);
  const sql = `SELECT s.id FROM samples s ${b.join} WHERE ${b.where} ORDER BY ${b.order} ${lim.sql}`;
  return (ctx.st(sql).pluck().all(...b.joinParams, ...b.params, ...lim.params) as number[]);
}

export function listSamples(ctx: StoreCtx, q: SampleQuery): { total: number; items: SampleSummary[] } {
  const b = buildQuery(ctx, q);
  const lim = limitClause(q);
  return ctx.db.transaction(() => {
    // One read transaction so the total and the page agree.
    const total = (ctx.st(`SELECT count(*) AS n FROM samples s WHERE ${b.where}`).get(...b.params) as { n: number }).n;
    const rows = ctx.st(`SELECT ${SAMPLE_COLUMNS} FROM samples s ${b.join} WHERE ${b.where} ORDER BY ${b.order} ${lim.sql}`).all(
      ...b.joinParams,
      ...b.params,
      ...lim.params,
    ) as SampleRow[];
    return { total, items: summaries(ctx, rows) };
  })();
}

/** Labels and tags of a page of samples in two queries, not one per sample. */
export function summaries(ctx: StoreCtx, rows: SampleRow[]): SampleSummary[] {
  if (rows.length === 0) return [];
  const ids = JSON.stringify(rows.map((r) => r.id));
  const labels = ctx.st('SELECT sample_id, kp_index, x, y, state, provenance FROM labels WHERE sample_id IN (SELECT value FROM json_each(?))').raw().all(ids) as [
    number,
    number,
    number | null,
    number | null,
    KeypointState,
    string,
  ][];
  const tags = ctx.st('SELECT sample_id, tag FROM tags WHERE sample_id IN (SELECT value FROM json_each(?)) ORDER BY sample_id, tag').raw().all(ids) as [number, string][];
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
      predictedCount: 0,
      keypoints: Array.from({ length: ctx.k }, (): Keypoint => ({ x: NaN, y: NaN, state: 'missing' })),
    };
    byId.set(r.id, item);
    return item;
  });
  for (const [sid, idx, x, y, state, provenance] of labels) {
    const item = byId.get(sid);
    if (!item) continue;
    item.keypoints[idx] = { x: fromNullable(x), y: fromNullable(y), state };
    if (state !== 'missing' && isPredictedProvenance(provenance)) item.predictedCount++;
  }
  for (const [sid, tag] of tags) byId.get(sid)?.tags.push(tag);
  return items;
}


export function getSample(ctx: StoreCtx, id: number): SampleDetail {
  return ctx.db.transaction(() => {
    const r = liveSample(ctx, id);
    const confidence = sampleConfidences(ctx, id);
    const labels = readLabels(ctx, id).map((k, i) => {
      const kp = storedToKeypoint(k);
      const c = confidence.get(i);
      return c === undefined ? kp : { ...kp, confidence: c };
    });
    const tags = ctx.st('SELECT tag FROM tags WHERE sample_id = ? ORDER BY tag').pluck().all(id) as string[];
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
      predictedCount: labels.filter((k) => k.state !== 'missing' && isPredictedProvenance(k.provenance)).length,
      keypoints: labels,
      image,
      revision: r.revision,
    };
  })();
}

export function getPixels(ctx: StoreCtx, id: number): Uint8Array | null {
  liveSample(ctx, id);
  const buf = ctx.st('SELECT pixels FROM sample_pixels WHERE sample_id = ?').pluck().get(id) as Buffer | undefined;
  return buf ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : null;
}

export function getImagePath(ctx: StoreCtx, id: number): string | null {
  const r = liveSample(ctx, id);
  return r.image_kind === 'file' ? r.image_path : null;
}
