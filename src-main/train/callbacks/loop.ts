// The training loop: epochs of steps, with callbacks at fixed points (control, time limit, divergence, early stop,
// checkpoints, progress). What a step and an epoch's validation do is the body's business (trainer.ts).
import type { EpochEnd, StepReport, TrainCallback, Verdict } from './types.js';

export interface LoopBody<M extends { best?: boolean }> {
  /** 0-based: where a resumed run continues. */
  firstEpoch: number;
  epochs: number;
  steps: number;
  /** Sets the epoch up (optimiser phase, shuffled order) before its first step. */
  beginEpoch(epoch: number): void;
  /** Runs one training step (forward, backward, update). */
  step(epoch: number, step: number): Promise<StepReport>;
  /** Validates and records the epoch; called only when at least one of its steps ran. */
  endEpoch(epoch: number, partial: boolean): Promise<EpochEnd<M>>;
}

export interface LoopResult {
  stopReason: string;
  cancelled: boolean;
}

export async function runLoop<M extends { best?: boolean }>(body: LoopBody<M>, callbacks: TrainCallback<M>[]): Promise<LoopResult> {
  let stopReason = 'completed all epochs';
  for (let epoch = body.firstEpoch; epoch < body.epochs; epoch++) {
    body.beginEpoch(epoch);
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
    let halt: Verdict = undefined;
    let ran = 0;
    for (let step = 0; step < body.steps; step++) {
      // Asked in order, one at a time: a stop skips the callbacks after it.
      for (const cb of callbacks) if ((halt = (await cb.beforeStep?.({ epoch, step })) || undefined)) break;
      if (halt) break;
      const report = await body.step(epoch, step);
      ran += 1;
      for (const cb of callbacks) await cb.afterStep?.(report);
    }
    if (halt) stopReason = halt.stop;
    if (ran === 0) return { stopReason, cancelled: halt?.cancelled === true };
    const end = await body.endEpoch(epoch, halt !== undefined);
    // Every callback sees the epoch (checkpoint, progress); the first stop in list order is the reason.
    let verdict: Verdict = undefined;
    for (const cb of callbacks) {
      const v = (await cb.onEpochEnd?.(end)) || undefined;
      verdict ??= v;
    }
    if (halt) return { stopReason, cancelled: halt.cancelled === true };
    if (verdict) return { stopReason: verdict.stop, cancelled: false };
  }
  return { stopReason, cancelled: false };
}
