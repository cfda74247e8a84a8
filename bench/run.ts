// Runs every bench/*.bench.ts in its own process (so memory figures are its own) and prints one JSON object per result.
// Usage: npm run bench [-- name-filter ...]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

let failed = 0;
for (const file of files) {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of child.stdout.split('\n')) {
    const t = line.trim();
    if (t.startsWith('{')) process.stdout.write(t + '\n');
  }
  if (child.status !== 0) {
    failed++;
    process.stdout.write(JSON.stringify({ bench: file, error: `exited with ${child.status ?? child.signal}` }) + '\n');
  }
}
process.exit(failed ? 1 : 0);
