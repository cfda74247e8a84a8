// iBUG `.pts` landmark files beside their images: import a folder, export a folder (one .pts and one image per sample).
//
// `.pts` coordinates are 1-based pixels (as in 300-W): 1 is subtracted on import and added on export.
// The format has no "missing" marker; this module writes a missing keypoint as `-1 -1` and reads that
// exact pair back as missing. It has no "occluded" state either: occluded points are written with
// their coordinates and come back as labelled.
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { coordinateProblem, formatCoordinateValue } from '../core/coordinates.js';
import { ImportError, KpsError } from '../core/errors.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import { writeFolderAtomic } from './atomic.js';
import {
  IMAGE_EXTENSIONS,
  badNumberProblem,
  excerpt,
  groupIdFromName,
  listFilesRecursive,
  mapLimit,
  missingKeypoint,
  parseDecimal,
  readImageInfo,
  readTextFile,
  requirePath,
  throwIfCancelled,
} from './common.js';
import type { ExportSample, Exporter, ImportedSample, Importer } from './types.js';

/** Parse the text of one .pts file into 0-based keypoints; errors name the file and line. */
export function parsePts(file: string, text: string, schema: KeypointSchema): Keypoint[] {
  return parsePtsLines(file, text, schema).keypoints;
}

/** parsePts, plus the 1-based line each point came from (for the range check once the image size is known). */
function parsePtsLines(file: string, text: string, schema: KeypointSchema): { keypoints: Keypoint[]; lines: number[] } {
  const lines = text.split('\n');
  const fail = (line: number, problem: string): never => {
    throw new ImportError(file, line, problem, 'line');
  };
  let nPoints: number | null = null;
  let nPointsLine = 0;
  let i = 0;
  // Header: `key: value` lines up to the opening brace.
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t === '{') break;
    const m = /^([A-Za-z_]+)\s*:\s*(.*)$/.exec(t);
    if (!m) fail(i + 1, `expected a header line such as "n_points: 68" or "{", found ${JSON.stringify(t.slice(0, 40))}`);
    if (m![1] === 'n_points') {
      // Decimal digits only: Number() would also take "0x44" or "6.8e1".
      const v = /^\d{1,9}$/.test(m![2]) ? Number(m![2]) : NaN;
      if (!Number.isInteger(v) || v <= 0) fail(i + 1, `n_points must be a positive decimal integer (found ${excerpt(m![2])})`);
      nPoints = v;
      nPointsLine = i + 1;
    }
  }
  if (i >= lines.length) fail(lines.length, text.trim() === '' ? 'the file is empty' : 'no "{" opening the point list');
  if (nPoints === null) fail(i + 1, 'no "n_points:" line before "{"');
  const n = nPoints as number;
  if (n !== schema.keypoints.length) {
    fail(nPointsLine, `has n_points ${n} but the project schema ${schema.id} has ${schema.keypoints.length} keypoints`);
  }
  const out: Keypoint[] = [];
  const pointLines: number[] = [];
  let closed = false;
  for (i = i + 1; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '') continue;
    if (t === '}') {
      closed = true;
      break;
    }
    const parts = t.split(/\s+/);
    if (parts.length !== 2) fail(i + 1, `expected "x y", found ${JSON.stringify(t.slice(0, 40))}`);
    const x = parseDecimal(parts[0]);
    const y = parseDecimal(parts[1]);
    if (x === null || y === null) fail(i + 1, `${JSON.stringify(t.slice(0, 40))} is not two numbers${x === null ? '' : ` (y: ${badNumberProblem(parts[1])})`}`);
    if (out.length >= n) fail(i + 1, `more points than n_points ${n}`);
    pointLines.push(i + 1);
    if (x === -1 && y === -1) out.push(missingKeypoint());
    else out.push({ x: (x as number) - 1, y: (y as number) - 1, state: 'labelled' });
  }
  if (out.length < n) fail(i + 1 > lines.length ? lines.length : i + 1, `has ${out.length} points but n_points says ${n}`);
  if (!closed) fail(lines.length, 'no closing "}" after the points (the file is cut short?)');
  return { keypoints: out, lines: pointLines };
}

function findImageBeside(stemPath: string, files: Set<string>): string | null {
  for (const ext of IMAGE_EXTENSIONS) {
    for (const e of [ext, ext.toUpperCase()]) {
      if (files.has(stemPath + e)) return stemPath + e;
    }
  }
  return null;
}

/**
 * A folder (searched recursively) of images with `.pts` files beside them, or one `.pts` file.
 * Images without a `.pts` come in as unlabelled samples (every keypoint missing), ready to label.
 */
export const importPts: Importer = async (path, schema, ctx) => {
  const root = resolve(path);
  const { isDir } = await requirePath(root, 'a folder of images with .pts files, or a .pts file');
  let files: string[];
  if (isDir) files = await listFilesRecursive(root, ctx);
  else if (extname(root).toLowerCase() === '.pts') files = [root, ...(await readdir(dirname(root))).map((f) => join(dirname(root), f)).filter((f) => f !== root && !f.toLowerCase().endsWith('.pts'))];
  else throw new ImportError(root, undefined, 'is not a folder or a .pts file');
  const all = new Set(files);
  const ptsFiles = files.filter((f) => extname(f).toLowerCase() === '.pts');

  interface Pending { file: string; image: string; keypoints: Keypoint[] | null; lines: number[] }
  const pending: Pending[] = [];
  const claimed = new Set<string>();
  for (const file of ptsFiles) {
    throwIfCancelled(ctx);
    const { keypoints, lines } = parsePtsLines(file, await readTextFile(file, ctx, { lineBased: true }), schema);
    const stem = file.slice(0, -extname(file).length);
    const image = findImageBeside(stem, all);
    if (!image) {
      throw new ImportError(file, undefined, `no image beside it: looked for ${basename(stem)} with ${IMAGE_EXTENSIONS.join(', ')}`);
    }
    claimed.add(image);
    pending.push({ file, image, keypoints, lines });
  }
  if (isDir) {
    for (const f of files) {
      if (IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()) && !claimed.has(f)) pending.push({ file: f, image: f, keypoints: null, lines: [] });
    }
  }
  if (pending.length === 0) throw new ImportError(root, undefined, `has no .pts files and no images (${IMAGE_EXTENSIONS.join(', ')})`);
  pending.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));

  let done = 0;
  const samples = await mapLimit(pending, 8, async (p): Promise<ImportedSample> => {
    throwIfCancelled(ctx);
    const info = await readImageInfo(p.image, p.keypoints ? { file: p.file } : undefined, ctx);
    p.keypoints?.forEach((kp, k) => {
      const problem = kp.state === 'missing' ? null : coordinateProblem(kp.x, kp.y, info.width, info.height);
      if (problem) {
        const inFile = `${formatCoordinateValue(kp.x + 1)} ${formatCoordinateValue(kp.y + 1)}`;
        throw new ImportError(p.file, p.lines[k], `point ${k + 1} (keypoint ${schema.keypoints[k].name}) "${inFile}" lies outside the image: ${problem} (0-based, after subtracting 1)`, 'line');
      }
    });
    ctx.progress(++done, pending.length, 'reading images');
    return {
      source: p.file,
      record: 1,
      image: { kind: 'file', path: p.image, width: info.width, height: info.height, channels: info.channels },
      groupId: groupIdFromName(p.image),
      keypoints: p.keypoints ?? schema.keypoints.map(() => missingKeypoint()),
    };
  });
  return samples;
};

/** One `.pts` text (1-based, missing as -1 -1). */
export function formatPts(keypoints: readonly Keypoint[]): string {
  const fmt = (v: number) => String(Number(v.toFixed(6)));
  const lines = keypoints.map((k) => (k.state === 'missing' || !Number.isFinite(k.x) || !Number.isFinite(k.y) ? '-1 -1' : `${fmt(k.x + 1)} ${fmt(k.y + 1)}`));
  return `version: 1\nn_points: ${keypoints.length}\n{\n${lines.join('\n')}\n}\n`;
}

/** A file-name stem unique within one export: the image's own name where it has one. */
export function exportStem(sample: ExportSample, used: Set<string>): string {
  let stem: string;
  if (sample.imagePath) stem = basename(sample.imagePath, extname(sample.imagePath));
  else if (sample.externalId) stem = `image_${sample.externalId}`;
  else stem = `sample_${String(sample.id).padStart(6, '0')}`;
  stem = stem.replace(/[^A-Za-z0-9._-]/g, '_');
  if (used.has(stem.toLowerCase())) stem = `${stem}_${sample.id}`;
  used.add(stem.toLowerCase());
  return stem;
}

/** Write a sample's image into `dir` as `<stem>.<ext>` (embedded grey pixels as PNG); returns the file name, or null for labels-only samples. */
export async function writeSampleImage(sample: ExportSample, dir: string, stem: string): Promise<string | null> {
  if (sample.pixels) {
    const name = `${stem}.png`;
    const expected = sample.width * sample.height * sample.channels;
    if (sample.pixels.length !== expected) throw new KpsError('internal', `sample ${sample.id}: ${sample.pixels.length} pixels for a ${sample.width}x${sample.height}x${sample.channels} image`);
    let image = sharp(sample.pixels, { raw: { width: sample.width, height: sample.height, channels: sample.channels as 1 | 2 | 3 | 4 } });
    // Keep grey as one-channel PNG (sharp would otherwise widen it to RGB).
    if (sample.channels === 1) image = image.toColourspace('b-w');
    await image.png().toFile(join(dir, name));
    return name;
  }
  if (sample.imagePath) {
    const name = `${stem}${extname(sample.imagePath).toLowerCase()}`;
    try {
      await copyFile(sample.imagePath, join(dir, name));
    } catch (err) {
      throw new KpsError('not-found', `sample ${sample.id}: cannot copy its image ${sample.imagePath} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: sample.imagePath });
    }
    return name;
  }
  return null;
}

/** A folder with `<stem>.pts` and `<stem>.<image ext>` per sample; labels-only samples get the .pts alone. */
export const exportPts: Exporter = async (source, out, ctx) => {
  const total = source.count();
  let written = 0;
  await writeFolderAtomic(out, async (tmp) => {
    const used = new Set<string>();
    for (const sample of source.samples()) {
      throwIfCancelled(ctx);
      const stem = exportStem(sample, used);
      await writeSampleImage(sample, tmp, stem);
      await writeFile(join(tmp, `${stem}.pts`), formatPts(sample.keypoints));
      written++;
      if (written % 32 === 0) ctx.progress(written, total, 'writing');
    }
  });
  ctx.progress(written, total, 'done');
  return { written, files: [resolve(out)] };
};
