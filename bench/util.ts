// Helpers for benchmarks: timing, percentiles, and the one-JSON-object-per-line output.
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Print one benchmark result: name, measured figures, and the target with whether it was met. */
export function report(result: { bench: string; target?: string; pass?: boolean } & Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}
