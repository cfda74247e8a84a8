// Handlers of the train domain: training runs (train.*), their records, splits and predictions (runs.*,
// predictions.get, runs.submit), what the training UI shows of a model (train.options, runs.filters, runs.heatmap; in
// service/run-views.ts), face detection for the crop rule (faces.detect), and the `train`, `evaluate` and
// `faces.detect` and `submit` job kinds. The runs training in this service live in its state (ctx.state.liveRuns).
import { KpsError } from '../../core/errors.js';
import type { RunRecord } from '../../store/types.js';
import type { JobRunContext } from '../jobs.js';
import type { DomainModule, ServiceContext, ServiceState } from '../context.js';
import type { SubmissionResult, TrainSettings } from '../../api/ops.js';
import { resolve } from 'node:path';
import { refuseToReplace } from '../outputs.js';
import type { BackendPreference } from '../../train/backend.js';
import type { EvaluationReport } from '../../train/runs.js';
import type { EnsureFacesResult } from '../../train/faces.js';
import type { EpochMetrics, FinalMetrics, TrainProgress } from '../../train/trainer.js';

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
const engine = () => import('../../train/runs.js');
const views = () => import('../run-views.js');

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

async function trainJob(p: TrainJobParams, ctx: JobRunContext, service: ServiceContext): Promise<TrainJobResult> {
  const live = service.state.liveRuns;
  const store = ctx.store();
  const entry = live.get(p.runId) ?? { jobId: ctx.jobId, session: null };
  live.set(p.runId, entry);
  let stepsPerEpoch = 0;
  const hooks = {
    onLoad: (d: number, t: number) => ctx.progress(0, 0, `loading samples ${d}/${t}`),
    onBackend: (name: string, reason: string) => {
      service.state.backend = `${name} (${reason})`;
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

function liveJob(state: ServiceState, runId: string): string | null {
  return state.liveRuns.get(runId)?.jobId ?? null;
}

/** The backend a request asks for (OP_CHECKS allows only the names of BackendPreference). */
function backendOf(v: string | undefined): BackendPreference | undefined {
  return v as BackendPreference | undefined;
}

async function evaluateJob(p: { id: string }, job: JobRunContext): Promise<EvaluationReport> {
  job.progress(0, 0, `evaluating run ${p.id}`);
  // Inference runs on this thread: make sure the fast backend is active, not tf's pure-JS default.
  await (await import('../../train/backend.js')).ensureBackend();
  const { evaluateRun } = await engine();
  return evaluateRun(job.store(), p.id, { signal: job.signal, onLoad: (d, t) => job.progress(d, t, 'loading samples') });
}

async function facesJob(p: { inputSize?: number }, job: JobRunContext): Promise<EnsureFacesResult> {
  job.progress(0, 0, 'finding faces');
  const { ensureFaces } = await import('../../train/faces.js');
  return ensureFaces(job.store(), { inputSize: p.inputSize, signal: job.signal, progress: (d, t) => job.progress(d, t, 'finding faces') });
}

interface SubmitJobParams {
  runId: string;
  test: string;
  lookup: string;
  out: string;
}

async function submitJob(p: SubmitJobParams, job: JobRunContext): Promise<SubmissionResult> {
  const store = job.store();
  const run = store.getRun(p.runId);
  job.progress(0, 0, `predicting ${p.test} with run ${run.id}`);
  const { writeRunSubmission } = await import('../run-files.js');
  const res = await writeRunSubmission(run, store.schema, { test: p.test, lookup: p.lookup, out: p.out });
  return { run: run.id, images: res.images, rows: res.rows, out: res.path };
}

export function createHandlers(): DomainModule<'train'> {
  return {
    jobKinds: { train: trainJob, evaluate: evaluateJob, 'faces.detect': facesJob, submit: submitJob },
    handlers: {
      'train.start': async (req, ctx) => {
        const store = ctx.store();
        // Settings are checked and the run recorded before the job starts: a bad setting fails here, with its name.
        const { createRun } = await engine();
        const run = createRun(store, req.config ?? {}, req.name === undefined ? {} : { name: req.name });
        const { jobId } = ctx.startJob('train', { runId: run.id, resume: false, record: run, backend: backendOf(req.backend) } satisfies TrainJobParams);
        ctx.state.liveRuns.set(run.id, { jobId, session: null });
        return { jobId, runId: run.id };
      },
      'train.pause': (req, ctx) => {
        const jobId = liveJob(ctx.state, req.runId);
        if (!jobId) throw new KpsError('conflict', `run ${req.runId} is not training in this session`);
        ctx.jobs.pause(jobId);
        const run = ctx.store().getRun(req.runId);
        run.status = 'paused';
        ctx.store().saveRun(run);
        return run;
      },
      'train.resume': (req, ctx) => {
        const runId = req.runId;
        const jobId = liveJob(ctx.state, runId);
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
        ctx.state.liveRuns.set(runId, { jobId: started.jobId, session: null });
        return { jobId: started.jobId, runId };
      },
      'train.cancel': async (req, ctx) => {
        const runId = req.runId;
        const jobId = liveJob(ctx.state, runId);
        if (jobId) await ctx.jobs.cancel(jobId);
        const run = ctx.store().getRun(runId);
        if (!jobId && (run.status === 'running' || run.status === 'paused')) {
          // A run left running by a process that is gone: mark it so it is not mistaken for a live one.
          run.status = 'cancelled';
          run.endedAt = new Date().toISOString();
          ctx.store().saveRun(run);
        }
        return ctx.store().getRun(runId);
      },
      'train.options': async (_req, ctx) => (await views()).trainOptions(ctx.project()?.schema.id ?? null),
      'runs.list': (_req, ctx) => ctx.store().listRuns(),
      'runs.get': (req, ctx) => ctx.store().getRun(req.id),
      'runs.update': (req, ctx) => {
        const run = ctx.store().getRun(req.id);
        if (req.name !== undefined) run.name = req.name.trim();
        if (req.notes !== undefined) run.notes = req.notes;
        ctx.store().saveRun(run);
        return run;
      },
      'runs.delete': async (req, ctx) => {
        if (liveJob(ctx.state, req.id)) throw new KpsError('conflict', `run ${req.id} is training: cancel it first`);
        await (await engine()).deleteRun(ctx.store(), req.id);
        return { ok: true as const };
      },
      'runs.evaluate': (req, ctx) => {
        ctx.store().getRun(req.id);
        return ctx.startJob('evaluate', { id: req.id });
      },
      'runs.split': (req, ctx) => {
        const run = ctx.store().getRun(req.id);
        const samples = ctx.store().getRunSplit(req.id);
        const counts = { train: 0, val: 0, test: 0 };
        for (const e of samples) counts[e.split] += 1;
        const spec = (run.config as { split?: unknown } | null)?.split;
        return { runId: req.id, spec: typeof spec === 'string' ? spec : 'random', samples, counts };
      },
      'runs.submit': (req, ctx) => {
        ctx.store().getRun(req.runId);
        const out = resolve(req.out);
        if (req.overwrite !== true) refuseToReplace(out);
        return ctx.startJob('submit', { runId: req.runId, test: resolve(req.test), lookup: resolve(req.lookup), out } satisfies SubmitJobParams);
      },
      'runs.filters': async (req, ctx) => (await views()).runFilters(ctx.store(), req.id),
      'runs.heatmap': async (req, ctx) => (await views()).runHeatmap(ctx.store(), req),
      'predictions.get': (req, ctx) => {
        ctx.store().getRun(req.runId);
        return ctx.store().getPredictions(req.runId, req.sampleIds);
      },
      'faces.detect': (req, ctx) => {
        ctx.store();
        return ctx.startJob('faces.detect', { inputSize: req.inputSize });
      },
    },
  };
}
