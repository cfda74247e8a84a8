// The one rule for where an export or a submission writes: never over something that is there, unless asked.
import { lstatSync, readdirSync } from 'node:fs';
import { KpsError } from '../core/errors.js';

/**
 * Exports never replace what is already at `out` unless the request says so (the app asks first): an existing
 * file, link or non-empty folder is a 'conflict' naming it. An empty folder holds nothing to lose.
 */
export function refuseToReplace(out: string): void {
  let isDir: boolean;
  try {
    isDir = lstatSync(out).isDirectory();
  } catch {
    return;
  }
  if (isDir && readdirSync(out).length === 0) return;
  throw new KpsError('conflict', `${out} already exists; export again with overwrite to replace it`, { file: out });
}
