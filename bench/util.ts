// Helpers for benchmarks: timing, percentiles, the one-JSON-object-per-line output, and rebuilding the web renderer.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/data.js';
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Print one benchmark result: name, measured figures, and the target with whether it was met. */
export function report(result: { bench: string; target?: string; pass?: boolean } & Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * Builds the web renderer (dist-web) from the current sources, as `npm run build:web` does, so a bench that drives
 * it never measures a stale build. Its output goes to stderr (stdout is the benches' JSON); a failed build throws.
 */
export function buildWeb(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.web.config.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 2, 2],
  });
}
