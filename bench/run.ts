// Runs every bench/*.bench.ts in its own process (so memory figures are its own), prints one JSON object per result,
// and exits 1 when any target is missed or any bench fails (the rule is bench/verdict.ts).
// Usage: npm run bench [-- name-filter ...]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge, type BenchRun } from './verdict.js';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

const runs: BenchRun[] = [];
for (const file of files) {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const run: BenchRun = { file, status: child.status, signal: child.signal, stdout: child.stdout ?? '' };
  runs.push(run);
  // Print as each bench ends, so a long run shows its figures as they come.
  for (const line of judge([run]).lines) process.stdout.write(line + '\n');
}
const verdict = judge(runs);
process.stdout.write(JSON.stringify({ bench: 'summary', benches: files.length, pass: verdict.exitCode === 0, failures: verdict.failures }) + '\n');
process.exit(verdict.exitCode);
