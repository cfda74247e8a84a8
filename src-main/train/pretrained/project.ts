// The pretrained 68-point net on a project: direct predictions for ibug-68, or through the mapping fitted on the project's labels.
import { KpsError } from '../../core/errors.js';
import type { ProjectStore } from '../../store/types.js';
import { loadMapping, saveMapping, type StoredMapping } from '../../store/mapping.js';
import type { PretrainedInfo } from '../../api/pretrained.js';
import { DIRECT_SCHEMA, predict68, sample68, type Face68 } from './face68.js';
import { PRETRAINED_ID, PRETRAINED_NAME } from '../../api/pretrained-id.js';
import { applyMapping, crossValidate, fitMapping, type MappingSample } from './mapping.js';
import type { PhotoInput } from '../infer/photo.js';

export type PretrainedStore = Pick<ProjectStore, 'path' | 'schema' | 'dataVersion' | 'sampleIds' | 'getSample' | 'getPixels' | 'getImagePath' | 'getExtra'>;

/** The project's layout is the net's own (ibug-68): it predicts with or without a mapping. */
export function isNative(store: Pick<ProjectStore, 'schema'>): boolean {
  return store.schema.id === DIRECT_SCHEMA && store.schema.keypoints.length === 68;
}

/** True when the pretrained net can predict for this project now (its own layout, or a mapping is stored). */
export function isReady(store: PretrainedStore): boolean {
  return isNative(store) || loadMapping(store) !== null;
}

export function pretrainedInfo(store: PretrainedStore): PretrainedInfo {
  const native = isNative(store);
  const m = loadMapping(store);
  return {
    id: PRETRAINED_ID,
    name: PRETRAINED_NAME,
    mode: m ? 'mapping' : 'direct',
    nativeLayout: native,
    ready: native || m !== null,
    mapping: m
      ? {
          fittedAt: m.fittedAt,
          samples: m.samples,
          noFace: m.noFace,
          keypoints: m.mapping.keypoints.filter((k) => k !== null).length,
          outliers: m.mapping.outliers.length,
          stale: m.dataVersion !== store.dataVersion(),
          heldOut: m.heldOut,
        }
      : null,
  };
}

/** The project's keypoints from the net's 68 points: through the stored mapping, else as they are (ibug-68 only). */
export function coordsFrom68(store: PretrainedStore, p68: readonly number[], mapping?: StoredMapping | null): number[] {
  const m = mapping === undefined ? loadMapping(store) : mapping;
  if (m) return applyMapping(m.mapping, p68);
  if (isNative(store)) return [...p68];
  if (!m) throw new KpsError('bad-input', `${store.path}: the pretrained net predicts 68 iBUG points; this project's layout is ${store.schema.id}: fit the pretrained mapping first (pretrained.fitMapping, or "Fit mapping" in the Train view)`);
  return applyMapping((m as StoredMapping).mapping, p68);
}

/** Labelled samples with pixels, at most `max` spread evenly over the project, in id order. */
function labelledIds(store: PretrainedStore, max: number): number[] {
  const ids = store.sampleIds({}).filter((id) => {
    const s = store.getSample(id);
    return s.image.kind !== 'none' && s.keypoints.some((k) => k.state !== 'missing' && Number.isFinite(k.x) && Number.isFinite(k.y));
  });
  if (ids.length <= max) return ids;
  return Array.from({ length: max }, (_, i) => ids[Math.floor((i * ids.length) / max)]);
}

export interface MappingProgress {
  onProgress?(message: string, done: number, total: number): void;
  signal?: AbortSignal;
}

/** The net's 68 points on the project's labelled samples, paired with their labels (samples without a detected face skipped). */
export async function mappingSamples(store: PretrainedStore, maxSamples: number, o: MappingProgress = {}): Promise<{ samples: MappingSample[]; noFace: number; considered: number }> {
  const ids = labelledIds(store, maxSamples);
  const samples: MappingSample[] = [];
  let noFace = 0;
  for (const [i, id] of ids.entries()) {
    if (o.signal?.aborted) throw new KpsError('cancelled', 'pretrained mapping cancelled');
    o.onProgress?.(`finding faces (${i + 1} of ${ids.length})`, i, ids.length);
    const f = await sample68(store, id);
    if (!f?.points) {
      noFace++;
      continue;
    }
    const s = store.getSample(id);
    const target: number[] = [];
    for (const k of s.keypoints) {
      const ok = k.state !== 'missing' && Number.isFinite(k.x) && Number.isFinite(k.y);
      target.push(ok ? k.x : NaN, ok ? k.y : NaN);
    }
    samples.push({ id, p68: f.points, target, group: s.groupId, box: f.box });
  }
  return { samples, noFace, considered: ids.length };
}

/** Fits the mapping on the project's labelled samples, measures it by k-fold held-out error, and stores it in the project. */
export async function fitProjectMapping(store: PretrainedStore & Pick<ProjectStore, 'setExtra'>, opts: { maxSamples?: number; folds?: number } & MappingProgress = {}): Promise<StoredMapping> {
  const max = opts.maxSamples ?? 300;
  if (!Number.isInteger(max) || max < 4) throw new KpsError('bad-input', `maxSamples must be an integer of at least 4, got ${max}`);
  const folds = opts.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2) throw new KpsError('bad-input', `folds must be an integer of at least 2, got ${folds}`);
  const dataVersion = store.dataVersion();
  const { samples, noFace } = await mappingSamples(store, max, opts);
  if (samples.length < 3) throw new KpsError('bad-input', `${store.path}: the pretrained mapping needs at least 3 labelled samples with a face the detector finds; found ${samples.length} (${noFace} without a face)`);
  opts.onProgress?.('fitting', samples.length, samples.length);
  const K = store.schema.keypoints.length;
  const mapping = fitMapping(samples, K);
  let heldOut: StoredMapping['heldOut'] = null;
  try {
    const cv = crossValidate(samples, store.schema, folds, 1, isNative(store));
    heldOut = { folds: cv.folds, samples: cv.samples, nme: cv.nme, meanShapeNme: cv.meanShapeNme, meanShapeBoxNme: cv.meanShapeBoxNme, directNme: cv.directNme };
  } catch (err) {
    // Too few faces or groups for folds: the map is still usable, its error is unknown.
    if (!(err instanceof KpsError)) throw err;
  }
  const stored: StoredMapping = { version: 1, model: 'face-api-68', schemaId: store.schema.id, keypoints: K, fittedAt: new Date().toISOString(), dataVersion, samples: samples.length, noFace, heldOut, mapping };
  saveMapping(store, stored);
  return stored;
}

/** The pretrained prediction for stored samples (label-only samples and faces the detector misses get none). */
export async function pretrainedSampleCoords(store: PretrainedStore, sampleIds: readonly number[]): Promise<Map<number, number[]>> {
  const mapping = loadMapping(store);
  // Fail before running the net on anything.
  if (!isNative(store) && !mapping) coordsFrom68(store, new Array(136).fill(0), null);
  const out = new Map<number, number[]>();
  for (const id of sampleIds) {
    const f = await sample68(store, id);
    if (f?.points) out.set(id, coordsFrom68(store, f.points, mapping));
  }
  return out;
}

/** The pretrained prediction for a photo: its 68 points through the detector, and the project's keypoints from them. */
export async function pretrainedPhotoCoords(store: PretrainedStore, photo: PhotoInput, faceIndex?: number): Promise<{ face68: Face68; coords: number[] | null }> {
  if (!isReady(store)) coordsFrom68(store, new Array(136).fill(0), null);
  const face68 = await predict68(photo, faceIndex === undefined ? {} : { faceIndex });
  return { face68, coords: face68.points ? coordsFrom68(store, face68.points) : null };
}

/**
 * Predictions for label QC that never saw the sample's labels: the net itself on ibug-68 (it was not trained on the
 * project), else the mapping's k-fold held-out predictions (each face mapped by a fit without it or its group).
 */
export async function pretrainedHeldOut(store: PretrainedStore, o: MappingProgress & { maxSamples?: number } = {}): Promise<{ predictions: Map<number, number[]>; note: string }> {
  if (isNative(store) && !loadMapping(store)) {
    const ids = labelledIds(store, o.maxSamples ?? Number.MAX_SAFE_INTEGER);
    const predictions = new Map<number, number[]>();
    for (const [i, id] of ids.entries()) {
      if (o.signal?.aborted) throw new KpsError('cancelled', 'qc cancelled');
      o.onProgress?.(`pretrained net (${i + 1} of ${ids.length})`, i, ids.length);
      const f = await sample68(store, id);
      if (f?.points) predictions.set(id, f.points);
    }
    return { predictions, note: `model evidence from the pretrained face-api 68-point net (never trained on this project) for the ${predictions.size} samples it found a face on` };
  }
  const { samples } = await mappingSamples(store, o.maxSamples ?? Number.MAX_SAFE_INTEGER, o);
  const cv = crossValidate(samples, store.schema, 5);
  return { predictions: cv.predictions, note: `model evidence from the pretrained net through its mapping, held out by ${cv.folds}-fold cross-validation (held-out NME ${(100 * cv.nme).toFixed(2)}%) for ${cv.predictions.size} samples` };
}
