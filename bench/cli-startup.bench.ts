// `kps --help` start-up: the compiled CLI (bin/kps.js running out/cli) against a bare `node -e 0`, target within 4x.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, report } from './util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'kps.js');
const RUNS = 15;
const TARGET_RATIO = 4;

/** Wall time of one fresh process, in ms; throws if it fails. */
function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

// Measure the build a user gets from `npm install` (its prepare step), fresh.
execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.cli.config.ts'], { cwd: root, stdio: 'pipe' });
const env = { ...process.env };
delete env.KPS_CLI_SOURCES;
delete env.NODE_OPTIONS;

const bare: number[] = [];
const help: number[] = [];
timed(['-e', '0']);
timed([BIN, '--help'], env); // warm the file cache for both
// Alternate the two so that load on the machine falls on both alike.
for (let i = 0; i < RUNS; i++) {
  bare.push(timed(['-e', '0'], env));
  help.push(timed([BIN, '--help'], env));
}
const sources: number[] = [];
for (let i = 0; i < 3; i++) sources.push(timed([BIN, '--help'], { ...env, KPS_CLI_SOURCES: '1' }));

const ratio = median(help) / median(bare);
report({
  bench: 'cli.help-startup',
  runs: RUNS,
  node_e0_ms_median: +median(bare).toFixed(1),
  kps_help_ms_median: +median(help).toFixed(1),
  kps_help_tsx_sources_ms_median: +median(sources).toFixed(1),
  ratio: +ratio.toFixed(2),
  target: `kps --help <= ${TARGET_RATIO}x node -e 0`,
  pass: ratio <= TARGET_RATIO,
});
