// `kps bench-train --model <name> [--batch N] [--steps N] [--workers N] [--json]`: training and inference samples/s on random 96x96 data.
import type { Command } from 'commander';
import { KpsError } from '../../core/errors.js';
import { DEFAULT_MODEL, MODEL_NAMES, runBenchTrain } from '../../service/bench-train.js';
import { action, printJson, type CliCommand } from '../context.js';

function int(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new KpsError('bad-input', `${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

interface Opts {
  model: string;
  batch: number;
  steps: number;
  workers?: number;
  backend?: string;
  json?: boolean;
}

export const benchTrainCommand: CliCommand = {
  name: 'bench-train',
  register(program: Command) {
    program
      .command('bench-train')
      .description('training and inference samples/s of a model on random 96x96 data')
      .option('--model <name>', `one of ${MODEL_NAMES.join(', ')}`, DEFAULT_MODEL)
      .option('--batch <N>', 'batch size', int('--batch'), 64)
      .option('--steps <N>', 'timed training steps (after one warm-up step)', int('--steps'), 5)
      .option('--workers <N>', 'training worker threads (default: as kps train, one per core up to 4 on WebAssembly; 1 = no workers)', int('--workers'))
      .option('--backend <name>', 'auto, tensorflow-gpu, tensorflow, wasm or cpu (default: auto)')
      .option('--json', 'print one JSON object')
      .action(
        action(async (opts: Opts) => {
          const tty = process.stderr.isTTY === true && !opts.json;
          const r = await runBenchTrain({
            model: opts.model,
            batch: opts.batch,
            steps: opts.steps,
            ...(opts.workers === undefined ? {} : { workers: opts.workers }),
            ...(opts.backend === undefined ? {} : { backend: opts.backend }),
            onStep: tty ? (done, total, ms) => process.stderr.write(`\rstep ${done}/${total}: ${ms.toFixed(0)} ms   `) : undefined,
          });
          if (tty) process.stderr.write('\n');
          if (opts.json) {
            printJson(r);
            return;
          }
          process.stdout.write(
            `${r.model} (${r.params.toLocaleString('en')} parameters), batch ${r.batch}, ${r.input}x${r.input}, ${r.workers} worker(s)\n` +
              `backend: ${r.backend_reason}\n` +
              `train: ${r.train_samples_per_s.toFixed(1)} samples/s (median step ${r.train_step_ms_median.toFixed(0)} ms over ${r.steps} steps)\n` +
              `infer: ${r.infer_samples_per_s.toFixed(1)} samples/s (median batch ${r.infer_batch_ms_median.toFixed(0)} ms)\n`,
          );
        }),
      );
  },
};
