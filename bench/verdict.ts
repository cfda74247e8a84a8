// The bench runner's verdict: which outputs of the bench processes count as a missed target, and the exit code.

/** What one bench process left: its file, how it ended, and its standard output. */
export interface BenchRun {
  file: string;
  status: number | null;
  signal: string | null;
  stdout: string;
}

export interface Verdict {
  /** The result lines to print (one JSON object each), with an error line per bench process that failed. */
  lines: string[];
  /** One entry per problem: a missed target, a bench error, a crashed or silent bench. */
  failures: string[];
  exitCode: 0 | 1;
}

/**
 * A run fails when any result says `pass: false` or carries an `error`, when a bench process exits non-zero, when a
 * bench prints no result, when a result line is not a JSON object or its `pass` is not a boolean, or when no bench
 * ran at all. A result without `pass` is informational (a figure with no target of its own).
 */
export function judge(runs: readonly BenchRun[]): Verdict {
  const lines: string[] = [];
  const failures: string[] = [];
  if (runs.length === 0) failures.push('no bench matched');
  for (const run of runs) {
    let results = 0;
    for (const raw of run.stdout.split('\n')) {
      const t = raw.trim();
      if (!t.startsWith('{')) continue;
      lines.push(t);
      let r: unknown;
      try {
        r = JSON.parse(t);
      } catch {
        failures.push(`${run.file}: a result line is not JSON: ${t.slice(0, 80)}`);
        continue;
      }
      if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        failures.push(`${run.file}: a result line is not a JSON object`);
        continue;
      }
      results++;
      const o = r as { bench?: unknown; target?: unknown; pass?: unknown; error?: unknown };
      const name = typeof o.bench === 'string' ? o.bench : run.file;
      if (o.error !== undefined) failures.push(`${name}: ${String(o.error)}`);
      else if (o.pass === false) failures.push(`${name}: missed its target${typeof o.target === 'string' ? ` (${o.target})` : ''}`);
      else if (o.pass !== undefined && o.pass !== true) failures.push(`${name}: pass is ${JSON.stringify(o.pass)}, not a boolean`);
    }
    if (run.status !== 0) {
      const how = run.status ?? run.signal ?? 'unknown';
      failures.push(`${run.file}: exited with ${how}`);
      lines.push(JSON.stringify({ bench: run.file, error: `exited with ${how}` }));
    } else if (results === 0) {
      failures.push(`${run.file}: printed no result`);
    }
  }
  return { lines, failures, exitCode: failures.length > 0 ? 1 : 0 };
}
