// Handlers of the jobs domain: job.get, job.list, job.cancel, job.pause, job.resume and job.wait, for every kind of job.
import type { DomainModule } from '../context.js';

export function createHandlers(): DomainModule<'jobs'> {
  return {
    handlers: {
      'job.get': (req, ctx) => ctx.jobs.get(req.jobId),
      'job.list': (_req, ctx) => ctx.jobs.list(),
      'job.cancel': (req, ctx) => ctx.jobs.cancel(req.jobId),
      'job.pause': (req, ctx) => ctx.jobs.pause(req.jobId),
      'job.resume': (req, ctx) => ctx.jobs.resume(req.jobId),
      'job.wait': (req, ctx) => ctx.jobs.wait(req.jobId, req.timeoutMs),
    },
  };
}
