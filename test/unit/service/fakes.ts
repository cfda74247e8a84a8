// Synthetic fixtures for service tests: tiny embedded faces, a fake importer/exporter, the real store and schemas.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportError } from '../../../src-main/core/errors.js';
import type { KeypointSchema } from '../../../src-main/core/types.js';
import type { Exporter, ImportedSample, Importer } from '../../../src-main/formats/types.js';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { listBuiltinSchemas, resolveSchema } from '../../../src-main/formats/schemas.js';
import type { ServiceDeps } from '../../../src-main/service/deps.js';

export const W = 8;
export const H = 6;

/** Sample i: pixel (x, y) = (i * 7 + x * 3 + y * 11) % 256; keypoint k labelled at (k % W, k % H) except k === i % K. */
export function syntheticSamples(n: number, schema: KeypointSchema, source = '/fake/data.csv'): ImportedSample[] {
  const K = schema.keypoints.length;
  return Array.from({ length: n }, (_, i) => {
    const pixels = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) pixels[y * W + x] = (i * 7 + x * 3 + y * 11) % 256;
    return {
      source,
      record: i + 1,
      image: { kind: 'embedded', width: W, height: H, channels: 1, pixels },
      groupId: null,
      keypoints: Array.from({ length: K }, (_, k) =>
        k === i % K ? { x: NaN, y: NaN, state: 'missing' as const } : { x: k % W, y: k % H, state: 'labelled' as const },
      ),
    };
  });
}

/**
 * A fake importer reading a tiny text file: "N" (N synthetic samples), "bad R" (fail at record R),
 * "slow" (waits for cancellation), "hang" (never returns, like a read on a hung mount), or "file <image> <w> <h>" (one file-backed sample).
 */
export const fakeImporter: Importer = async (path, schema, ctx) => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(path, 'utf8').trim();
  if (text.startsWith('bad ')) throw new ImportError(path, Number(text.slice(4)), 'non-numeric coordinate "abc"');
  if (text.startsWith('file ')) {
    // "file <image path> <width> <height>": one file-backed sample.
    const [, image, w, h] = text.split(' ');
    const K = schema.keypoints.length;
    return [
      {
        source: path,
        record: 1,
        image: { kind: 'file', path: image, width: Number(w), height: Number(h), channels: 3 },
        groupId: null,
        keypoints: Array.from({ length: K }, () => ({ x: NaN, y: NaN, state: 'missing' as const })),
      },
    ];
  }
  // "hang": a read that never returns and ignores the signal, as on a hung network mount.
  if (text === 'hang') return new Promise<ImportedSample[]>(() => {});
  if (text === 'slow') {
    for (let i = 0; i < 1000; i++) {
      if (ctx.signal.aborted) throw new Error('aborted');
      ctx.progress(i, 1000);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const n = Number(text);
  const samples = syntheticSamples(n, schema, path);
  samples.forEach((_, i) => ctx.progress(i + 1, n));
  return samples;
};

export const fakeExporter: Exporter = async (source, out, ctx) => {
  const lines: string[] = [];
  let i = 0;
  for (const s of source.samples()) {
    lines.push(`${s.id} ${s.keypoints.map((k) => `${k.x},${k.y}`).join(' ')}`);
    ctx.progress(++i, source.count());
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return { written: lines.length, files: [out] };
};

export function fakeDeps(): ServiceDeps {
  return {
    createProject,
    openProject,
    importers: { 'kaggle-csv': fakeImporter },
    exporters: { 'kaggle-csv': fakeExporter },
    listSchemas: listBuiltinSchemas,
    resolveSchema,
  };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kps-service-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
