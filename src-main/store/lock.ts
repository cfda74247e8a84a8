// The advisory one-writer lock of a project: `<project>.lock` beside the file, made with O_EXCL, naming its holder.
import { closeSync, linkSync, openSync, readFileSync, rmSync, unlinkSync, writeSync, constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KpsError } from '../core/errors.js';

/** What the lock file holds: enough for the refusal message to say who has the project and how to proceed. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder opened the project. */
  since: string;
  /** The holder's command line, shortened (e.g. "kps serve faces.kps"). */
  command: string;
  /** Random per lock: a holder removes the file on close only if it is still its own. */
  nonce: string;
}

export interface ProjectLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/** Locks held by this process, by lock path: a second open in this process is refused like one from another. */
const heldHere = new Map<string, string>();
let exitHookInstalled = false;

export function lockPathOf(projectPath: string): string {
  return `${projectPath}.lock`;
}

function describeCommand(): string {
  const args = process.argv.slice(1).map((a) => a.replace(/^.*[\\/]/, ''));
  // `node --import tsx src-main/cli/main.ts serve p.kps` reads better as `kps serve p.kps`.
  const main = args.findIndex((a) => a === 'main.ts' || a === 'main.js' || a === 'kps.js' || a === 'kps');
  const shown = main >= 0 ? ['kps', ...args.slice(main + 1)] : args;
  const text = shown.join(' ').trim() || 'node';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function readHolder(lockPath: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, since: String(v.since ?? '?'), command: String(v.command ?? '?'), nonce: String(v.nonce ?? '') };
    }
  } catch {
    // Torn or foreign content: treated below like a lock from an unknown holder.
  }
  return { pid: -1, host: '?', since: '?', command: '?', nonce: '' };
}

/** True when `pid` names a running process on this host (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose holder is certainly gone: same host and no such process (or our own pid, left by an earlier process). */
function isStale(lockPath: string, h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  if (h.pid === process.pid) return !heldHere.has(lockPath);
  return !alive(h.pid);
}

function refuse(projectPath: string, lockPath: string, h: LockHolder): never {
  const who = h.pid > 0 ? `pid ${h.pid} on ${h.host}, "${h.command}", since ${h.since}` : 'an unknown process (the lock file is unreadable)';
  const where = h.pid === process.pid && h.host === hostname() ? 'in this process' : 'by another process';
  const local = h.host === hostname() && h.pid > 0;
  throw new KpsError(
    'conflict',
    `${projectPath} is already open ${where} (${who}): close it there first; \`kps stats\` and \`kps export\` can read it meanwhile` +
      // Pids are reused: a live pid may belong to another program by now, so say how to clear the lock by hand.
      (local ? `; if pid ${h.pid} is not Keypoint Studio, delete ${lockPath}` : `; if that process is no longer running, delete ${lockPath}`),
    { file: projectPath },
  );
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Creates the lock file whole or not at all: the holder is written to a private file first and hard-linked into
 * place (link fails if the name exists), so no opener ever reads a half-written lock. Where the file system has no
 * hard links, falls back to O_EXCL on the lock itself.
 */
function tryCreate(lockPath: string, holder: LockHolder): boolean {
  const text = JSON.stringify(holder) + '\n';
  const tmp = `${lockPath}.${holder.nonce}.tmp`;
  try {
    createExclusive(tmp, text);
    try {
      linkSync(tmp, lockPath);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      return createExclusive(lockPath, text);
    } finally {
      rmSync(tmp, { force: true });
    }
  } catch (err) {
    throw new KpsError('conflict', `${lockPath}: cannot create the project lock (${(err as Error).message})`, { file: lockPath });
  }
}

function releaseIfOurs(lockPath: string, nonce: string): void {
  if (heldHere.get(lockPath) !== nonce) return;
  heldHere.delete(lockPath);
  try {
    if (readHolder(lockPath)?.nonce === nonce) unlinkSync(lockPath);
  } catch {
    // Already gone, or the folder went away: nothing left to release.
  }
}

/**
 * Takes the project's lock or throws a `conflict` KpsError that names the holder. A lock whose process is gone
 * (same host, no such pid) is taken over. A lock from another host is never guessed stale: the message says how to
 * remove it. Locks are released on close and, as a last resort, when this process exits normally.
 */
export function acquireProjectLock(projectPath: string): ProjectLock {
  const lockPath = lockPathOf(projectPath);
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: describeCommand(), nonce: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, holder)) {
      heldHere.set(lockPath, holder.nonce);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const [p, n] of [...heldHere]) releaseIfOurs(p, n);
        });
      }
      return { path: lockPath, holder, release: () => releaseIfOurs(lockPath, holder.nonce) };
    }
    const current = readHolder(lockPath);
    if (current === null) continue; // released between our create and our read: try again
    if (!isStale(lockPath, current)) refuse(projectPath, lockPath, current);
    // Stale: remove it only if it is still the same stale lock (another opener may have taken it over meanwhile).
    const again = readHolder(lockPath);
    if (again && again.nonce === current.nonce && again.pid === current.pid) {
      try {
        unlinkSync(lockPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  const last = readHolder(lockPath);
  refuse(projectPath, lockPath, last ?? { pid: -1, host: '?', since: '?', command: '?', nonce: '' });
}
