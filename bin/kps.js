#!/usr/bin/env node
// The `kps` executable: runs the compiled CLI in out/cli (built by `npm install`'s prepare step, or `npm run build:cli`);
// where that build is missing or older than the sources, it runs the TypeScript through tsx instead, and says so.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}out/cli/`;
const built = `${outDir}main.js`;

/** Newest modification time of the CLI's sources (src-main and the build config); 0 where there are none. */
function sourcesNewest() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  if (existsSync(`${root}src-main`)) walk(`${root}src-main`);
  if (existsSync(`${root}vite.cli.config.ts`)) newest = Math.max(newest, statSync(`${root}vite.cli.config.ts`).mtimeMs);
  return newest;
}

/** Why the compiled CLI cannot be used, or null when it can. */
function whyNotBuilt() {
  if (!existsSync(built)) return 'no compiled CLI in out/cli';
  if (statSync(built).mtimeMs < sourcesNewest()) return 'the compiled CLI in out/cli is older than src-main';
  return null;
}

const why = process.env.KPS_CLI_SOURCES ? 'KPS_CLI_SOURCES is set' : whyNotBuilt();
if (why === null) {
  // The training engine starts its worker threads from the built entries beside main.js (src-main/train/worker-files.ts).
  process.env.KPS_WORKER_DIR ??= outDir;
  const { runCli } = await import(new URL('../out/cli/main.js', import.meta.url).href);
  await runCli(process.argv);
} else {
  process.stderr.write(`kps: note: ${why}; running the TypeScript sources through tsx (\`npm run build:cli\` makes it start fast)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  const { runCli } = await import('../src-main/cli/main.ts');
  await runCli(process.argv);
}
