// Handlers of the assist domain (model-assisted labelling): a run's predictions for samples (stored or inferred now)
// and the one-action batch fill.
import { fillEdits, fillablePoints } from '../../core/prediction-edits.js';
import { loadGrey } from '../../train/data.js';
import type * as tf from '@tensorflow/tfjs';
import { KpsError } from '../../core/errors.js';
import type { LabelledKeypoint } from '../../core/types.js';
import type { ProjectStore, RunRecord } from '../../store/types.js';
import type { AssistPrediction, FillBatchResult, KeypointEdit } from '../../api/ops.js';
import type { DomainModule, ServiceState } from '../context.js';
import { isPretrainedId } from '../../api/pretrained-id.js';
import { modelActor } from '../../core/provenance.js';
import { NEEDS_REVIEW_TAG } from '../../core/tags.js';

/** The tag a batch fill puts on the samples it changed, so the review queue walks them. */
export const DEFAULT_FILL_TAG = NEEDS_REVIEW_TAG;

/**
 * The edits that put a prediction into the missing keypoints of a sample: the one fill rule of core/prediction-edits.ts
 * (missing now, predicted finite, inside the image; rounded to 1/100 px like pointer edits), as the editor's ghosts.
 */
export function missingEdits(keypoints: readonly LabelledKeypoint[], coords: readonly number[], width: number, height: number): KeypointEdit[] {
  return fillEdits(fillablePoints(keypoints, coords, width, height));
}

type Models = ServiceState['models'];

/**
 * One loaded model at a time per service (the run the annotator has chosen), kept in the service's state; reloaded
 * when the run wrote a newer checkpoint.
 */
async function modelFor(models: Models, run: RunRecord): Promise<tf.LayersModel> {
  const key = `${run.id}|${run.epochs.length}|${run.status}|${run.endedAt ?? ''}`;
  const cached = models.get('assist') as { key: string; model: tf.LayersModel } | undefined;
  if (cached?.key === key) return cached.model;
  // Inference on this thread: use the fast backend, not tf's pure-JS default.
  await (await import('../../train/backend.js')).ensureBackend();
  const { loadRunModel } = await import('../../train/runs.js');
  const model = await loadRunModel(run);
  cached?.model.dispose();
  models.set('assist', { key, model });
  return model;
}


/**
 * Predictions of `runId` for the samples: stored ones first (training and evaluation store them for the samples they
 * saw), the rest inferred now with the run's best model on the same crop training uses. Label-only samples get none.
 */
export async function predictionsFor(models: Models, store: ProjectStore, runId: string, sampleIds: number[]): Promise<AssistPrediction[]> {
  if (isPretrainedId(runId)) {
    // The pretrained net (directly, or through the project's mapping): computed now, cached per sample for the session.
    const { pretrainedSampleCoords } = await import('../../train/pretrained/project.js');
    const coords = await pretrainedSampleCoords(store, sampleIds);
    return sampleIds.filter((id) => coords.has(id)).map((id) => ({ sampleId: id, coords: coords.get(id)!, source: 'computed' }));
  }
  const run = store.getRun(runId);
  const { givesConfidence } = await import('../../train/runs.js');
  // Stored predictions hold coordinates only: a heatmap model's are computed again, for the confidence that comes with them.
  const withConfidence = givesConfidence(run);
  const stored = new Map(withConfidence ? [] : store.getPredictions(runId, sampleIds).map((p) => [p.sampleId, p.coords]));
  const out = new Map<number, AssistPrediction>();
  const todo: number[] = [];
  for (const id of sampleIds) {
    const c = stored.get(id);
    if (c && c.some((v) => Number.isFinite(v))) out.set(id, { sampleId: id, coords: c, source: 'stored' });
    else todo.push(id);
  }
  if (todo.length > 0) {
    const [{ predictImages, runConfigOf }, { sampleCrop }] = await Promise.all([import('../../train/runs.js'), import('../../train/faces.js')]);
    const cfg = runConfigOf(run);
    const model = await modelFor(models, run);
    // In chunks, so thousands of file-backed photos are never all decoded at once.
    for (let i = 0; i < todo.length; i += 256) {
      const images: { id: number; pixels: Uint8Array; width: number; height: number; box: Awaited<ReturnType<typeof sampleCrop>> }[] = [];
      for (const id of todo.slice(i, i + 256)) {
        const s = store.getSample(id);
        const img = await loadGrey(store, id);
        if (!img) continue;
        // The crop training uses: the face-crop rule from the sample's stored face box (found now if missing), never its labels.
        images.push({ id, ...img, box: await sampleCrop(store, id, img.width, img.height, cfg.inputSize, cfg.cropMargin) });
      }
      const preds = await predictImages(run, store.schema, images, model);
      preds.forEach((p, j) =>
        out.set(images[j].id, {
          sampleId: images[j].id,
          coords: p.coords,
          source: 'computed',
          ...(p.confidence ? { confidence: p.confidence.map((c) => (Number.isFinite(c) ? c : null)) } : {}),
        }),
      );
    }
  }
  return sampleIds.filter((id) => out.has(id)).map((id) => out.get(id)!);
}

/**
 * Fills the missing keypoints of the samples from the run's predictions as one journal action, tagged `tag`. With
 * `minConfidence`, only keypoints the model is at least that sure of (a heatmap model's confidence); the rest stay
 * missing and are counted. The filled values are predicted, unconfirmed (provenance `model:<run id>`) until confirmed.
 */
export async function fillBatch(models: Models, store: ProjectStore, runId: string, sampleIds: number[], tag: string | null, minConfidence?: number): Promise<FillBatchResult> {
  if (minConfidence !== undefined) {
    const { givesConfidence } = await import('../../train/runs.js');
    if (isPretrainedId(runId) || !givesConfidence(store.getRun(runId))) {
      const what = isPretrainedId(runId) ? 'the pretrained net' : `run ${runId} (${store.getRun(runId).model})`;
      throw new KpsError('bad-input', `assist.fillBatch: ${what} gives no confidence per keypoint, so minConfidence cannot apply; fill without a threshold, or use a heatmap model (unet)`);
    }
  }
  const preds = new Map((await predictionsFor(models, store, runId, sampleIds)).map((p) => [p.sampleId, p]));
  const batch: { sampleId: number; edits: KeypointEdit[] }[] = [];
  let keypoints = 0;
  let below = 0;
  for (const id of sampleIds) {
    const p = preds.get(id);
    if (!p) continue;
    const s = store.getSample(id);
    const edits = missingEdits(s.keypoints, p.coords, s.width, s.height)
      .filter((e) => {
        if (minConfidence === undefined || (p.confidence?.[e.index] ?? 0) >= minConfidence) return true;
        below++;
        return false;
      })
      .map((e) => {
        // Stored to 1/10,000, as the threshold compared the exact value.
        const c = p.confidence?.[e.index];
        return typeof c === 'number' ? { ...e, confidence: Math.round(c * 1e4) / 1e4 } : e;
      });
    if (edits.length === 0) continue;
    batch.push({ sampleId: id, edits });
    keypoints += edits.length;
  }
  const threshold = minConfidence === undefined ? {} : { belowThreshold: below };
  if (batch.length === 0) return { actionId: null, samples: [], keypoints: 0, skipped: sampleIds.length, tag, ...threshold };
  const label = `Fill ${keypoints} keypoint${keypoints === 1 ? '' : 's'} of ${batch.length} sample${batch.length === 1 ? '' : 's'} from run ${runId}`;
  const { actionId } = store.setLabelsBatch(batch, modelActor(runId), label, { addTags: tag ? [tag] : [] });
  return { actionId, samples: batch.map((b) => b.sampleId), keypoints, skipped: sampleIds.length - batch.length, tag, ...threshold };
}

export function createHandlers(): DomainModule<'assist'> {
  return {
    handlers: {
      'assist.predict': async (req, ctx) => ({ runId: req.runId, items: await predictionsFor(ctx.state.models, ctx.store(), req.runId, req.sampleIds) }),
      'assist.fillBatch': async (req, ctx) => {
        const tag = req.tag === undefined ? DEFAULT_FILL_TAG : req.tag;
        const res = await fillBatch(ctx.state.models, ctx.store(), req.runId, req.sampleIds, tag, req.minConfidence);
        if (res.actionId !== null) ctx.changed(res.samples, res.tag ? `filled from run ${req.runId}, tagged ${res.tag}` : `filled from run ${req.runId}`);
        return res;
      },
    },
  };
}
