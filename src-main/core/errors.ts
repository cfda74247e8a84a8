// Typed errors that cross the service border with a message a user can act on.
import type { ServiceErrorShape } from '../service/api.js';

export class KpsError extends Error {
  readonly code: ServiceErrorShape['code'];
  readonly file?: string;
  readonly record?: number;
  constructor(code: ServiceErrorShape['code'], message: string, where?: { file?: string; record?: number }) {
    super(message);
    this.name = 'KpsError';
    this.code = code;
    if (where?.file !== undefined) this.file = where.file;
    if (where?.record !== undefined) this.record = where.record;
  }
  toShape(): ServiceErrorShape {
    const shape: ServiceErrorShape = { code: this.code, message: this.message };
    if (this.file !== undefined) shape.file = this.file;
    if (this.record !== undefined) shape.record = this.record;
    return shape;
  }
}

/** How long a client waits before retrying a busy call: about one busy wait of the store. */
export const BUSY_RETRY_AFTER_MS = 1000;

/** The project file is locked by another process for the moment: retryable, never a bug. */
export class BusyError extends KpsError {
  readonly retryAfterMs: number;
  constructor(message: string, where?: { file?: string }, retryAfterMs = BUSY_RETRY_AFTER_MS) {
    super('busy', message, where);
    this.name = 'BusyError';
    this.retryAfterMs = retryAfterMs;
  }
  override toShape(): ServiceErrorShape {
    return { ...super.toShape(), retryable: true, retryAfterMs: this.retryAfterMs };
  }
}

/** SQLite's result code on its errors (better-sqlite3's SqliteError.code), read without importing the driver. */
function sqliteCode(err: unknown): string | null {
  const code = err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/**
 * Store errors that are not bugs become typed errors: a busy or locked database (another process is writing) is a
 * retryable `busy`, a write through a read-only open a `conflict`. Anything else is returned as it is.
 */
export function fromStoreError(err: unknown, file?: string): unknown {
  const code = sqliteCode(err);
  if (code === null) return err;
  const where = file !== undefined ? `${file}: ` : '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BusyError(`${where}the project file is busy (another process is writing to it); try again in a moment`, { file });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new KpsError('conflict', `${where}the project is open read-only here (another process holds it for writing); changes must be made there`, { file });
  }
  return err;
}

/** Bad input file: the message names the file and, where known, the 1-based line or record. */
export class ImportError extends KpsError {
  /** `unit` says what `record` counts in the message: data records (default) or text lines (.pts, .asf). */
  constructor(file: string, record: number | undefined, problem: string, unit: 'record' | 'line' = 'record') {
    super('bad-input', record === undefined ? `${file}: ${problem}` : `${file}, ${unit} ${record}: ${problem}`, { file, record });
    this.name = 'ImportError';
  }
}

export function toErrorShape(err: unknown): ServiceErrorShape {
  err = fromStoreError(err);
  if (err instanceof KpsError) return err.toShape();
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
