// Handlers of the qc domain (label quality): qc.run as a job of kind `qc`, qc.list, qc.dismiss, qc.restore, and
// changes.summary.
import type { JobRunContext } from '../jobs.js';
import type { DomainModule } from '../context.js';
import type { QcListResult, QcRunRequest } from '../../api/qc.js';
import { runQc, type QcReport } from '../../qc/pipeline.js';
import { loadReport, readDismissals, saveReport, updateDismissals } from '../../qc/persist.js';

/** What a finished `qc` job returns (JobStatus.result): a summary; the queue itself is read with qc.list. */
export interface QcJobResult {
  items: number;
  seconds: number;
  evidence: QcReport['evidence'];
  top: { sample: number; score: number; reasons: string[] }[];
}

async function qcJob(p: QcRunRequest, job: JobRunContext): Promise<QcJobResult> {
  const store = job.store();
  const report = await runQc(store, {
    runId: p.runId,
    noModel: p.noModel,
    crossVal: { folds: p.folds, epochs: p.epochs, seed: p.seed },
    signal: job.signal,
    onProgress: (message, done, total) => job.progress(done, total, message),
  });
  saveReport(store.path, report);
  return {
    items: report.items.length,
    seconds: report.seconds,
    evidence: report.evidence,
    top: report.items.filter((i) => !i.dismissed).slice(0, 10).map((i) => ({ sample: i.sample, score: i.score, reasons: i.reasons })),
  };
}

export function createHandlers(): DomainModule<'qc'> {
  return {
    jobKinds: { qc: qcJob },
    handlers: {
      'qc.run': (req, ctx) => {
        ctx.store();
        return ctx.startJob('qc', req);
      },
      'qc.list': (req, ctx) => {
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
      'qc.dismiss': (req, ctx) => {
        const store = ctx.store();
        // Each id must name a live sample: a typo must not silently dismiss nothing.
        const add = req.sampleIds.map((id) => ({ sampleId: id, actor: req.actor ?? 'annotator', revision: store.getSample(id).revision }));
        const list = updateDismissals(store.path, add, []);
        return { dismissed: list.map((d) => d.sampleId) };
      },
      'qc.restore': (req, ctx) => {
        const list = updateDismissals(ctx.store().path, [], req.sampleIds);
        return { dismissed: list.map((d) => d.sampleId) };
      },
      'changes.summary': (_req, ctx) => ctx.store().changesSinceImport(),
    },
  };
}
