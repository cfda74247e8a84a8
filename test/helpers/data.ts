// Where the real research data lives: ../shared/data beside the checkout, or KPS_DATA_DIR. Required when CI is set.
import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function sharedDataDir(): string | null {
  const fromEnv = process.env.KPS_DATA_DIR;
  const dir = fromEnv ? resolve(fromEnv) : resolve(repoRoot, '../shared/data');
  if (existsSync(dir)) return dir;
  if (process.env.CI) throw new Error(`shared data not found at ${dir}: CI requires it (set KPS_DATA_DIR)`);
  return null;
}

/** The shared data folder; throws when absent, so tests that need it fail loudly instead of passing vacuously. */
export function requireDataDir(): string {
  const dir = sharedDataDir();
  if (!dir) throw new Error('shared data not found: put it at ../shared/data or set KPS_DATA_DIR');
  return dir;
}
