// Recall of known label errors within the top of a QC queue: the measure the QC benchmark and tests report.

/**
 * `ranked`: the queue's records (1-based rows) in rank order; `errors`: the injected errors (one record may carry
 * only one). For each fraction f, the share of error records among the first round(f * total) entries.
 */
export function recallAt(ranked: number[], errors: { record: number }[], total: number, fractions: number[]): { fraction: number; top: number; found: number; recall: number }[] {
  const wanted = new Set(errors.map((e) => e.record));
  return fractions.map((fraction) => {
    const top = Math.round(fraction * total);
    let found = 0;
    for (const r of ranked.slice(0, top)) if (wanted.has(r)) found += 1;
    return { fraction, top, found, recall: wanted.size === 0 ? 0 : found / wanted.size };
  });
}
