// `npm start` (scripts/start.mjs) without a usable Electron binary: it says why in one line, serves web mode, and the
// URL it prints answers with the app's page.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/data.js';

let child: ChildProcess | null = null;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

/** Collects stdout until a line holds an http(s) URL; rejects when the script exits first. */
function urlLine(c: ChildProcess, stderr: () => string): Promise<{ lines: string[]; url: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      const hit = lines.slice(0, -1).map((l) => /(https?:\/\/\S+)/.exec(l)).find(Boolean);
      if (hit) resolve({ lines: lines.slice(0, -1), url: hit[1] });
    });
    c.once('exit', (code) => reject(new Error(`start.mjs exited (${code}) before printing a URL: ${out}${stderr()}`)));
  });
}

describe('npm start without the Electron binary', () => {
  it('falls back to web mode and the printed URL serves the app', { timeout: 180_000 }, async () => {
    const missing = join(repoRoot, '.tmp', 'no-such-electron');
    let stderr = '';
    child = spawn(process.execPath, [join(repoRoot, 'scripts', 'start.mjs')], {
      cwd: repoRoot,
      env: { ...process.env, KPS_ELECTRON_BINARY: missing, KPS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const { lines, url } = await urlLine(child, () => stderr);
    expect(lines[0]).toBe(`Keypoint Studio: the Electron binary ${missing} is missing; starting web mode instead.`);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    // Exactly the printed URL, with whatever query (a token) it carries.
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>Keypoint Studio</title>');
    expect(html).toContain('<div id="app"></div>');
    expect(html).toMatch(/<script type="module"[^>]*src="\.\/assets\/[^"]+\.js"/);
    // Stopping the script stops the server it started (the signal is forwarded), leaving nothing listening.
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
