// Save queue: every edit goes to the service at once, in order; failures are shown and retried with backoff, never dropped.

export type SaveStatus = 'saved' | 'pending' | 'failed';

export interface SaveJob<R> {
  /** Shown in the status tooltip, e.g. "move left_eye_center". */
  label: string;
  run: () => Promise<R>;
  /** Plain data describing the save, kept so unsent saves can be written to storage and replayed after a reload. */
  data?: unknown;
}

export interface SaveQueueState {
  status: SaveStatus;
  /** Jobs not yet acknowledged by the service (the one in flight included). */
  pending: number;
  /** Failed attempts of the job at the head of the queue since its last success. */
  attempts: number;
  /** The last error message, while the head job is failing or a job was rejected. */
  error: string | null;
  /** Milliseconds until the next automatic retry, when one is scheduled. */
  retryInMs: number | null;
  /** Jobs the service refused for good (bad input): kept so the user sees them; never silently dropped. */
  rejected: { label: string; error: string }[];
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SaveQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
  /** True when the error will not go away by retrying (the service said the input is wrong). */
  isPermanent?: (err: unknown) => boolean;
}

const PERMANENT_CODES = new Set(['bad-input', 'not-found', 'conflict']);

export function errorCode(err: unknown): string | null {
  // The renderer's ServiceError carries the service's shape; plain errors may carry a code of their own.
  if (err && typeof err === 'object' && 'shape' in err) {
    const shape = (err as { shape: unknown }).shape;
    if (shape && typeof shape === 'object' && typeof (shape as { code?: unknown }).code === 'string') return (shape as { code: string }).code;
  }
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return null;
}

/**
 * The service's retry hint, in ms, when it says the same call may succeed later (code busy: another process holds the
 * project file for a moment); null otherwise.
 */
export function retryAfterMs(err: unknown): number | null {
  const from = (o: unknown): number | null => {
    if (!o || typeof o !== 'object') return null;
    const { retryable, retryAfterMs: ms } = o as { retryable?: unknown; retryAfterMs?: unknown };
    if (retryable !== true) return null;
    return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : 0;
  };
  if (err && typeof err === 'object' && 'shape' in err) return from((err as { shape: unknown }).shape);
  return from(err);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * Math.pow(2, Math.max(0, attempt - 1)));
}

interface Entry<R> {
  job: SaveJob<R>;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class SaveQueue<R = unknown> {
  private queue: Entry<R>[] = [];
  private running = false;
  private attempts = 0;
  private error: string | null = null;
  private retryHandle: unknown = null;
  private retryAt: number | null = null;
  private rejected: { label: string; error: string }[] = [];
  private listeners = new Set<(s: SaveQueueState) => void>();
  private idleWaiters: (() => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: Timers;
  private readonly isPermanent: (err: unknown) => boolean;

  constructor(opts: SaveQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    this.isPermanent = opts.isPermanent ?? ((err) => retryAfterMs(err) === null && PERMANENT_CODES.has(errorCode(err) ?? ''));
  }

  /** Queues a save; resolves with the service's answer once acknowledged, rejects only if the service refuses it for good. */
  enqueue(job: SaveJob<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.emit();
      void this.pump();
    });
  }

  state(): SaveQueueState {
    const status: SaveStatus = this.error !== null && this.queue.length > 0 ? 'failed' : this.queue.length > 0 ? 'pending' : this.rejected.length ? 'failed' : 'saved';
    return {
      status,
      pending: this.queue.length,
      attempts: this.attempts,
      error: this.error ?? (this.rejected.length ? this.rejected[this.rejected.length - 1].error : null),
      retryInMs: this.retryAt === null ? null : Math.max(0, this.retryAt - Date.now()),
      rejected: [...this.rejected],
    };
  }

  subscribe(fn: (s: SaveQueueState) => void): () => void {
    this.listeners.add(fn);
    fn(this.state());
    return () => this.listeners.delete(fn);
  }

  /** The `data` of every save not yet acknowledged, in order (the one in flight included). */
  pendingData(): unknown[] {
    return this.queue.map((e) => e.job.data).filter((d) => d !== undefined);
  }

  /** Retry the failing head job now instead of waiting for the backoff. */
  retryNow(): void {
    if (this.retryHandle !== null) {
      this.timers.clearTimeout(this.retryHandle);
      this.retryHandle = null;
      this.retryAt = null;
    }
    void this.pump();
  }

  /** The user has seen the refused saves. */
  dismissRejected(): void {
    this.rejected = [];
    this.emit();
  }

  /** Resolves when every queued save has been acknowledged (undo waits for this so it undoes the latest edit). */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private emit(): void {
    const s = this.state();
    for (const fn of this.listeners) fn(s);
  }

  private async pump(): Promise<void> {
    if (this.running || this.retryHandle !== null) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        try {
          const result = await head.job.run();
          this.queue.shift();
          this.attempts = 0;
          this.error = null;
          head.resolve(result);
          this.emit();
        } catch (err) {
          if (this.isPermanent(err)) {
            this.queue.shift();
            this.attempts = 0;
            this.error = null;
            this.rejected.push({ label: head.job.label, error: errorMessage(err) });
            head.reject(err);
            this.emit();
            continue;
          }
          this.attempts++;
          this.error = errorMessage(err);
          // A busy project file says when to come back; other failures back off exponentially.
          const hint = retryAfterMs(err);
          const delay = hint !== null ? Math.min(this.maxDelayMs, Math.max(hint, backoffDelay(this.attempts, this.baseDelayMs, this.maxDelayMs) / 4)) : backoffDelay(this.attempts, this.baseDelayMs, this.maxDelayMs);
          this.retryAt = Date.now() + delay;
          this.retryHandle = this.timers.setTimeout(() => {
            this.retryHandle = null;
            this.retryAt = null;
            void this.pump();
          }, delay);
          this.emit();
          return;
        }
      }
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    } finally {
      this.running = false;
    }
  }
}
