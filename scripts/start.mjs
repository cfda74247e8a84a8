// `npm start [-- project.kps]`: build and start the Electron app; without a usable Electron binary, serve web mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const project = args.find((a) => !a.startsWith('-')) ?? null;

/** Run a build step quietly; on failure show its output and stop. */
function build(what, command, commandArgs) {
  const r = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}\nnpm start: ${what} failed\n`);
    process.exit(r.status ?? 1);
  }
}

function bin(name) {
  return join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
}

/** The Electron binary's path (KPS_ELECTRON_BINARY, else the electron package's), or why it cannot be used. */
function electronBinary() {
  let path = process.env.KPS_ELECTRON_BINARY || undefined;
  if (!path) {
    try {
      // The electron package exports the binary's path, and throws when its download did not happen.
      path = require('electron');
    } catch {
      return { path: null, why: 'the Electron binary is not installed (its download was skipped or failed)' };
    }
  }
  if (typeof path !== 'string' || !existsSync(path)) return { path: null, why: `the Electron binary ${String(path)} is missing` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { path: null, why: 'there is no display to show the Electron window on' };
  }
  return { path, why: null };
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Web mode: build the renderer when it is missing or older than its sources, then `kps serve` (which prints the URL). */
function startWebMode(reason) {
  process.stdout.write(`Keypoint Studio: ${reason}; starting web mode instead.\n`);
  const index = join(root, 'dist-web', 'index.html');
  const sourcesNewest = Math.max(newestMtime(join(root, 'src-renderer')), statSync(join(root, 'vite.web.config.ts')).mtimeMs);
  if (!existsSync(index) || statSync(index).mtimeMs < sourcesNewest) {
    build('the web renderer build', bin('vite'), ['build', '--config', 'vite.web.config.ts', '--logLevel', 'error']);
  }
  const serveArgs = ['--import', 'tsx', join(root, 'src-main', 'cli', 'main.ts'), 'serve'];
  if (project) serveArgs.push(resolve(project));
  serveArgs.push('--port', process.env.KPS_PORT ?? '0');
  if (process.env.KPS_HOST) serveArgs.push('--host', process.env.KPS_HOST);
  const child = spawn(process.execPath, serveArgs, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
if (!electron.path) {
  startWebMode(electron.why);
} else {
  build('the Electron build (electron-vite)', bin('electron-vite'), ['build', '--config', 'electron.config.ts']);
  const started = Date.now();
  const child = spawn(electron.path, project ? ['.', resolve(project)] : ['.'], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    process.stderr.write(d);
  });
  child.on('error', (err) => startWebMode(`Electron cannot start (${err.message})`));
  child.on('exit', (code, signal) => {
    // A crash within seconds of launch means Electron cannot run here (missing libraries, sandbox): fall back.
    if (code !== 0 && Date.now() - started < 10_000) {
      const first = stderr.trim().split('\n')[0] || `exit code ${code ?? signal}`;
      startWebMode(`Electron cannot start (${first})`);
    } else {
      process.exit(code ?? 0);
    }
  });
}
