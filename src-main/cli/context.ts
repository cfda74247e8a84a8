// Shared plumbing of the `kps` commands: the service, one-line errors, progress bars, JSON output.
import type { SingleBar } from 'cli-progress';
import { KpsError } from '../core/errors.js';
import type { JobStatus, ServiceErrorShape } from '../api/ops.js';
import type { Service } from '../service/service.js';

/** A command module: adds itself to the program. The list lives in commands/index.ts. */
export interface CliCommand {
  name: string;
  register(program: import('commander').Command): void;
}

/** Open a service (web mode, like `kps serve`), run `fn`, then close the project cleanly whatever happens. */
export async function withService<T>(fn: (service: Service) => Promise<T>): Promise<T> {
  // Loaded on first use: `kps --help` and argument errors never load the store, the formats or sharp.
  const { Service } = await import('../service/service.js');
  const service = await Service.create({ mode: 'web', actor: 'cli' });
  try {
    return await fn(service);
  } finally {
    await service.shutdown();
  }
}

export async function openProject(service: Service, path: string): Promise<void> {
  await service.call('project.open', { path });
}

/**
 * For commands that only read (stats, export): a read-only open, which takes no lock and so works while the app or
 * `kps serve` has the project open. A project from an older version must be upgraded first, which needs a normal
 * (locking) open: that is tried when the read-only open refuses, and its error is the one shown.
 */
export async function openProjectToRead(service: Service, path: string): Promise<void> {
  try {
    await service.call('project.open', { path, readOnly: true });
  } catch (err) {
    if (!(err instanceof KpsError) || err.code !== 'conflict') throw err;
    await service.call('project.open', { path });
  }
}

function errorFromShape(shape: ServiceErrorShape): KpsError {
  return new KpsError(shape.code, shape.message, { file: shape.file, record: shape.record });
}

/**
 * Wait for a job, with a progress bar on stderr when it is a terminal (never in pipes or tests).
 * Ctrl-C cancels the job (so an import writes nothing) before exiting. Throws the job's error when it fails.
 */
export async function waitForJob(service: Service, jobId: string, label: string): Promise<JobStatus> {
  const tty = process.stderr.isTTY === true;
  // The bar's module loads only for a terminal (it is not needed for --help, pipes or tests).
  const Bar = tty ? (await import('cli-progress')).SingleBar : null;
  let bar: SingleBar | null = null;
  const off = service.on('job.progress', (s) => {
    if (!Bar || s.jobId !== jobId) return;
    if (!bar && s.total > 0) {
      bar = new Bar({
        stream: process.stderr,
        // Counts are shown for records; byte totals (reading a big CSV) show only the percentage.
        format: (options, params, payload: { message?: string }) => {
          const width = options.barsize ?? 40;
          const filled = Math.round(params.progress * width);
          const counts = params.total < 1_000_000 ? ` ${params.value}/${params.total}` : '';
          return `${label} [${'='.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(params.progress * 100)}%${counts} ${payload.message ?? ''}`;
        },
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(s.total, s.done, { message: s.message });
    } else if (bar) {
      bar.setTotal(s.total);
      bar.update(s.done, { message: s.message });
    }
  });
  const onSigint = () => {
    process.stderr.write('\nkps: cancelling...\n');
    void service.call('job.cancel', { jobId });
  };
  process.once('SIGINT', onSigint);
  try {
    const final = await service.call('job.wait', { jobId });
    if (final.state === 'failed') throw errorFromShape(final.error ?? { code: 'internal', message: 'job failed' });
    if (final.state === 'cancelled') throw new KpsError('cancelled', `${label} cancelled`);
    return final;
  } finally {
    process.off('SIGINT', onSigint);
    off();
    (bar as SingleBar | null)?.stop();
  }
}

/** The one-line error every command prints on failure. */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `kps: error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

/** Wrap a command action: errors become one line on stderr and a non-zero exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(errorLine(err) + '\n');
      process.exitCode = err instanceof KpsError && err.code === 'cancelled' ? 130 : 1;
    }
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
