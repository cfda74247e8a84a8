// samples/s of a real `kps train` run from its own per-epoch figures (the JSON lines of `kps train --json`) and their arrival times.
import { median } from './util.js';

/** The fields of one `kps train --json` epoch line that the figures use. */
export interface EpochLine {
  epoch: number;
  samples_per_s: number;
  seconds: number;
  partial?: boolean;
}

export interface KpsTrainFigures {
  /** Complete epochs (a partial one, cut by the time limit, is left out). */
  full_epochs: number;
  /** The trainer's own samples/s (batch assembly, augmentation, steps, validation), median over full epochs after the first. */
  samples_per_s: number;
  /** Epoch 1's figure alone: it includes the warm-up (compilation, the workers' first steps). */
  first_epoch_samples_per_s: number;
  /**
   * Samples of an epoch over the time from the previous epoch's line to its own, median: also counts the
   * checkpoints written after each epoch and the messages up to the CLI. Null with fewer than two full epochs.
   */
  cycle_samples_per_s: number | null;
  /** Full epochs the medians are over (epoch 1 is used only when it is the only one). */
  measured_epochs: number;
}

export function isEpochLine(o: unknown): o is EpochLine {
  if (typeof o !== 'object' || o === null) return false;
  const e = o as Record<string, unknown>;
  return typeof e.epoch === 'number' && typeof e.samples_per_s === 'number' && typeof e.seconds === 'number';
}

/**
 * Figures from the epoch lines in order, each with the time (ms, any clock) its line arrived. Throws when no
 * epoch ran to its end: then there is nothing measured to report.
 */
export function kpsTrainFigures(lines: { line: EpochLine; atMs: number }[]): KpsTrainFigures {
  const full = lines.filter((l) => !l.line.partial && Number.isFinite(l.line.samples_per_s) && l.line.samples_per_s > 0);
  if (full.length === 0) throw new Error(`no complete epoch to measure (${lines.length} epoch line(s), all partial or empty): give training more time`);
  const first = full[0];
  const later = full.length > 1 ? full.slice(1) : full;
  const seen = (l: EpochLine) => l.samples_per_s * l.seconds;
  const cycles: number[] = [];
  for (let i = 1; i < full.length; i++) {
    // Consecutive epochs only: a gap means an epoch between them is not a complete one.
    if (full[i].line.epoch !== full[i - 1].line.epoch + 1) continue;
    const dt = (full[i].atMs - full[i - 1].atMs) / 1000;
    if (dt > 0) cycles.push(seen(full[i].line) / dt);
  }
  return {
    full_epochs: full.length,
    samples_per_s: median(later.map((l) => l.line.samples_per_s)),
    first_epoch_samples_per_s: first.line.samples_per_s,
    cycle_samples_per_s: cycles.length > 0 ? median(cycles) : null,
    measured_epochs: later.length,
  };
}
