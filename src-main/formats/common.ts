// Helpers shared by the importers and exporters: missing keypoints, cancellation, group ids, safe file reads, file listing, image sizes.
import { constants, type Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { abortable } from '../core/abort.js';
import { coordinateProblem } from '../core/coordinates.js';
import { ImportError, KpsError } from '../core/errors.js';
import { uprightDims } from '../imaging/grey.js';
import type { Keypoint } from '../core/types.js';
import type { JobContext } from './types.js';

export { abortable };

/** Image file extensions the folder importers look for, in order of preference. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif'];

export function missingKeypoint(): Keypoint {
  return { x: NaN, y: NaN, state: 'missing' };
}

/** A job context that reports nothing and is never cancelled: for tests, scripts and benchmarks. */
export function quietContext(signal: AbortSignal = new AbortController().signal): JobContext {
  return { progress: () => {}, signal };
}

export function throwIfCancelled(ctx: JobContext): void {
  if (ctx.signal.aborted) throw new KpsError('cancelled', 'cancelled by the user');
}

/** A file system error as a phrase for an ImportError ("does not exist", "cannot be read: permission denied"). */
export function ioProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied (check the file\'s permissions)';
    case 'ELOOP':
      return 'is a loop of symbolic links';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is not a folder)';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'EIO':
      return 'cannot be read: input/output error (a damaged disk or a lost network mount?)';
    default:
      return `cannot be read (${code ?? (err as Error).message})`;
  }
}

/** Null for a regular file; otherwise what it is, for an error message. */
function notRegular(s: Stats): string | null {
  if (s.isFile()) return null;
  if (s.isDirectory()) return 'is a folder, not a file';
  if (s.isFIFO()) return 'is a named pipe (FIFO), not a regular file: importers read regular files only';
  if (s.isSocket()) return 'is a socket, not a regular file: importers read regular files only';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'is a device, not a regular file: importers read regular files only';
  return 'is not a regular file: importers read regular files only';
}

/**
 * Open a regular file for reading, refusing pipes, sockets and devices before any read can block on them:
 * stat first (a stat of a FIFO does not wait for a writer), then open non-blocking and check the handle
 * again with fstat, so a file swapped for a pipe in between is refused too.
 */
export async function openRegularFile(path: string, ctx: JobContext): Promise<{ handle: FileHandle; size: number }> {
  const fail = (problem: string): never => {
    throw new ImportError(path, undefined, problem);
  };
  let s: Stats;
  try {
    s = await abortable(stat(path), ctx.signal);
  } catch (err) {
    if (err instanceof KpsError) throw err;
    return fail(ioProblem(err));
  }
  const kind = notRegular(s);
  if (kind) return fail(kind);
  let handle: FileHandle;
  const opening = open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    handle = await abortable(opening, ctx.signal);
  } catch (err) {
    // Cancelled while the open was pending: close the handle whenever it arrives.
    if (err instanceof KpsError && err.code === 'cancelled') opening.then((h) => h.close()).catch(() => undefined);
    if (err instanceof KpsError) throw err;
    return fail(ioProblem(err));
  }
  try {
    const fs = await abortable(handle.stat(), ctx.signal);
    const again = notRegular(fs);
    if (again) fail(again);
    return { handle, size: fs.size };
  } catch (err) {
    void handle.close().catch(() => undefined);
    if (err instanceof KpsError) throw err;
    return fail(ioProblem(err));
  }
}

/** The whole of a regular file as bytes, each read abortable (see `abortable`). */
export async function readRegularFile(path: string, ctx: JobContext): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, ctx);
  let closeLater = false;
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.max(64 << 10, Math.min(size + 1, 16 << 20));
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await abortable(handle.read(buf, 0, buf.length, null), ctx.signal);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof KpsError && err.code === 'cancelled') closeLater = true;
    if (err instanceof KpsError) throw err;
    throw new ImportError(path, undefined, ioProblem(err));
  } finally {
    // FileHandle.close waits for a pending read: after a cancel, let it close in the background rather than wait.
    if (closeLater) void handle.close().catch(() => undefined);
    else await handle.close().catch(() => undefined);
  }
}

/**
 * Why `bytes` are not UTF-8 text, or null: UTF-16 (by its byte-order mark, or by the NUL bytes that every
 * other byte of ASCII-range UTF-16 is), or a binary file (any other NUL in the first 4 kB).
 */
export function textEncodingProblem(bytes: Uint8Array): string | null {
  const b0 = bytes[0], b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return `is UTF-16 text (byte-order mark ${b0 === 0xff ? 'FF FE' : 'FE FF'}); save it as UTF-8 and import again`;
  }
  const head = bytes.subarray(0, 4096);
  let nul = 0, nulEven = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] === 0) {
      nul++;
      if (i % 2 === 0) nulEven++;
    }
  }
  if (nul === 0) return null;
  if (nul >= head.length / 4 && (nulEven === 0 || nulEven === nul || nulEven / nul < 0.1 || nulEven / nul > 0.9)) {
    return 'looks like UTF-16 text without a byte-order mark (every other byte is 0); save it as UTF-8 and import again';
  }
  return `contains NUL bytes (the first at byte ${head.indexOf(0) + 1}): a binary file, not text`;
}

/**
 * A regular file's text, refusing UTF-16 and binary content with a hint; a UTF-8 byte-order mark is dropped.
 * With `lineBased`, a file whose lines end in a lone CR (classic Mac) is refused by name too, rather than
 * read as one long line.
 */
export async function readTextFile(path: string, ctx: JobContext, opts: { lineBased?: boolean } = {}): Promise<string> {
  const bytes = await readRegularFile(path, ctx);
  const problem = textEncodingProblem(bytes);
  if (problem) throw new ImportError(path, undefined, problem);
  const text = bytes.toString('utf8');
  if (opts.lineBased && !text.includes('\n') && /\r./.test(text)) {
    throw new ImportError(path, undefined, 'has CR-only line endings (as old Mac files have); save it with LF or CRLF line endings');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Throw an ImportError naming the keypoint when (x, y) lies outside the image by more than the margin (see core/coordinates.ts). */
export function checkKeypointInImage(
  kp: Keypoint,
  name: string,
  width: number,
  height: number,
  where: { file: string; record?: number; unit?: 'record' | 'line'; prefix?: string },
): void {
  if (kp.state === 'missing') return;
  const problem = coordinateProblem(kp.x, kp.y, width, height);
  if (problem) throw new ImportError(where.file, where.record, `${where.prefix ?? ''}keypoint ${name}: ${problem}`, where.unit);
}

/**
 * The person an IMM file belongs to, so splits can keep a person on one side: `01-3m` (IMM face
 * database) and `03_07` (IMM frontal) give "01" and "03". Other names give null.
 */
export function groupIdFromName(fileName: string): string | null {
  const stem = basename(fileName, extname(fileName));
  const m = /^(\d{1,3})[-_]\d{1,3}[a-z]?$/i.exec(stem);
  return m ? m[1] : null;
}

/** Throw ImportError unless `path` exists; returns whether it is a directory. */
export async function requirePath(path: string, what: string): Promise<{ isDir: boolean; size: number }> {
  try {
    const s = await stat(path);
    return { isDir: s.isDirectory(), size: s.size };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(path, undefined, code === 'ENOENT' ? `does not exist (expected ${what})` : ioProblem(err));
  }
}

/**
 * Every file under `dir` (recursively, skipping hidden entries), sorted by path so imports are deterministic.
 * Symbolic links are followed (to files and to folders; a folder reached twice, as through a link loop, is
 * walked once); a broken link is skipped. Entries that are neither files nor folders (pipes, sockets,
 * devices) are listed too so that the importer refuses them by name instead of ignoring them.
 */
export async function listFilesRecursive(dir: string, ctx?: JobContext): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const signal = ctx?.signal ?? new AbortController().signal;
  const walk = async (d: string) => {
    let real: string;
    let entries;
    try {
      real = await abortable(realpath(d), signal);
      if (seen.has(real)) return;
      seen.add(real);
      entries = await abortable(readdir(d, { withFileTypes: true }), signal);
    } catch (err) {
      if (err instanceof KpsError) throw err;
      throw new ImportError(d, undefined, `is a folder that ${ioProblem(err).replace(/^cannot be read/, 'cannot be listed')}`);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) {
        let target: Stats;
        try {
          target = await abortable(stat(p), signal);
        } catch (err) {
          if (err instanceof KpsError) throw err;
          continue; // a broken link: nothing to import
        }
        if (target.isDirectory()) await walk(p);
        else out.push(p);
      } else out.push(p);
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ImageInfo {
  /** Upright width and height, after the EXIF orientation. */
  width: number;
  height: number;
  channels: number;
  /** The EXIF orientation (2-8) when it is not the identity; absent for upright files. */
  orientation?: number;
}

/**
 * Width, height and channels of an image file. The file must be a regular file (a pipe or device named
 * .jpg is refused before any read), readable, not empty, and decode to the end: it is decoded once at 1/8
 * scale (JPEG shrink-on-load keeps that to a few milliseconds) with sharp's `failOn: 'truncated'`, so a
 * JPEG or PNG cut short is refused instead of importing as a grey half-image. The size is the upright one (as a
 * viewer shows the photo and imaging/grey.ts decodes it). Any failure is an
 * ImportError naming the image (and the file that refers to it, where one does).
 */
export async function readImageInfo(path: string, referencedBy?: { file: string; record?: number; unit?: 'record' | 'line' }, ctx: JobContext = quietContext()): Promise<ImageInfo> {
  const fail = (problem: string): never => {
    if (referencedBy) throw new ImportError(referencedBy.file, referencedBy.record, `image ${path} ${problem}`, referencedBy.unit);
    throw new ImportError(path, undefined, problem);
  };
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, ctx);
  } catch (err) {
    if (err instanceof ImportError && err.file === path) return fail(err.message.slice(path.length + 2));
    throw err;
  }
  if (bytes.length === 0) return fail('is empty (0 bytes)');
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    return fail(`is not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
  if (!meta.width || !meta.height) return fail('has no width or height in its header');
  // Cheap first: a whole JPEG ends in its EOI marker and a whole PNG in its IEND chunk. Only a file without
  // one (cut short, or with bytes after the end, as some cameras write) or of another format is decoded.
  if (!endsWhole(bytes, meta.format)) {
    try {
      await sharp(bytes, { failOn: 'truncated' }).resize(8, 8, { fit: 'fill', fastShrinkOnLoad: true }).raw().toBuffer();
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      return fail(`is damaged or cut short (${bytes.length} bytes; the decoder says: ${why.slice(0, 80)})`);
    }
  }
  // The upright size (EXIF orientations 5-8 swap width and height): the frame the grey decoding gives and labels refer to.
  return { ...uprightDims(meta), channels: meta.channels ?? 3, ...((meta.orientation ?? 1) !== 1 ? { orientation: meta.orientation } : {}) };
}

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Whether an image file visibly ends where its format says it ends (JPEG EOI marker, PNG IEND chunk). */
function endsWhole(bytes: Buffer, format: string | undefined): boolean {
  const n = bytes.length;
  if (format === 'jpeg') return n >= 4 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
  if (format === 'png') return n >= 12 && bytes.subarray(n - 8).equals(PNG_IEND);
  return false;
}

/** Run `fn` over `items` with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A short quoted excerpt of file text for a message: at most 40 characters, never a whole cell. */
export function excerpt(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Why `text` is not a coordinate parseDecimal accepts, as a phrase: "1e309" overflows, "0x10" is not decimal. */
export function badNumberProblem(text: string): string {
  const t = text.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return `${excerpt(t)} is too large for a number (beyond ±1.8e308)`;
  return `${excerpt(text)} is not a number`;
}

/** A finite number parsed from text, or null. Stricter than Number(): no hex, no blanks, no Infinity. */
export function parseDecimal(text: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}
