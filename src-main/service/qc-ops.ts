// The label-quality operations of the service (qc.run as a job, qc.list, qc.dismiss, qc.restore) and changes.summary.
import { KpsError } from '../core/errors.js';
import { registerJobKind, type JobRunContext } from './jobs.js';
import { registerOp } from './registry.js';
import type { QcListResult, QcRunRequest } from '../api/qc.js';
import { runQc, type QcReport } from '../qc/pipeline.js';
import { loadReport, readDismissals, saveReport, updateDismissals } from '../qc/persist.js';

/** What a finished `qc` job returns (JobStatus.result): a summary; the queue itself is read with qc.list. */
export interface QcJobResult {
  items: number;
  seconds: number;
  evidence: QcReport['evidence'];
  top: { sample: number; score: number; reasons: string[] }[];
}

function ids(v: unknown, op: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) throw new KpsError('bad-input', `${op}: sampleIds must be a non-empty list of sample ids`);
  return v as number[];
}

function optInt(v: unknown, name: string, op: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < min) throw new KpsError('bad-input', `${op}: ${name} must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

async function qcJob(p: QcRunRequest, ctx: JobRunContext): Promise<QcJobResult> {
  const store = ctx.store();
  const report = await runQc(store, {
    runId: p.runId,
    noModel: p.noModel,
    crossVal: { folds: p.folds, epochs: p.epochs, seed: p.seed },
    signal: ctx.signal,
    onProgress: (message, done, total) => ctx.progress(done, total, message),
  });
  saveReport(store.path, report);
  return {
    items: report.items.length,
    seconds: report.seconds,
    evidence: report.evidence,
    top: report.items.filter((i) => !i.dismissed).slice(0, 10).map((i) => ({ sample: i.sample, score: i.score, reasons: i.reasons })),
  };
}

/** Registers the operations and the `qc` job kind; idempotent. */
export function registerQcOps(): void {
  registerJobKind<QcRunRequest, QcJobResult>('qc', qcJob);
  registerOp(
    'qc.run',
    (req, ctx) => {
      ctx.store();
      return ctx.startJob('qc', req);
    },
    (r, op) => {
      if (r.runId !== undefined && (typeof r.runId !== 'string' || r.runId === '')) throw new KpsError('bad-input', `${op}: runId must be a non-empty string`);
      if (r.noModel !== undefined && typeof r.noModel !== 'boolean') throw new KpsError('bad-input', `${op}: noModel must be true or false`);
      optInt(r.folds, 'folds', op, 2);
      optInt(r.epochs, 'epochs', op, 1);
      optInt(r.seed, 'seed', op, 0);
    },
  );
  registerOp(
    'qc.list',
    (req, ctx) => {
      const store = ctx.store();
      const report = loadReport<QcReport>(store.path);
      const dismissed = new Set(readDismissals(store.path).map((d) => d.sampleId));
      if (!report) return { report: null, stale: false, total: 0, dismissedCount: dismissed.size, items: [] } satisfies QcListResult;
      const all = report.items.map((i) => ({ ...i, dismissed: dismissed.has(i.sampleId) }));
      const shown = req.includeDismissed ? all : all.filter((i) => !i.dismissed);
      const offset = req.offset ?? 0;
      const limit = req.limit ?? shown.length;
      return {
        report: { createdAt: report.createdAt, dataVersion: report.dataVersion, seconds: report.seconds, evidence: report.evidence },
        // Labels edited since the report: scores may be out of date (the edited samples especially).
        // Tags, splits and review marks do not change what QC ranked; older reports only know the data version.
        stale: report.labelsVersion !== undefined ? report.labelsVersion !== store.labelsVersion() : report.dataVersion !== store.dataVersion(),
        total: shown.length,
        dismissedCount: dismissed.size,
        items: shown.slice(offset, offset + limit),
      } satisfies QcListResult;
    },
    (r, op) => {
      optInt(r.offset, 'offset', op, 0);
      optInt(r.limit, 'limit', op, 0);
      if (r.includeDismissed !== undefined && typeof r.includeDismissed !== 'boolean') throw new KpsError('bad-input', `${op}: includeDismissed must be true or false`);
    },
  );
  registerOp(
    'qc.dismiss',
    (req, ctx) => {
      const store = ctx.store();
      // Each id must name a live sample: a typo must not silently dismiss nothing.
      const add = req.sampleIds.map((id) => ({ sampleId: id, actor: req.actor ?? 'annotator', revision: store.getSample(id).revision }));
      const list = updateDismissals(store.path, add, []);
      return { dismissed: list.map((d) => d.sampleId) };
    },
    (r, op) => {
      ids(r.sampleIds, op);
      if (r.actor !== undefined && typeof r.actor !== 'string') throw new KpsError('bad-input', `${op}: actor must be a string`);
    },
  );
  registerOp(
    'qc.restore',
    (req, ctx) => {
      const store = ctx.store();
      const list = updateDismissals(store.path, [], req.sampleIds);
      return { dismissed: list.map((d) => d.sampleId) };
    },
    (r, op) => void ids(r.sampleIds, op),
  );
  registerOp('changes.summary', (_req, ctx) => ctx.store().changesSinceImport());
}

registerQcOps();
