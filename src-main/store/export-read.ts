// Reading samples for an exporter: chunks by id so no statement stays open between yields.
import type { ExportSample, ExportSource } from '../api/formats.js';
import { PREDICTED_LABEL_SQL } from '../core/provenance.js';
import { confidencesOf } from './predicted.js';
import { summaries } from './queries.js';
import { EXPORT_CHUNK, liveSampleCount, SAMPLE_COLUMNS, type SampleRow, type StoreCtx } from './rows.js';

export function exportSource(ctx: StoreCtx): ExportSource {
  return {
    schema: ctx.schema,
    count: () => liveSampleCount(ctx),
    *samples(): Iterable<ExportSample> {
      // Walk by id in chunks so no statement stays open between yields (edits may happen meanwhile).
      let after = 0;
      for (;;) {
        const chunk = exportChunk(ctx, after);
        if (chunk.length === 0) return;
        for (const s of chunk) yield s;
        after = chunk[chunk.length - 1].id;
      }
    },
  };
}

export function exportChunk(ctx: StoreCtx, afterId: number): ExportSample[] {
  return ctx.db.transaction(() => {
    const rows = ctx.st(`SELECT ${SAMPLE_COLUMNS}, p.pixels AS pixels FROM samples s LEFT JOIN sample_pixels p ON p.sample_id = s.id
      WHERE s.deleted = 0 AND s.id > ? ORDER BY s.id LIMIT ?`).all(afterId, EXPORT_CHUNK) as (SampleRow & { pixels: Buffer | null })[];
    if (rows.length === 0) return [];
    const items = summaries(ctx, rows);
    const ids = rows.filter((_, i) => items[i].predictedCount > 0).map((r) => r.id);
    const predicted = new Map<number, boolean[]>();
    if (ids.length > 0) {
      const marks = ctx.st(`SELECT l.sample_id, l.kp_index FROM labels l WHERE l.sample_id IN (SELECT value FROM json_each(?)) AND ${PREDICTED_LABEL_SQL}`).raw().all(JSON.stringify(ids)) as [number, number][];
      for (const [sid, i] of marks) {
        let m = predicted.get(sid);
        if (!m) predicted.set(sid, (m = new Array<boolean>(ctx.k).fill(false)));
        m[i] = true;
      }
    }
    const conf = confidencesOf(ctx, ids);
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
      keypoints: items[i].keypoints,
      pixels: r.pixels ? new Uint8Array(r.pixels.buffer, r.pixels.byteOffset, r.pixels.byteLength) : null,
      imagePath: r.image_kind === 'file' ? r.image_path : null,
      ...(predicted.has(r.id)
        ? { predicted: predicted.get(r.id)!, confidence: Array.from({ length: ctx.k }, (_, k) => conf.get(r.id)?.get(k) ?? null) }
        : {}),
    }));
  })();
}

