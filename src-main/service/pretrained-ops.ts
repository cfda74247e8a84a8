// The pretrained start (issue 8 item 4): pretrained.info, and pretrained.fitMapping as a job of kind `pretrained-mapping`.
// Predictions themselves go through the ops that take a run (assist.*, photo.*, qc.run) with runId PRETRAINED_ID.
import { KpsError } from '../core/errors.js';
import { registerJobKind, type JobRunContext } from './jobs.js';
import { registerOp } from './registry.js';
import type { FitMappingRequest, PretrainedInfo } from '../api/pretrained.js';

/** What a finished `pretrained-mapping` job returns: the project's pretrained info with the new mapping. */
export type FitMappingResult = PretrainedInfo;

async function fitJob(p: FitMappingRequest, ctx: JobRunContext): Promise<FitMappingResult> {
  const store = ctx.store();
  const { fitProjectMapping, pretrainedInfo } = await import('../train/pretrained/project.js');
  await fitProjectMapping(store, {
    maxSamples: p.maxSamples,
    folds: p.folds,
    signal: ctx.signal,
    onProgress: (message, done, total) => ctx.progress(done, total, message),
  });
  return pretrainedInfo(store);
}

function optInt(v: unknown, name: string, op: string, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < min)) throw new KpsError('bad-input', `${op}: ${name} must be an integer of at least ${min}, got ${JSON.stringify(v)}`);
}

/** Registers pretrained.info, pretrained.fitMapping, pretrained.deleteMapping and the job kind; idempotent. */
export function registerPretrainedOps(): void {
  registerJobKind<FitMappingRequest, FitMappingResult>('pretrained-mapping', fitJob);
  registerOp('pretrained.info', async (_req, ctx) => {
    const { pretrainedInfo } = await import('../train/pretrained/project.js');
    return pretrainedInfo(ctx.store());
  });
  registerOp(
    'pretrained.fitMapping',
    (req, ctx) => {
      ctx.store();
      return ctx.startJob('pretrained-mapping', req);
    },
    (r, op) => {
      optInt(r.maxSamples, 'maxSamples', op, 4);
      optInt(r.folds, 'folds', op, 2);
    },
  );
  registerOp('pretrained.deleteMapping', async (_req, ctx) => {
    const store = ctx.store();
    const [{ deleteMapping }, { pretrainedInfo }] = await Promise.all([import('../store/mapping.js'), import('../train/pretrained/project.js')]);
    deleteMapping(store);
    return pretrainedInfo(store);
  });
}

registerPretrainedOps();
