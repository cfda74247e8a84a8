// The generic job runner as the domain modules use it: kinds registered with a service's runner, progress,
// pause/resume, cancel, results and errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { KpsError } from '../../../src-main/core/errors.js';
import { Service } from '../../../src-main/service/service.js';
import type { JobStatus } from '../../../src-main/api/ops.js';
import { fakeDeps, tempDir } from './fakes.js';

let tmp: ReturnType<typeof tempDir>;
let service: Service;

beforeEach(() => {
  tmp = tempDir();
  service = new Service({ mode: 'web', deps: fakeDeps() });
});
afterEach(async () => {
  await service.shutdown();
  tmp.cleanup();
});

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('job runner', () => {
  it('runs a registered kind with params, progress detail and a result', async () => {
    service.jobs.registerKind<{ steps: number }, { sum: number }>('count', async (p, ctx) => {
      let sum = 0;
      for (let i = 1; i <= p.steps; i++) {
        await ctx.checkpoint();
        sum += i;
        ctx.progress(i, p.steps, `step ${i}`, { sum });
      }
      return { sum };
    });
    const progress: JobStatus[] = [];
    service.on('job.progress', (s) => progress.push(s));
    const { jobId } = service.startJob('count', { steps: 10 });
    const final = await service.call('job.wait', { jobId });
    expect(final).toMatchObject({ kind: 'count', state: 'done', done: 10, total: 10, result: { sum: 55 } });
    // The last step is always reported (throttling never hides completion).
    expect(progress.at(-1)).toMatchObject({ done: 10, total: 10, message: 'step 10' });
  });

  it('throttles a tight loop of progress reports but never drops a milestone', async () => {
    service.jobs.registerKind<{ epochs: number }, null>('epochs', async (p, ctx) => {
      for (let e = 1; e <= p.epochs; e++) {
        for (let step = 0; step < 50; step++) ctx.progress(step, 0, `epoch ${e} step ${step}`);
        ctx.progress(e, 0, `epoch ${e} done`, { epochDone: e }, true);
      }
      return null;
    });
    const progress: JobStatus[] = [];
    service.on('job.progress', (s) => progress.push(s));
    const { jobId } = service.startJob('epochs', { epochs: 5 });
    await service.call('job.wait', { jobId });
    const mine = progress.filter((s) => s.jobId === jobId);
    // 250 step reports within a few milliseconds are throttled to a handful...
    expect(mine.filter((s) => /step/.test(s.message)).length).toBeLessThan(50);
    // ...while every epoch's milestone arrives, in order.
    const done = mine.map((s) => (s as { detail?: { epochDone?: number } }).detail?.epochDone).filter((e) => e !== undefined);
    expect([...new Set(done)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('pauses at a checkpoint and resumes', async () => {
    let step = 0;
    service.jobs.registerKind('loop', async (_p, ctx) => {
      for (; step < 1000; step++) {
        await ctx.checkpoint();
        await tick(1);
      }
      return step;
    });
    const { jobId } = service.startJob('loop', {});
    await tick(20);
    expect((await service.call('job.pause', { jobId })).state).toBe('paused');
    await tick(10);
    const frozen = step;
    await tick(40);
    expect(step).toBe(frozen);
    expect((await service.call('job.resume', { jobId })).state).toBe('running');
    await tick(40);
    expect(step).toBeGreaterThan(frozen);
    const cancelled = await service.call('job.cancel', { jobId });
    expect(cancelled.state).toBe('cancelled');
    await expect(service.call('job.pause', { jobId })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('job.wait with timeoutMs returns the running status as a long poll', async () => {
    service.jobs.registerKind('slow', async (_p, ctx) => {
      for (let i = 0; i < 100; i++) {
        await ctx.checkpoint();
        await tick(5);
      }
      return 'finished';
    });
    const { jobId } = service.startJob('slow', {});
    const t0 = Date.now();
    const polled = await service.call('job.wait', { jobId, timeoutMs: 30 });
    expect(Date.now() - t0).toBeLessThan(400);
    expect(polled.state).toBe('running');
    const final = await service.call('job.wait', { jobId });
    expect(final).toMatchObject({ state: 'done', result: 'finished' });
    await expect(service.callUnknown('job.wait', { jobId, timeoutMs: -1 })).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('cancels a paused job', async () => {
    service.jobs.registerKind('wait', async (_p, ctx) => {
      for (;;) {
        await ctx.checkpoint();
        await tick(2);
      }
    });
    const { jobId } = service.startJob('wait', {});
    await tick(10);
    await service.call('job.pause', { jobId });
    expect((await service.call('job.cancel', { jobId })).state).toBe('cancelled');
  });

  it('a job that throws a KpsError ends failed with its shape; unknown ids and kinds are errors', async () => {
    service.jobs.registerKind('boom', async () => {
      throw new KpsError('bad-input', 'model "x" is unknown');
    });
    const { jobId } = service.startJob('boom', {});
    const final = await service.call('job.wait', { jobId });
    expect(final).toMatchObject({ state: 'failed', error: { code: 'bad-input', message: 'model "x" is unknown' } });
    await expect(service.call('job.get', { jobId: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    expect(() => service.startJob('never-registered', {})).toThrow(/unknown job kind/);
  });

  it('a job can read the open project through ctx.store()', async () => {
    service.jobs.registerKind('count-samples', async (_p, ctx) => ctx.store().sampleCount());
    const { jobId } = service.startJob('count-samples', {});
    expect(await service.call('job.wait', { jobId })).toMatchObject({ state: 'failed', error: { code: 'no-project' } });
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    const again = service.startJob('count-samples', {});
    expect(await service.call('job.wait', again)).toMatchObject({ state: 'done', result: 0 });
  });
});

describe('job kinds per service', () => {
  it('a kind registered with one service is unknown to another (no module-level registry)', async () => {
    service.jobs.registerKind('mine', async () => 'done');
    const other = new Service({ mode: 'web', deps: fakeDeps() });
    try {
      expect(() => other.startJob('mine', {})).toThrow(/unknown job kind "mine"/);
      const { jobId } = service.startJob('mine', {});
      expect(await service.call('job.wait', { jobId })).toMatchObject({ state: 'done', result: 'done' });
    } finally {
      await other.shutdown();
    }
  });
});
