// Crash-safe output: write into a temporary file or folder beside the target, then rename it into place.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { KpsError } from '../core/errors.js';

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
}

async function ensureParent(target: string): Promise<void> {
  const parent = dirname(target);
  try {
    const s = await stat(parent);
    if (!s.isDirectory()) throw new KpsError('bad-input', `${parent} is not a folder`, { file: parent });
  } catch (err) {
    if (err instanceof KpsError) throw err;
    await mkdir(parent, { recursive: true });
  }
}

/** Refuse a file target that is an existing folder, before any work is done. */
async function ensureNotFolder(file: string): Promise<void> {
  try {
    if ((await stat(file)).isDirectory()) throw new KpsError('bad-input', `${file} is a folder; give a file name (for example ${join(file, 'training.csv')})`, { file });
  } catch (err) {
    if (err instanceof KpsError) throw err;
  }
}

/** Write a whole file atomically: readers see the old file or the new one, never half of it. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const file = resolve(target);
  await ensureNotFolder(file);
  await ensureParent(file);
  const tmp = tempName(file);
  try {
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A stream into a temporary file; `commit` flushes and renames it onto the target, `abort` removes it. */
export interface AtomicFileStream {
  write(chunk: string | Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openAtomicFileStream(target: string): Promise<AtomicFileStream> {
  const file = resolve(target);
  await ensureNotFolder(file);
  await ensureParent(file);
  const tmp = tempName(file);
  const stream: WriteStream = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20, flush: true });
  let failure: Error | null = null;
  stream.on('error', (e) => {
    failure = e;
  });
  await new Promise<void>((res, rej) => {
    stream.once('open', () => res());
    stream.once('error', rej);
  });
  return {
    async write(chunk: string | Uint8Array) {
      if (failure) throw failure;
      // Respect back-pressure so a 231 MB export does not pile up in memory.
      if (!stream.write(chunk)) await new Promise<void>((res) => stream.once('drain', () => res()));
    },
    async commit() {
      await new Promise<void>((res, rej) => stream.end((e?: Error | null) => (e ? rej(e) : res())));
      if (failure) throw failure;
      await rename(tmp, file);
    },
    async abort() {
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

/** File written into every exported folder so a later export may replace it (and nothing else). */
export const EXPORT_MARKER = '.kps-export';

/**
 * Build a folder atomically: `fill` writes into a temporary folder beside `target`, which is then
 * renamed onto it. An existing empty folder is replaced, and so is an earlier export (it holds
 * EXPORT_MARKER); any other non-empty folder is refused rather than deleted, so a mistyped path
 * never destroys a user's files.
 */
export async function writeFolderAtomic<T>(target: string, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  const dir = resolve(target);
  await ensureParent(dir);
  let replacePrevious = false;
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new KpsError('conflict', `${dir} exists and is not a folder; choose a new folder name`, { file: dir });
    const entries = await readdir(dir);
    if (entries.includes(EXPORT_MARKER)) replacePrevious = true;
    else if (entries.length > 0) throw new KpsError('conflict', `${dir} exists and is not empty; choose a new folder or empty it first`, { file: dir });
    else await rmdir(dir);
  } catch (err) {
    if (err instanceof KpsError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = await mkdtemp(join(dirname(dir), `.${basename(dir)}.tmp-`));
  try {
    const result = await fill(tmp);
    await writeFile(join(tmp, EXPORT_MARKER), `Written by Keypoint Studio on ${new Date().toISOString()}; a later export to this folder replaces it.\n`);
    if (replacePrevious) {
      // Swap in two renames; the old export is removed only once the new one is in place.
      const old = `${tmp}-old`;
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir);
    }
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
