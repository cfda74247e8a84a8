// Helpers shared by the importers and exporters: missing keypoints, cancellation, group ids, file listing, image sizes.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { ImportError, KpsError } from '../core/errors.js';
import type { Keypoint } from '../core/types.js';
import type { JobContext } from './types.js';

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
    throw new ImportError(path, undefined, code === 'ENOENT' ? `does not exist (expected ${what})` : `cannot be read (${code ?? String(err)})`);
  }
}

/** Every file under `dir` (recursively, skipping hidden entries), sorted by path so imports are deterministic. */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ImageInfo {
  width: number;
  height: number;
  channels: number;
}

/**
 * Width, height and channels of an image file, read from its header with sharp. An empty file or one
 * sharp cannot decode (say a text file named .jpg) is an ImportError naming the image.
 */
export async function readImageInfo(path: string, referencedBy?: { file: string; record?: number }): Promise<ImageInfo> {
  const fail = (problem: string): never => {
    if (referencedBy) throw new ImportError(referencedBy.file, referencedBy.record, `image ${path} ${problem}`);
    throw new ImportError(path, undefined, problem);
  };
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`);
  }
  if (size === 0) return fail('is empty (0 bytes)');
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height) return fail('has no width or height in its header');
    return { width: meta.width, height: meta.height, channels: meta.channels ?? 3 };
  } catch (err) {
    if (err instanceof ImportError) throw err;
    return fail(`is not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
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

/** A finite number parsed from text, or null. Stricter than Number(): no hex, no blanks, no Infinity. */
export function parseDecimal(text: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}
