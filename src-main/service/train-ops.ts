// The training operations of the service (train.*, runs.*, predictions.get) and the `train` and `evaluate` job kinds.
import { KpsError } from '../core/errors.js';
import type { RunRecord } from '../store/types.js';
import { registerJobKind, type JobRunContext } from './jobs.js';
import { registerOp, setBackendProvider, type ServiceContext } from './registry.js';
import type { TrainSettings } from '../api/ops.js';
import type { BackendPreference } from '../train/backend.js';
import type { EvaluationReport, RunSession } from '../train/runs.js';
import type { EpochMetrics, FinalMetrics, TrainProgress } from '../train/trainer.js';

interface TrainJobParams {
  runId: string;
  resume: boolean;
  /** The run as recorded by train.start. */
  record?: RunRecord;
  config?: TrainSettings;
  name?: string;
  backend?: BackendPreference;
}

/** What a finished `train` job returns (JobStatus.result), and what `kps train --json` prints. */
export interface TrainJobResult {
  run: string;
  status: RunRecord['status'];
  backend: string;
  backend_reason: string | null;
  model: string;
  epochs: number;
  best_val_rmse_px: number | null;
  test_rmse_px: number | null;
  baseline_test_rmse_px: number | null;
  train_seconds: number | null;
  stop_reason: string | null;
  reading: string | null;
}

// The engine (TensorFlow.js, models) loads on first use, so opening a project stays fast.
const engine = () => import('../train/runs.js');
const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const isBackendPreference = (v: string): v is BackendPreference => BACKENDS.includes(v);


/** Live runs of this process: run id -> its job and session. */
const live = new Map<string, { jobId: string; session: RunSession | null }>();
let lastBackend: string | null = null;

export function liveRunIds(): Set<string> {
  return new Set(live.keys());
}

function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

export function summarise(run: RunRecord): TrainJobResult {
  const f = (run.final ?? null) as (FinalMetrics & { error?: string }) | null;
  const epochs = run.epochs as EpochMetrics[];
  return {
    run: run.id,
    status: run.status,
    backend: run.backend,
    backend_reason: (run.config as { backendReason?: string } | null)?.backendReason ?? null,
    model: run.model,
    epochs: epochs.length,
    best_val_rmse_px: f?.best_val_rmse_px ?? null,
    test_rmse_px: f?.test?.rmse_px ?? null,
    baseline_test_rmse_px: f?.baseline?.test_rmse_px ?? null,
    train_seconds: f?.train_seconds ?? null,
    stop_reason: f?.stop_reason ?? null,
    reading: f?.reading ?? null,
  };
}

async function trainJob(p: TrainJobParams, ctx: JobRunContext): Promise<TrainJobResult> {
  const store = ctx.store();
  const entry = live.get(p.runId) ?? { jobId: ctx.jobId, session: null };
  live.set(p.runId, entry);
  let stepsPerEpoch = 0;
  const hooks = {
    onLoad: (d: number, t: number) => ctx.progress(0, 0, `loading samples ${d}/${t}`),
    onBackend: (name: string, reason: string) => {
      lastBackend = `${name} (${reason})`;
      ctx.progress(0, 0, `backend ${name}: ${reason}`, undefined, true);
    },
    onProgress: (pr: TrainProgress) => {
      stepsPerEpoch = pr.steps;
      const done = (pr.epoch - 1) * pr.steps + pr.step;
      ctx.progress(done, pr.epochs * pr.steps, `epoch ${pr.epoch}/${pr.epochs} · loss ${pr.loss.toPrecision(3)} · lr ${pr.lr.toPrecision(2)} · ${pr.samples_per_s.toFixed(0)} samples/s · ETA ${fmtEta(pr.eta_s)}`, { runId: p.runId, ...pr });
    },
    onEpoch: (e: EpochMetrics) => {
      const val = e.val_rmse_px === null ? '-' : `${e.val_rmse_px.toFixed(3)} px`;
      ctx.progress(e.epoch * stepsPerEpoch, 0, `epoch ${e.epoch} done · val RMSE ${val}`, { runId: p.runId, epochDone: e }, true);
    },
  };
  try {
    const { resumeRun, startRun } = await engine();
    const session = p.resume
      ? await resumeRun(store, p.runId, { backend: p.backend, signal: ctx.signal, hooks })
      : await startRun(store, p.config ?? {}, { id: p.runId, name: p.name, record: p.record, backend: p.backend, signal: ctx.signal, hooks });
    entry.session = session;
    // The job runner holds pause and cancel; mirror them into the worker.
    let paused = false;
    const timer = setInterval(() => {
      if (ctx.signal.aborted) session.cancel();
      else if (ctx.paused && !paused) {
        paused = true;
        session.pause();
      } else if (!ctx.paused && paused) {
        paused = false;
        session.resume();
      }
    }, 100);
    ctx.signal.addEventListener('abort', () => session.cancel(), { once: true });
    try {
      const run = await session.done;
      if (run.status === 'cancelled') throw new KpsError('cancelled', `run ${run.id} cancelled; resume it with train.resume`);
      return summarise(run);
    } finally {
      clearInterval(timer);
    }
  } finally {
    live.delete(p.runId);
  }
}

function liveJob(runId: string): string | null {
  return live.get(runId)?.jobId ?? null;
}

function checkId(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new KpsError('bad-input', `${what} must be a non-empty string`);
  return v;
}

function backendOf(v: unknown): BackendPreference | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isBackendPreference(v)) throw new KpsError('bad-input', `backend must be auto, tensorflow-gpu, tensorflow, wasm or cpu, got ${JSON.stringify(v)}`);
  return v;
}

/** Registers the operations and job kinds; idempotent (the registries replace by name). */
export function registerTrainOps(): void {
  registerJobKind<TrainJobParams, TrainJobResult>('train', trainJob);
  registerJobKind<{ id: string }, EvaluationReport>('evaluate', async (p, ctx) => {
    ctx.progress(0, 0, `evaluating run ${p.id}`);
    // Inference runs on this thread: make sure the fast backend is active, not tf's pure-JS default.
    await (await import('../train/backend.js')).ensureBackend();
    const { evaluateRun } = await engine();
    return evaluateRun(ctx.store(), p.id, { signal: ctx.signal, onLoad: (d, t) => ctx.progress(d, t, 'loading samples') });
  });
  setBackendProvider(() => lastBackend);
  registerJobKind<{ inputSize?: number }, import('../train/faces.js').EnsureFacesResult>('faces.detect', async (p, ctx) => {
    ctx.progress(0, 0, 'finding faces');
    const { ensureFaces } = await import('../train/faces.js');
    return ensureFaces(ctx.store(), { inputSize: p.inputSize, signal: ctx.signal, progress: (d, t) => ctx.progress(d, t, 'finding faces') });
  });
  registerOp('faces.detect', (req, ctx) => {
    if (req.inputSize !== undefined && !(Number.isInteger(req.inputSize) && req.inputSize >= 8)) throw new KpsError('bad-input', `faces.detect: inputSize must be an integer of at least 8, got ${JSON.stringify(req.inputSize)}`);
    ctx.store();
    return ctx.startJob('faces.detect', { inputSize: req.inputSize });
  });

  registerOp(
    'train.start',
    async (req, ctx: ServiceContext) => {
      const store = ctx.store();
      // Settings are checked and the run recorded before the job starts: a bad setting fails here, with its name.
      const { createRun } = await engine();
      const run = createRun(store, req.config ?? {}, req.name === undefined ? {} : { name: req.name });
      const { jobId } = ctx.startJob('train', { runId: run.id, resume: false, record: run, backend: backendOf(req.backend) } satisfies TrainJobParams);
      live.set(run.id, { jobId, session: null });
      return { jobId, runId: run.id };
    },
    (r) => {
      if (r.config !== undefined && (typeof r.config !== 'object' || r.config === null || Array.isArray(r.config))) throw new KpsError('bad-input', 'train.start: config must be an object of training settings');
      if (r.name !== undefined && typeof r.name !== 'string') throw new KpsError('bad-input', 'train.start: name must be a string');
      backendOf(r.backend);
    },
  );
  registerOp('train.pause', (req, ctx) => {
    const jobId = liveJob(checkId(req.runId, 'runId'));
    if (!jobId) throw new KpsError('conflict', `run ${req.runId} is not training in this session`);
    ctx.jobs.pause(jobId);
    const run = ctx.store().getRun(req.runId);
    run.status = 'paused';
    ctx.store().saveRun(run);
    return run;
  });
  registerOp('train.resume', (req, ctx) => {
    const runId = checkId(req.runId, 'runId');
    const jobId = liveJob(runId);
    if (jobId) {
      ctx.jobs.resume(jobId);
      const run = ctx.store().getRun(runId);
      if (run.status === 'paused') {
        run.status = 'running';
        ctx.store().saveRun(run);
      }
      return { jobId, runId };
    }
    const run = ctx.store().getRun(runId);
    if (run.status === 'done') throw new KpsError('conflict', `run ${runId} has already finished: start a new run instead`);
    const started = ctx.startJob('train', { runId, resume: true } satisfies TrainJobParams);
    live.set(runId, { jobId: started.jobId, session: null });
    return { jobId: started.jobId, runId };
  });
  registerOp('train.cancel', async (req, ctx) => {
    const runId = checkId(req.runId, 'runId');
    const jobId = liveJob(runId);
    if (jobId) await ctx.jobs.cancel(jobId);
    const run = ctx.store().getRun(runId);
    if (!jobId && (run.status === 'running' || run.status === 'paused')) {
      // A run left running by a process that is gone: mark it so it is not mistaken for a live one.
      run.status = 'cancelled';
      run.endedAt = new Date().toISOString();
      ctx.store().saveRun(run);
    }
    return ctx.store().getRun(runId);
  });
  registerOp('runs.list', (_req, ctx) => ctx.store().listRuns());
  registerOp('runs.get', (req, ctx) => ctx.store().getRun(checkId(req.id, 'id')));
  registerOp('runs.update', (req, ctx) => {
    const run = ctx.store().getRun(checkId(req.id, 'id'));
    if (req.name !== undefined) {
      if (typeof req.name !== 'string' || req.name.trim() === '') throw new KpsError('bad-input', 'runs.update: name must be a non-empty string');
      run.name = req.name.trim();
    }
    if (req.notes !== undefined) {
      if (typeof req.notes !== 'string') throw new KpsError('bad-input', 'runs.update: notes must be a string');
      run.notes = req.notes;
    }
    ctx.store().saveRun(run);
    return run;
  });
  registerOp('runs.delete', async (req, ctx) => {
    const id = checkId(req.id, 'id');
    if (liveJob(id)) throw new KpsError('conflict', `run ${id} is training: cancel it first`);
    await (await engine()).deleteRun(ctx.store(), id);
    return { ok: true as const };
  });
  registerOp('runs.evaluate', (req, ctx) => {
    const id = checkId(req.id, 'id');
    ctx.store().getRun(id);
    return ctx.startJob('evaluate', { id });
  });
  registerOp('predictions.get', (req, ctx) => {
    const runId = checkId(req.runId, 'runId');
    if (req.sampleIds !== undefined && (!Array.isArray(req.sampleIds) || !req.sampleIds.every((x) => Number.isInteger(x)))) throw new KpsError('bad-input', 'predictions.get: sampleIds must be a list of sample ids');
    ctx.store().getRun(runId);
    return ctx.store().getPredictions(runId, req.sampleIds);
  });
  registerOp('runs.split', (req, ctx) => {
    const id = checkId(req.id, 'id');
    const run = ctx.store().getRun(id);
    const samples = ctx.store().getRunSplit(id);
    const counts = { train: 0, val: 0, test: 0 };
    for (const e of samples) counts[e.split] += 1;
    const spec = (run.config as { split?: unknown } | null)?.split;
    return { runId: id, spec: typeof spec === 'string' ? spec : 'random', samples, counts };
  });
}

registerTrainOps();
