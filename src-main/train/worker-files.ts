// Where the training engine's worker threads start: from the sources in development (worker-boot.mjs loads the
// TypeScript through tsx), or from the bundle's own entries when electron-vite built the main process.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TrainWorkerKind = 'trainer' | 'parallel';

/** Entry names of the bundled workers (electron.config.ts builds them beside out/main/index.js). */
export const BUILT_WORKERS: Record<TrainWorkerKind, string> = { trainer: 'train-worker', parallel: 'train-parallel-worker' };
const SOURCE_WORKERS: Record<TrainWorkerKind, string> = { trainer: './worker', parallel: './parallel/worker' };

export interface WorkerStart {
  /** The file the Worker runs. */
  file: string;
  /** Its argv (the module the bootstrap loads, in development). */
  argv: string[];
}

/**
 * How to start a worker of this kind. KPS_WORKER_DIR names the folder of the bundled entries (the Electron main
 * process sets it to its own folder); without it the workers start from the sources beside this module.
 */
export function trainWorkerStart(kind: TrainWorkerKind): WorkerStart {
  const dir = process.env.KPS_WORKER_DIR;
  if (dir) {
    const file = join(dir, `${BUILT_WORKERS[kind]}.js`);
    if (!existsSync(file)) throw new Error(`KPS_WORKER_DIR is ${dir} but it has no ${BUILT_WORKERS[kind]}.js (build with npm run build)`);
    return { file, argv: [] };
  }
  return {
    file: fileURLToPath(new URL('./worker-boot.mjs', import.meta.url)),
    argv: [fileURLToPath(new URL(SOURCE_WORKERS[kind], import.meta.url))],
  };
}

/** Starts a worker thread of this kind (see trainWorkerStart), without the parent's execArgv. */
export function spawnTrainWorker(kind: TrainWorkerKind): Worker {
  const start = trainWorkerStart(kind);
  return new Worker(start.file, { execArgv: [], argv: start.argv });
}
