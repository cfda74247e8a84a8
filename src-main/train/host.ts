// Runs a training job in a worker thread (so the main process never blocks), or in-process for tests and fallbacks.
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';
import type { ServiceErrorShape } from '../api/ops.js';
import type { BackendInfo, BackendPreference } from './backend.js';
import { spawnTrainWorker } from './worker-files.js';
import { runTraining, type EpochMetrics, type TrainJob, type TrainOutcome, type TrainProgress } from './trainer.js';

export type HostToWorker = { type: 'start'; job: TrainJob; backend: BackendPreference } | { type: 'control'; state: 'run' | 'pause' | 'cancel' };

export type WorkerToHost =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; epoch: EpochMetrics }
  | { type: 'done'; outcome: TrainOutcome }
  | { type: 'error'; error: ServiceErrorShape };

export interface TrainHandle {
  /** Resolves with the backend once the worker has chosen it. */
  backend: Promise<BackendInfo>;
  result: Promise<TrainOutcome>;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Ends the thread at once, as a crash would: the run keeps its last checkpoint (tests of crash and resume use this). */
  kill(): Promise<void>;
}

export interface HostHooks {
  onProgress?(p: TrainProgress): void;
  onEpoch?(e: EpochMetrics): void;
}

/**
 * Starts a job. In a worker thread by default; `inProcess` (or KPS_TRAIN_IN_PROCESS=1) runs it on this thread,
 * which still yields between steps but cannot use a different backend from the caller's.
 */
export function startTrainingJob(job: TrainJob, hooks: HostHooks = {}, opts: { backend?: BackendPreference; inProcess?: boolean } = {}): TrainHandle {
  const backendPref = opts.backend ?? 'auto';
  if (opts.inProcess ?? process.env.KPS_TRAIN_IN_PROCESS === '1') return startInProcess(job, hooks, backendPref);
  const worker = spawnTrainWorker('trainer');
  let resolveBackend!: (b: BackendInfo) => void;
  let rejectBackend!: (e: unknown) => void;
  const backend = new Promise<BackendInfo>((res, rej) => {
    resolveBackend = res;
    rejectBackend = rej;
  });
  backend.catch(() => undefined);
  let settled = false;
  const result = new Promise<TrainOutcome>((resolve, reject) => {
    worker.on('message', (msg: WorkerToHost) => {
      switch (msg.type) {
        case 'backend':
          resolveBackend(msg.info);
          break;
        case 'progress':
          hooks.onProgress?.(msg.progress);
          break;
        case 'epoch':
          hooks.onEpoch?.(msg.epoch);
          break;
        case 'done':
          settled = true;
          resolve(msg.outcome);
          void worker.terminate();
          break;
        case 'error':
          settled = true;
          rejectBackend(new KpsError(msg.error.code, msg.error.message));
          reject(new KpsError(msg.error.code, msg.error.message, { file: msg.error.file, record: msg.error.record }));
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (err) => {
      settled = true;
      rejectBackend(err);
      reject(new KpsError('internal', `training worker crashed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      const err = new KpsError('internal', `training worker stopped unexpectedly (exit code ${code}); the run can resume from its last checkpoint`);
      rejectBackend(err);
      reject(err);
    });
  });
  const transfer = [job.data.images.buffer, job.data.targets.buffer, job.data.truthPx.buffer, job.data.boxes.buffer, ...(job.data.context ? [job.data.context.images.buffer] : [])] as ArrayBuffer[];
  worker.postMessage({ type: 'start', job, backend: backendPref } satisfies HostToWorker, transfer);
  const control = (state: 'run' | 'pause' | 'cancel') => worker.postMessage({ type: 'control', state } satisfies HostToWorker);
  return {
    backend,
    result,
    pause: () => control('pause'),
    resume: () => control('run'),
    cancel: () => control('cancel'),
    kill: async () => {
      await worker.terminate();
    },
  };
}

function startInProcess(job: TrainJob, hooks: HostHooks, backendPref: BackendPreference): TrainHandle {
  let state: 'run' | 'pause' | 'cancel' = 'run';
  let killed = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const backend = (async () => {
    const { initBackend, currentBackend } = await import('./backend.js');
    // In-process runs share the caller's tf: keep a backend the caller already chose (tests pick 'cpu').
    const chosen = currentBackend();
    if (chosen) return chosen;
    const active = (tf.engine() as unknown as { backendName?: string | null }).backendName;
    if (active) return { name: active as BackendInfo['name'], reason: `${active}: already active in this process` };
    return initBackend(backendPref);
  })();
  const result = backend.then(() =>
    runTraining(job, {
      progress: (p) => hooks.onProgress?.(p),
      epoch: (e) => hooks.onEpoch?.(e),
      control: () => {
        if (killed) throw new KpsError('internal', 'training stopped unexpectedly (killed); the run can resume from its last checkpoint');
        return state;
      },
      waitForControl: () => new Promise<void>((r) => (wake = r)),
    }),
  );
  return {
    backend,
    result,
    pause: () => {
      state = 'pause';
    },
    resume: () => {
      state = 'run';
      poke();
    },
    cancel: () => {
      state = 'cancel';
      poke();
    },
    kill: async () => {
      killed = true;
      poke();
      await result.catch(() => undefined);
    },
  };
}
