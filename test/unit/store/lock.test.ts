// One writer per project: a second open is refused with a message naming the holder; a dead holder's lock is taken over.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { KpsError } from '../../../src-main/core/errors.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { schema5, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
let file: string;
let first: ProjectStore | null;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('kps-lock-'));
  file = join(dir, 'p.kps');
  first = createProject(file, schema5);
});
afterEach(() => {
  first?.close();
  cleanup();
});

function refusal(fn: () => unknown): KpsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KpsError);
    return err as KpsError;
  }
  throw new Error('expected the open to be refused');
}

/** The pid of a process that has exited (so no process has it now, barring reuse within the test). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('project lock', () => {
  it('a second open of the same project in the same process is refused with a message saying who holds it', () => {
    const err = refusal(() => openProject(file));
    expect(err.code).toBe('conflict');
    expect(err.message).toContain(file);
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toMatch(/already open/);
    expect(err.message).toMatch(/close it there/);
    // The first store still works.
    expect(first!.sampleCount()).toBe(0);
  });

  it('the lock file says who holds the project and is removed on close, so the project opens again', () => {
    const lock = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { pid: number; host: string; since: string };
    expect(lock.pid).toBe(process.pid);
    expect(lock.host).toBe(hostname());
    expect(Number.isNaN(Date.parse(lock.since))).toBe(false);
    first!.close();
    first = null;
    expect(existsSync(`${file}.lock`)).toBe(false);
    first = openProject(file);
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('a lock left by a process that is gone (SIGKILL) is taken over', () => {
    first!.close();
    first = null;
    const pid = deadPid();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: hostname(), since: new Date(0).toISOString(), command: 'kps serve', nonce: 'old' }));
    first = openProject(file);
    const lock = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
  });

  it('a lock held by a live process on this host is respected', () => {
    first!.close();
    first = null;
    // pid 1 is always alive.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'kps serve p.kps', nonce: 'x' }));
    const err = refusal(() => openProject(file));
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('pid 1');
    expect(err.message).toContain('kps serve p.kps');
    expect(err.message).toContain(`if pid 1 is not Keypoint Studio, delete ${file}.lock`);
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('a lock from another host is not guessed stale: the message says how to remove it', () => {
    first!.close();
    first = null;
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 4242, host: 'some-other-host', since: '2026-01-01T00:00:00.000Z', command: 'kps serve', nonce: 'y' }));
    const err = refusal(() => openProject(file));
    expect(err.message).toContain('some-other-host');
    expect(err.message).toContain(`${file}.lock`);
  });

  it('closing a store whose lock was taken over by another does not delete the newer lock', () => {
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: hostname(), since: new Date().toISOString(), command: 'other', nonce: 'theirs' }));
    first!.close();
    first = null;
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ nonce: 'theirs' });
  });
});
