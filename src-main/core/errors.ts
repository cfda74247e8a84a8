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

/** Bad input file: the message names the file and, where known, the 1-based line or record. */
export class ImportError extends KpsError {
  /** `unit` says what `record` counts in the message: data records (default) or text lines (.pts, .asf). */
  constructor(file: string, record: number | undefined, problem: string, unit: 'record' | 'line' = 'record') {
    super('bad-input', record === undefined ? `${file}: ${problem}` : `${file}, ${unit} ${record}: ${problem}`, { file, record });
    this.name = 'ImportError';
  }
}

export function toErrorShape(err: unknown): ServiceErrorShape {
  if (err instanceof KpsError) return err.toShape();
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
