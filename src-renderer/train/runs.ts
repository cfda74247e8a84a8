// Shared helpers of the training views: typed access to a run's epochs and final metrics, colours, formatting.
import type { RunRecord } from '../../src-main/api/records.js';
import type { EpochMetrics, FaceAlignmentMetrics, FinalMetrics, RunConfig, TrainProgress } from '../../src-main/api/run-types.js';

export type { EpochMetrics, FinalMetrics, TrainProgress };

export function epochsOf(run: RunRecord): EpochMetrics[] {
  return Array.isArray(run.epochs) ? run.epochs : [];
}

export function finalOf(run: RunRecord): FinalMetrics | null {
  // A failed run's `final` holds only its error (RunFailure): no metrics to show.
  const f = run.final;
  return f && typeof f === 'object' && 'stop_reason' in f ? f : null;
}

/** The run's settings; any field may be absent in runs recorded before it existed. */
export function configOf(run: RunRecord): Partial<RunConfig> {
  return run.config && typeof run.config === 'object' ? run.config : {};
}

export function bestValRmse(run: RunRecord): number | null {
  const f = finalOf(run);
  if (f?.best_val_rmse_px != null) return f.best_val_rmse_px;
  const vals = epochsOf(run).map((e) => e.val_rmse_px).filter((v): v is number => v !== null && Number.isFinite(v));
  return vals.length ? Math.min(...vals) : null;
}

export function testRmse(run: RunRecord): number | null {
  return finalOf(run)?.test?.rmse_px ?? null;
}

/** Seconds from creation to the end (or now, while it runs). */
export function durationS(run: RunRecord, now = Date.now()): number {
  const t0 = Date.parse(run.createdAt);
  const t1 = run.endedAt ? Date.parse(run.endedAt) : now;
  return Math.max(0, (t1 - t0) / 1000);
}

export function fmtDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function fmtPx(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)} px`;
}

/** Distinct, colour-blind-friendly colours (Okabe-Ito) for overlaid runs. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000'];

export function keySettings(run: RunRecord): string {
  const c = configOf(run);
  const parts = [`bs ${c.batch ?? '?'}`, `lr ${c.lr ?? '?'}`, String(c.optimizer ?? ''), `${c.epochs ?? '?'} ep`];
  if (c.width !== undefined && c.width !== 1) parts.push(`width ${c.width}`);
  if (c.augment && c.augment !== 'none') parts.push(`aug ${String(c.augment).slice(0, 24)}`);
  return parts.filter(Boolean).join(' · ');
}

/** The run's split setting in words: `random · 10% test · 10% val`, `by group · …`, or `stored splits`. */
export function splitLabel(run: RunRecord): string {
  const split = configOf(run).split;
  const spec = typeof split === 'string' ? split : 'random';
  const [kind, t, v] = spec.split(':');
  if (kind === 'stored') return 'stored splits';
  const pct = (x: string | undefined) => `${Math.round((x === undefined ? 0.1 : Number(x)) * 100)}%`;
  return `${kind === 'group' ? 'by group' : kind} · ${pct(t)} test · ${pct(v)} val`;
}

/** The keypoints a run predicts: `all 15`, one or two names, or `4 of 15`; `names` are the schema's keypoint names. */
export function keypointSet(run: RunRecord, names: string[]): { label: string; title: string } {
  const idx = configOf(run).keypointIndices;
  if (!Array.isArray(idx)) return { label: '?', title: 'not recorded' };
  const picked = idx.map((i) => names[Number(i)] ?? `#${String(i)}`);
  const title = picked.join(', ');
  if (names.length > 0 && idx.length === names.length) return { label: `all ${names.length}`, title };
  if (idx.length <= 2) return { label: title, title };
  return { label: `${idx.length} of ${names.length}`, title };
}

/** The live-progress detail the train job attaches to its job.progress events. */
export interface TrainDetail extends Partial<TrainProgress> {
  runId?: string;
  epochDone?: EpochMetrics;
}

export function trainDetail(status: unknown): TrainDetail | null {
  const d = (status as { detail?: unknown } | null)?.detail;
  return d && typeof d === 'object' ? (d as TrainDetail) : null;
}

/** A run's face-alignment figures on one split (test by default), when its layout has them (runs since the face metrics). */
export function faceOf(run: RunRecord, split: 'train' | 'val' | 'test' = 'test'): FaceAlignmentMetrics | null {
  return finalOf(run)?.[split]?.face ?? null;
}

/** The cumulative error distribution of a split as chart points (x: NME by outer eye corners, y: fraction of faces). */
export function cedPoints(run: RunRecord, split: 'train' | 'val' | 'test' = 'test'): { x: number; y: number }[] {
  const ced = faceOf(run, split)?.ced;
  return ced ? ced.nme.map((x, i) => ({ x, y: ced.fraction[i] })) : [];
}

export function fmtPct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(2)}%`;
}

/** One line of face-alignment figures: NME (outer corners, inter-pupil), failure rate at 10%, AUC at 0.08. */
export function faceLine(f: FaceAlignmentMetrics | null): string {
  if (!f) return '';
  return `NME ${fmtPct(f.nme_outer)} (outer eye corners) · ${fmtPct(f.nme_pupil)} (inter-pupil) · failures @10% ${fmtPct(f.failure_rate)} · AUC@0.08 ${f.auc === null ? '–' : f.auc.toFixed(3)} · ${f.samples} faces`;
}
