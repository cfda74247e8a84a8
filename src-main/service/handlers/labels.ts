// Handlers of the labels domain: statistics, sample lists and details, label edits and confirmations, tags, splits,
// deletes, and undo/redo through the project's journal.
import { coordinateProblem } from '../../core/coordinates.js';
import { KpsError } from '../../core/errors.js';
import type { DomainModule } from '../context.js';

export function createHandlers(): DomainModule<'labels'> {
  return {
    handlers: {
      'stats.get': (_req, ctx) => ctx.store().stats(),
      'samples.list': (req, ctx) => ctx.store().listSamples(req),
      'samples.ids': (req, ctx) => ({ ids: ctx.store().sampleIds(req) }),
      'sample.get': (req, ctx) => ctx.store().getSample(req.id),
      'sample.history': (req, ctx) => ctx.store().history(req.id),

      'labels.set': (req, ctx) => {
        const store = ctx.store();
        if (req.project !== undefined && req.project !== store.path) {
          throw new KpsError('conflict', `${req.project}: this edit of sample ${req.sampleId} belongs to that project, but ${store.path} is open; nothing was written`, { file: req.project });
        }
        const n = store.schema.keypoints.length;
        const sample = store.getSample(req.sampleId);
        req.edits.forEach((e, i) => {
          if (e.index >= n) throw new KpsError('bad-input', `labels.set: keypoint index ${e.index} is out of range (the schema has ${n})`);
          // The same margin as the importers (core/coordinates.ts): one wild value would poison the statistics.
          const problem = e.state === 'missing' ? null : coordinateProblem(e.x, e.y, sample.width, sample.height);
          if (problem) throw new KpsError('bad-input', `labels.set: edits[${i}] (keypoint ${store.schema.keypoints[e.index].name} of sample ${req.sampleId}): ${problem}`);
        });
        const res = store.setLabels(req.sampleId, req.edits, req.actor ?? ctx.actor, req.label, req.mergeInto);
        ctx.changed([req.sampleId], 'labels');
        return res;
      },
      'labels.confirm': (req, ctx) => {
        const res = ctx.store().confirmPredicted(req.ids ?? null, req.actor ?? ctx.actor, req.keypoints);
        if (res.actionId !== null) ctx.changed(res.samples, 'labels');
        return res;
      },
      'samples.tag': (req, ctx) => {
        const res = ctx.store().tagSamples(req.ids, req.add ?? [], req.remove ?? [], req.actor ?? ctx.actor);
        if (res.actionId !== null) ctx.changed(req.ids, 'tag');
        return res;
      },
      'samples.setSplit': (req, ctx) => {
        const res = ctx.store().setSplit(req.ids, req.split, req.actor ?? ctx.actor);
        if (res.actionId !== null) ctx.changed(req.ids, 'split');
        return res;
      },
      'samples.delete': (req, ctx) => {
        const res = ctx.store().deleteSamples(req.ids, req.actor ?? ctx.actor);
        if (res.actionId !== null) ctx.changed(req.ids, 'delete');
        return res;
      },
      'history.undo': (_req, ctx) => {
        const res = ctx.store().undo();
        if (res.actionId !== null) ctx.changed(res.sampleIds, 'undo');
        return res;
      },
      'history.redo': (_req, ctx) => {
        const res = ctx.store().redo();
        if (res.actionId !== null) ctx.changed(res.sampleIds, 'redo');
        return res;
      },
    },
  };
}
