// Import: checking each sample before anything is written, the one transaction that writes a whole import, the
// repeated-import lookup, and measuring the pixels of file-backed images for the statistics.
import { isAbsolute } from 'node:path';
import { ImportError } from '../core/errors.js';
import type { ImportedSample } from '../api/formats.js';
import type { RepeatedImport } from '../api/ops.js';
import { summarisePixels } from './migrations.js';
import { SPLITS, STATES, type StoredKeypoint, type StoreCtx } from './rows.js';
import type { ImportSourceKey } from './types.js';

export function validateImported(ctx: StoreCtx, s: ImportedSample): ReturnType<typeof summarisePixels> | null {
  const file = s && typeof s.source === 'string' && s.source !== '' ? s.source : '(unknown source)';
  const record = s && Number.isInteger(s.record) ? s.record : undefined;
  const fail = (why: string): never => {
    throw new ImportError(file, record, why);
  };
  if (!s || typeof s !== 'object') fail('sample is not an object');
  if (file === '(unknown source)') fail('sample has no source file name');
  if (record === undefined || record < 1) fail(`record number must be a positive integer, got ${String(s.record)}`);
  if (s.split !== undefined && !SPLITS.includes(s.split)) fail(`unknown split ${JSON.stringify(s.split)}`);
  if (!Array.isArray(s.keypoints) || s.keypoints.length !== ctx.k) {
    fail(`has ${Array.isArray(s.keypoints) ? s.keypoints.length : 'no'} keypoints, schema ${ctx.schema.id} has ${ctx.k}`);
  }
  s.keypoints.forEach((kp, i) => {
    const name = ctx.schema.keypoints[i].name;
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


/** Writes a checked import as one action in one transaction; `begin` starts the action (store.beginAction). */
export function importTransaction(
  ctx: StoreCtx,
  begin: (kind: 'import', label: string, actor: string, target: null) => { actionId: number; rev: number; at: string },
  samples: ImportedSample[],
  pixelSummaries: (ReturnType<typeof summarisePixels> | null)[],
  label: string,
  actor: string,
  provenance: string,
  source: ImportSourceKey | undefined,
): { count: number; firstId: number; lastId: number; actionId: number | null } {
  const insertSample = ctx.st(`INSERT INTO samples(source, record, external_id, image_kind, image_path, width, height, channels,
      split, group_id, deleted, revision, labelled_count, missing_count, occluded_count, pix_min, pix_max, pix_sum, pix_count)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertPixels = ctx.st('INSERT INTO sample_pixels(sample_id, pixels) VALUES (?, ?)');
  // All of a sample's keypoints in one multi-row INSERT: a sixth of the per-statement overhead of 105k single rows.
  const insertLabels = ctx.st(`INSERT INTO labels(sample_id, kp_index, x, y, state, provenance) VALUES ${new Array(ctx.k).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`);
  const labelParams: unknown[] = new Array(ctx.k * 6);
  const insertJournal = ctx.st("INSERT INTO journal(action_id, kind, sample_id, kp_index, before, after, actor, at) VALUES (?, 'import', ?, NULL, NULL, ?, ?, ?)");
  return ctx.db.transaction(() => {
    const { actionId, rev, at } = begin('import', label, actor, null);
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
      ctx.st('INSERT INTO import_sources(action_id, format, path, content_hash, image_set_hash, sample_count) VALUES (?, ?, ?, ?, ?, ?)').run(
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


export function findRepeatedImport(ctx: StoreCtx, key: ImportSourceKey): RepeatedImport | null {
  type Row = { action_id: number; at: string; path: string; format: string; sample_count: number };
  const sql = (where: string): string => `SELECT s.action_id, a.at, s.path, s.format, s.sample_count FROM import_sources s JOIN actions a ON a.id = s.action_id
    WHERE a.undone = 0 AND ${where} ORDER BY s.action_id DESC LIMIT 1`;
  const byContent = key.contentHash === null ? undefined : (ctx.st(sql('s.path = ? AND s.content_hash = ?')).get(key.path, key.contentHash) as Row | undefined);
  const byImages = byContent || key.imageSetHash === null ? undefined : (ctx.st(sql('s.image_set_hash = ?')).get(key.imageSetHash) as Row | undefined);
  const row = byContent ?? byImages;
  if (!row) return null;
  return { actionId: row.action_id, at: row.at, path: row.path, format: row.format, sampleCount: row.sample_count, match: byContent ? 'content' : 'images' };
}


/** Measures up to `maxSamples` not yet measured file-backed images (see ProjectStore.measureFilePixels). */
export async function measureFilePixels(ctx: StoreCtx, maxSamples: number): Promise<{ measured: number; failed: number }> {
  if (!ctx.db.open) return { measured: 0, failed: 0 };
  const todo = ctx.st(`SELECT id, image_path AS path FROM samples WHERE deleted = 0 AND image_kind = 'file' AND pix_count IS NULL ORDER BY id`).all() as {
    id: number;
    path: string;
  }[];
  const already = (ctx.st("SELECT count(*) AS n FROM samples WHERE deleted = 0 AND image_kind = 'file' AND pix_count IS NOT NULL").get() as { n: number }).n;
  const budget = Math.max(0, maxSamples - already);
  const step = todo.length / Math.min(todo.length, budget || 1);
  const chosen = budget === 0 ? [] : Array.from({ length: Math.min(todo.length, budget) }, (_, i) => todo[Math.floor(i * step)]);
  const { default: sharp } = await import('sharp');
  let measured = 0;
  let failed = 0;
  for (const c of chosen) {
    let summary: ReturnType<typeof summarisePixels>;
    try {
      // Not imaging/grey.ts's decodeGrey: the store layer may not import imaging (docs/architecture.md), and the
      // summary (min, max, mean) does not depend on the EXIF orientation. It sums every channel of colour files.
      const { data } = await sharp(c.path).raw().toBuffer({ resolveWithObject: true });
      summary = summarisePixels(data);
    } catch {
      failed++;
      continue;
    }
    if (!ctx.db.open) break;
    ctx.st('UPDATE samples SET pix_min = ?, pix_max = ?, pix_sum = ?, pix_count = ? WHERE id = ?').run(summary.min, summary.max, summary.sum, summary.count, c.id);
    measured++;
  }
  return { measured, failed };
}

