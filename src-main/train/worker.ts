// Worker-thread entry: initialises a backend, runs one training job, streams progress back, obeys pause/resume/cancel.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../core/errors.js';
import type { HostToWorker, WorkerToHost } from './host.js';
import { runTraining } from './trainer.js';

if (!parentPort) throw new Error('train/worker.ts must run in a worker thread');
const port = parentPort;
let control: 'run' | 'pause' | 'cancel' = 'run';
let wake: (() => void) | null = null;

function send(msg: WorkerToHost): void {
  port.postMessage(msg);
}

port.on('message', (msg: HostToWorker) => {
  if (msg.type === 'control') {
    control = msg.state;
    wake?.();
    wake = null;
    return;
  }
  void (async () => {
    try {
      const { initBackend } = await import('./backend.js');
      const info = await initBackend(msg.backend);
      send({ type: 'backend', info });
      const outcome = await runTraining(msg.job, {
        progress: (p) => send({ type: 'progress', progress: p }),
        epoch: (e) => send({ type: 'epoch', epoch: e }),
        control: () => control,
        waitForControl: () => new Promise<void>((r) => (wake = r)),
      });
      const transfer = outcome.predictions ? [outcome.predictions.coords.buffer as ArrayBuffer] : [];
      port.postMessage({ type: 'done', outcome } satisfies WorkerToHost, transfer);
    } catch (err) {
      send({ type: 'error', error: toErrorShape(err) });
    }
  })();
});
