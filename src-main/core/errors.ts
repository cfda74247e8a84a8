// Typed errors that cross the service border with a message a user can act on.

// The error shape at the service border, and what it carries about a repeated import (re-exported by api/ops.ts).
/** The earlier, still live import a repeated import matched (carried by the 'conflict' error). */
export interface RepeatedImport {
  actionId: number;
  /** ISO time of the earlier import. */
  at: string;
  path: string;
  format: string;
  sampleCount: number;
  /** What matched: the file's path and content hash, or the set of image files. */
  match: 'content' | 'images';
}

/** Errors cross the service border as this shape: a code, a message a user can act on, and where. */
export interface ServiceErrorShape {
  /** busy: another process holds the project file's lock for the moment; the same call may succeed if retried. */
  code: 'bad-input' | 'not-found' | 'no-project' | 'conflict' | 'cancelled' | 'internal' | 'unauthorized' | 'busy';
  message: string;
  /** True when retrying the same call later may succeed (busy); transports and the save queue retry such errors. */
  retryable?: boolean;
  /** With retryable: how long to wait before retrying. */
  retryAfterMs?: number;
  file?: string;
  /** 1-based line or record number in `file`, where known. */
  record?: number;
  /** import.start on a source imported before, without onRepeat: the earlier import, so the caller can ask. */
  repeat?: RepeatedImport;
}

/** Longest message an error carries: a 50 MB CSV cell must not become a 50 MB line in a job status or on the wire. */
export const MESSAGE_MAX = 1000;
/** Longest stretch of input that quoteExcerpt quotes. */
export const EXCERPT_MAX = 40;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escape control characters (newlines, ESC, NUL, C1, line separators) so untrusted text stays one inert line. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** `text` cut to at most `max` UTF-16 units without splitting a surrogate pair. */
function headOf(text: string, max: number): string {
  let end = Math.max(0, max);
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/**
 * A short, escaped, double-quoted excerpt of untrusted input (a cell, a line, a name) for an error message:
 * at most `max` characters, control characters, quotes and backslashes escaped, and the full length when cut.
 */
export function quoteExcerpt(text: string, max = EXCERPT_MAX): string {
  const cut = text.length > max;
  const body = escapeControls((cut ? headOf(text, max) : text).replace(/["\\]/g, (c) => `\\${c}`));
  return cut ? `"${body}…" (${text.length} characters)` : `"${body}"`;
}

/** A message made one line of at most `max` characters: control characters escaped, the middle cut out when too long (both ends say what and where). */
export function boundMessage(message: string, max = MESSAGE_MAX): string {
  const line = escapeControls(message);
  if (line.length <= max) return line;
  const keep = Math.floor((max - 40) / 2);
  const head = headOf(line, keep);
  let tailStart = line.length - keep;
  const c = line.charCodeAt(tailStart);
  if (c >= 0xdc00 && c <= 0xdfff) tailStart++;
  return `${head}… [${line.length - head.length - (line.length - tailStart)} characters cut] …${line.slice(tailStart)}`;
}

/**
 * What JSON.parse disliked, with its position as line and column, but without the stretch of source V8 quotes
 * (up to 20 raw characters: a whole short file, such as a secret someone asked us to "import").
 */
export function jsonSyntaxProblem(err: unknown, text: string): string {
  let m = err instanceof Error ? err.message : String(err);
  m = m.replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '');
  const at = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(m);
  if (at) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    m = `${m.slice(0, at.index)} at line ${line}, column ${column}`;
  }
  return boundMessage(m, 200);
}

export class KpsError extends Error {
  readonly code: ServiceErrorShape['code'];
  readonly file?: string;
  readonly record?: number;
  constructor(code: ServiceErrorShape['code'], message: string, where?: { file?: string; record?: number }) {
    super(boundMessage(message));
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

/** import.start on a source imported before, without saying what to do: 'conflict' naming the earlier import. */
export class RepeatImportError extends KpsError {
  constructor(
    file: string,
    readonly repeat: RepeatedImport,
  ) {
    super(
      'conflict',
      `${file} was already imported on ${repeat.at} (${repeat.sampleCount} samples, same ${repeat.match === 'content' ? 'file content' : 'images'}); choose skip, replace-labels or add`,
      { file },
    );
  }
  override toShape(): ServiceErrorShape {
    return { ...super.toShape(), repeat: { ...this.repeat } };
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
  if (err instanceof Error) return { code: 'internal', message: boundMessage(err.message) };
  return { code: 'internal', message: boundMessage(String(err)) };
}
