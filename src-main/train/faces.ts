// Finds the face of every photo sample that lacks one (once per image, stored in the project) with the crop rule's detector.
import { KpsError } from '../core/errors.js';
import type { ProjectStore } from '../store/types.js';
import type { StoredFace } from '../store/faces.js';
import { FACE_CROP_RULE, type FaceBoxLike } from './facecrop.js';
import type { FaceDetection } from './infer/detect.js';
import type { PhotoInput } from './infer/photo.js';

/** The detector and threshold as the store records them: a result from another setting is looked for again. */
export const FACE_DETECTOR_KEY = `${FACE_CROP_RULE.detector}@${FACE_CROP_RULE.minScore}`;

export type FaceSource = Pick<ProjectStore, 'sampleIds' | 'getSample' | 'getPixels' | 'getImagePath' | 'getFaces' | 'saveFaces'>;

export interface EnsureFacesOptions {
  /** Model input side: images no larger on both sides are used whole and need no face (default 96). */
  inputSize?: number;
  /** Only these samples (default: every live sample). */
  sampleIds?: number[];
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

export interface EnsureFacesResult {
  /** Samples looked at now (the rest had a stored result or need none). */
  detected: number;
  found: number;
  none: number;
  /** Mean detection time per image in milliseconds (decoding included), null when none ran. */
  meanMs: number | null;
}

/**
 * A face in a photo by the rule's detector (what ensureFaces stores and `kps predict` crops with): the best one, or the
 * `faceIndex`-th in score order for a photo of several people; null with the reason when none is found.
 */
export async function detectRuleFace(input: PhotoInput, faceIndex?: number): Promise<{ face: (FaceBoxLike & { score: number }) | null; reason: string | null; ms: number; detection: FaceDetection }> {
  const { detectFaces, checkFaceIndex } = await import('./infer/detect.js');
  const t0 = performance.now();
  const d = await detectFaces(input, { detector: FACE_CROP_RULE.detector, minScore: FACE_CROP_RULE.minScore, landmarks: false });
  const ms = performance.now() - t0;
  const f = d.faces[checkFaceIndex(faceIndex, d.faces.length, d.source)];
  return { face: f ? { x: f.x, y: f.y, width: f.width, height: f.height, score: f.score } : null, reason: f ? null : (d.fallback?.reason ?? 'no face found'), ms, detection: d };
}

/** The stored box of each sample with a face found by the rule's detector; null for "looked, none found"; absent when not looked at. */
export function storedFaceBoxes(source: Pick<ProjectStore, 'getFaces'>, sampleIds?: number[]): Map<number, FaceBoxLike | null> {
  const out = new Map<number, FaceBoxLike | null>();
  for (const f of source.getFaces(sampleIds)) if (f.detector === FACE_DETECTOR_KEY) out.set(f.sampleId, f.found ? f.box : null);
  return out;
}

/**
 * Runs the detector on the samples whose image is larger than the model input and that have no result from the
 * rule's detector yet, and stores each result as it goes (in batches of 16), so a cancelled job keeps what it found.
 */
export async function ensureFaces(store: FaceSource, opts: EnsureFacesOptions = {}): Promise<EnsureFacesResult> {
  const S = opts.inputSize ?? 96;
  const ids = opts.sampleIds ?? store.sampleIds({});
  const have = storedFaceBoxes(store, ids);
  const todo: number[] = [];
  for (const id of ids) {
    if (have.has(id)) continue;
    const s = store.getSample(id);
    if (s.image.kind === 'none' || !FACE_CROP_RULE.needsFace(s.width, s.height, S)) continue;
    todo.push(id);
  }
  const result: EnsureFacesResult = { detected: 0, found: 0, none: 0, meanMs: null };
  if (todo.length === 0) return result;
  let pending: StoredFace[] = [];
  let totalMs = 0;
  const flush = () => {
    if (pending.length > 0) store.saveFaces(pending);
    pending = [];
  };
  try {
    for (const id of todo) {
      if (opts.signal?.aborted) throw new KpsError('cancelled', 'cancelled while finding faces');
      const s = store.getSample(id);
      const path = store.getImagePath(id);
      const pixels = path ? null : store.getPixels(id);
      if (!path && !pixels) continue;
      const input = path ?? { data: pixels as Uint8Array, width: s.width, height: s.height, channels: 1 as const, source: `sample ${id}` };
      const { face, reason, ms } = await detectRuleFace(input);
      totalMs += ms;
      pending.push({ sampleId: id, detector: FACE_DETECTOR_KEY, found: face !== null, box: face, reason, ms, detectedAt: new Date().toISOString() });
      result.detected += 1;
      if (face) result.found += 1;
      else result.none += 1;
      if (pending.length >= 16) flush();
      opts.progress?.(result.detected, todo.length);
    }
  } finally {
    flush();
  }
  result.meanMs = result.detected > 0 ? totalMs / result.detected : null;
  return result;
}

/**
 * A stored sample's crop by the rule, for prediction outside training (assisted fill, heatmaps): the sample's face is
 * looked for first when it has no stored result. Labels play no part.
 */
export async function sampleCrop(store: FaceSource, sampleId: number, width: number, height: number, inputSize: number, margin?: number): Promise<ReturnType<typeof FACE_CROP_RULE.cropBox>> {
  if (!FACE_CROP_RULE.needsFace(width, height, inputSize)) return FACE_CROP_RULE.cropBox(width, height, null, inputSize, margin);
  await ensureFaces(store, { inputSize, sampleIds: [sampleId] });
  const faces = storedFaceBoxes(store, [sampleId]);
  return FACE_CROP_RULE.cropBox(width, height, faces.get(sampleId) ?? null, inputSize, margin);
}
