// Handlers of the pretrained domain (issue 8 item 4): pretrained.info, pretrained.deleteMapping, and
// pretrained.fitMapping as a job of kind `pretrained-mapping`. Predictions themselves go through the ops that take a
// run (assist.*, photo.*, qc.run) with runId PRETRAINED_ID.
import type { JobRunContext } from '../jobs.js';
import type { DomainModule } from '../context.js';
import type { FitMappingRequest, PretrainedInfo } from '../../api/pretrained.js';

/** What a finished `pretrained-mapping` job returns: the project's pretrained info with the new mapping. */
export type FitMappingResult = PretrainedInfo;

async function fitJob(p: FitMappingRequest, job: JobRunContext): Promise<FitMappingResult> {
  const store = job.store();
  const { fitProjectMapping, pretrainedInfo } = await import('../../train/pretrained/project.js');
  await fitProjectMapping(store, {
    maxSamples: p.maxSamples,
    folds: p.folds,
    signal: job.signal,
    onProgress: (message, done, total) => job.progress(done, total, message),
  });
  return pretrainedInfo(store);
}

export function createHandlers(): DomainModule<'pretrained'> {
  return {
    jobKinds: { 'pretrained-mapping': fitJob },
    handlers: {
      'pretrained.info': async (_req, ctx) => {
        const { pretrainedInfo } = await import('../../train/pretrained/project.js');
        return pretrainedInfo(ctx.store());
      },
      'pretrained.fitMapping': (req, ctx) => {
        ctx.store();
        return ctx.startJob('pretrained-mapping', req);
      },
      'pretrained.deleteMapping': async (_req, ctx) => {
        const store = ctx.store();
        const [{ deleteMapping }, { pretrainedInfo }] = await Promise.all([import('../../store/mapping.js'), import('../../train/pretrained/project.js')]);
        deleteMapping(store);
        return pretrainedInfo(store);
      },
    },
  };
}
