// Generic runner for long work (import, export, training...): ids, progress, pause/resume, cancel, result or error.
//
// How to add a kind of long job (the training engine does this for `train`):
//
//   // in a domain module's createHandlers() (service/handlers/<domain>.ts): jobKinds: { train: trainJob }, where
//   async function trainJob(params: TrainParams, ctx: JobRunContext): Promise<TrainResult> {
//     const store = ctx.store();               // the open project (throws no-project when none)
//     for (let epoch = 0; epoch < params.epochs; epoch++) {
//       await ctx.checkpoint();                // throws when cancelled; waits here while paused
//       ctx.progress(epoch, params.epochs, `epoch ${epoch + 1}`, { loss });  // emits job.progress
//     }
//     return { run: id };                       // becomes JobStatus.result, emitted with job.ended
//   }
//
// and then, from an operation handler of that domain: `return ctx.startJob('train', req)`,
// which returns `{ jobId }` at once. `job.get`, `job.wait`, `job.cancel`, `job.pause`, `job.resume` work for every kind.
// Throwing a KpsError from a job ends it `failed` with that error's shape; cancellation ends it `cancelled`.
import { randomUUID } from 'node:crypto';
import { KpsError, toErrorShape } from '../core/errors.js';
import type { JobStatus, ServiceErrorShape } from '../api/ops.js';
import type { ProjectStore } from '../store/types.js';

/** What a running job gets. */
export interface JobRunContext {
  readonly jobId: string;
  /** Aborted when the job is cancelled: pass it to I/O and check it in loops. */
  readonly signal: AbortSignal;
  /**
   * Report progress (`total` 0 when unknown); `detail` is attached to the status as `detail` for front ends that show more.
   * Reports are throttled, except a `milestone` (an epoch finished, a backend chosen): front ends must see every one of those.
   */
  progress(done: number, total: number, message?: string, detail?: unknown, milestone?: boolean): void;
  /** Throws a `cancelled` KpsError when cancelled; while paused, waits until resumed or cancelled. */
  checkpoint(): Promise<void>;
  readonly paused: boolean;
  /** The open project's store; throws `no-project` when none is open. */
  store(): ProjectStore;
}

export type JobKindHandler<P = unknown, R = unknown> = (params: P, ctx: JobRunContext) => Promise<R>;

/** The status of one job plus optional detail the job attached to its last progress report. */
export interface JobStatusWithDetail extends JobStatus {
  detail?: unknown;
}

interface JobRecord {
  status: JobStatusWithDetail;
  controller: AbortController;
  waiters: ((s: JobStatus) => void)[];
  resumeWaiters: (() => void)[];
  paused: boolean;
  lastEmit: number;
  /** True for jobs that read or write the open project: they are cancelled when it closes. */
  projectBound: boolean;
}

export interface JobRunnerHooks {
  onProgress(status: JobStatus): void;
  onEnded(status: JobStatus): void;
  store(): ProjectStore;
}

/** Progress events are throttled to this interval so a tight loop does not flood the transports. */
const PROGRESS_INTERVAL_MS = 100;
/** Ended jobs are kept (for job.get / job.list) up to this many. */
const KEEP_ENDED = 100;

function copyStatus(s: JobStatusWithDetail): JobStatusWithDetail {
  return { ...s };
}

export class JobRunner {
  private readonly jobs = new Map<string, JobRecord>();
  /** Job kinds by name: the service registers each domain's kinds when it loads the domain. */
  private readonly kinds = new Map<string, JobKindHandler>();

  constructor(private readonly hooks: JobRunnerHooks) {}

  /** Register a kind of job. Re-registering a kind replaces it (tests). */
  registerKind<P, R>(kind: string, handler: JobKindHandler<P, R>): void {
    this.kinds.set(kind, handler as JobKindHandler);
  }

  hasKind(kind: string): boolean {
    return this.kinds.has(kind);
  }

  /** Start a job of a registered kind. */
  startKind(kind: string, params: unknown, opts: { projectBound?: boolean; total?: number } = {}): JobStatus {
    const handler = this.kinds.get(kind);
    if (!handler) throw new KpsError('bad-input', `unknown job kind "${kind}"`);
    return this.start(kind, (ctx) => handler(params, ctx), opts);
  }

  /** Start a job from a function; returns its first status at once. */
  start(kind: string, run: (ctx: JobRunContext) => Promise<unknown>, opts: { projectBound?: boolean; total?: number } = {}): JobStatus {
    const jobId = randomUUID();
    const rec: JobRecord = {
      status: { jobId, kind, state: 'running', done: 0, total: opts.total ?? 0, message: 'starting' },
      controller: new AbortController(),
      waiters: [],
      resumeWaiters: [],
      paused: false,
      lastEmit: 0,
      projectBound: opts.projectBound ?? true,
    };
    this.jobs.set(jobId, rec);
    const hooks = this.hooks;
    const ctx: JobRunContext = {
      jobId,
      signal: rec.controller.signal,
      progress: (done, total, message, detail, milestone) => {
        if (rec.status.state !== 'running' && rec.status.state !== 'paused') return;
        rec.status.done = done;
        rec.status.total = total;
        if (message !== undefined) rec.status.message = message;
        if (detail !== undefined) rec.status.detail = detail;
        const now = Date.now();
        if (milestone || now - rec.lastEmit >= PROGRESS_INTERVAL_MS || (total > 0 && done >= total)) {
          rec.lastEmit = now;
          hooks.onProgress(copyStatus(rec.status));
        }
      },
      checkpoint: async () => {
        if (rec.controller.signal.aborted) throw new KpsError('cancelled', 'cancelled');
        while (rec.paused) {
          await new Promise<void>((resolve) => rec.resumeWaiters.push(resolve));
          if (rec.controller.signal.aborted) throw new KpsError('cancelled', 'cancelled');
        }
      },
      get paused() {
        return rec.paused;
      },
      store: () => hooks.store(),
    };
    hooks.onProgress(copyStatus(rec.status));
    // Run on a later tick so the caller gets the job id before any work (or failure) happens.
    setImmediate(() => {
      Promise.resolve()
        .then(() => run(ctx))
        .then(
          (result) => {
            if (rec.controller.signal.aborted) this.finish(rec, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
            else this.finish(rec, 'done', result, undefined);
          },
          (err: unknown) => {
            if (rec.controller.signal.aborted) this.finish(rec, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
            else this.finish(rec, 'failed', undefined, toErrorShape(err));
          },
        );
    });
    return copyStatus(rec.status);
  }

  private finish(rec: JobRecord, state: 'done' | 'failed' | 'cancelled', result: unknown, error: ServiceErrorShape | undefined): void {
    rec.status.state = state;
    rec.paused = false;
    if (state === 'done') {
      rec.status.message = 'done';
      if (rec.status.total > 0) rec.status.done = rec.status.total;
      rec.status.result = result;
    } else {
      rec.status.message = error?.message ?? state;
      rec.status.error = error;
    }
    const final = copyStatus(rec.status);
    this.hooks.onEnded(final);
    for (const w of rec.waiters.splice(0)) w(copyStatus(final));
    for (const r of rec.resumeWaiters.splice(0)) r();
    this.prune();
  }

  private prune(): void {
    const ended = [...this.jobs.values()].filter((j) => !isActive(j.status));
    for (const j of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.jobs.delete(j.status.jobId);
  }

  private record(jobId: string): JobRecord {
    const rec = this.jobs.get(jobId);
    if (!rec) throw new KpsError('not-found', `no job with id "${jobId}"`);
    return rec;
  }

  get(jobId: string): JobStatusWithDetail {
    return copyStatus(this.record(jobId).status);
  }

  list(): JobStatusWithDetail[] {
    return [...this.jobs.values()].map((j) => copyStatus(j.status));
  }

  /** Request cancellation; resolves with the status once the job has ended. */
  async cancel(jobId: string): Promise<JobStatus> {
    const rec = this.record(jobId);
    if (isActive(rec.status)) {
      rec.controller.abort(new KpsError('cancelled', 'cancelled'));
      for (const r of rec.resumeWaiters.splice(0)) r();
    }
    return this.wait(jobId);
  }

  pause(jobId: string): JobStatus {
    const rec = this.record(jobId);
    if (rec.status.state === 'running') {
      rec.paused = true;
      rec.status.state = 'paused';
      this.hooks.onProgress(copyStatus(rec.status));
    } else if (rec.status.state !== 'paused') {
      throw new KpsError('conflict', `job ${jobId} has ended (${rec.status.state}) and cannot be paused`);
    }
    return copyStatus(rec.status);
  }

  resume(jobId: string): JobStatus {
    const rec = this.record(jobId);
    if (rec.status.state === 'paused') {
      rec.paused = false;
      rec.status.state = 'running';
      for (const r of rec.resumeWaiters.splice(0)) r();
      this.hooks.onProgress(copyStatus(rec.status));
    } else if (rec.status.state !== 'running') {
      throw new KpsError('conflict', `job ${jobId} has ended (${rec.status.state}) and cannot be resumed`);
    }
    return copyStatus(rec.status);
  }

  /** Resolves when the job ends, or after `timeoutMs` (if given) with its status at that moment. */
  wait(jobId: string, timeoutMs?: number): Promise<JobStatus> {
    const rec = this.record(jobId);
    if (!isActive(rec.status)) return Promise.resolve(copyStatus(rec.status));
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (s: JobStatus) => {
        if (timer) clearTimeout(timer);
        resolve(s);
      };
      rec.waiters.push(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const i = rec.waiters.indexOf(done);
          if (i >= 0) rec.waiters.splice(i, 1);
          resolve(copyStatus(rec.status));
        }, timeoutMs);
      }
    });
  }

  /** Cancel every job bound to the open project and wait for them to end (before the project closes). */
  async cancelProjectJobs(): Promise<void> {
    const active = [...this.jobs.values()].filter((j) => j.projectBound && isActive(j.status));
    await Promise.all(active.map((j) => this.cancel(j.status.jobId)));
  }

  /** Jobs still running or paused. */
  activeCount(): number {
    return [...this.jobs.values()].filter((j) => isActive(j.status)).length;
  }
}

function isActive(s: JobStatus): boolean {
  return s.state === 'running' || s.state === 'paused';
}
