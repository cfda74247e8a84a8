// The pretrained 68-point landmark net of @vladmandic/face-api (weights in the npm package) as a model a user can pick:
// found through the same face detector as `kps predict` (infer/detect.ts), then face-api's FaceLandmark68Net on the box.
import { KpsError } from '../../core/errors.js';
import { labelledBounds } from '../../core/geometry.js';
import { checkFaceIndex, detectFaces, type DetectOptions, type FaceBox } from '../infer/detect.js';
import { loadPhoto, type PhotoImage, type PhotoInput } from '../infer/photo.js';

export { PRETRAINED_ID, PRETRAINED_NAME, isPretrainedId } from '../../api/pretrained-id.js';

/** The schema the net predicts directly (its own 68 points, as face68 keeps them); every other layout goes through a fitted mapping (mapping.ts). */
export { FACE68_SCHEMA as DIRECT_SCHEMA } from '../models/face68.js';

/** What the net found on one photo. */
export interface Face68 {
  /** Flat [x0, y0, ...] of the 68 iBUG points in photo pixels (project convention), or null when no face was found. */
  points: number[] | null;
  /** The detector box the points were found in (best score), or null. */
  box: FaceBox | null;
  /** Faces the detector found. */
  faces: number;
  /** Every face the detector found (best score first), without landmarks: the one used is `boxes[faceIndex]`. */
  boxes: FaceBox[];
  /** Which face the points belong to. */
  faceIndex: number;
  /** Why there are no points (no face found, or the detector could not load). */
  reason?: string;
  ms: number;
}

/**
 * Runs the detector and the landmark net on a photo: the best-scoring face's 68 points, by face-api's own
 * detectAllFaces().withFaceLandmarks() (infer/detect.ts). Measured on lfpw-train, this beat running the net on the exact
 * detector box (6.3% against 6.6% NME on 41 faces): face-api floors the box, which partly offsets the net's own lean up and left.
 */
export function predict68(input: PhotoInput, opts: Omit<DetectOptions, 'landmarks'> & { faceIndex?: number } = {}): Promise<Face68> {
  // One at a time: detect.ts loads the nets on first use without a guard, and calls that overlap that first load find
  // no face (8 lfpw-train photos at once, cold: 7 came back empty; once loaded, overlapping calls agree exactly).
  const run = queue.then(() => predict68Now(input, opts));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let queue: Promise<void> = Promise.resolve();

async function predict68Now(input: PhotoInput, opts: Omit<DetectOptions, 'landmarks'> & { faceIndex?: number }): Promise<Face68> {
  const t0 = performance.now();
  const { faceIndex: asked, ...detectOpts } = opts;
  const det = await detectFaces(input, { ...detectOpts, landmarks: true });
  const faceIndex = checkFaceIndex(asked, det.faces.length, det.source);
  const best = det.faces[faceIndex];
  const ms = performance.now() - t0;
  const boxes = det.faces.map(({ landmarks: _l, ...b }) => b);
  if (!best || !best.landmarks || best.landmarks.length !== 68) return { points: null, box: null, faces: det.faces.length, boxes, faceIndex, reason: det.fallback?.reason ?? 'no landmarks found', ms };
  const points: number[] = [];
  for (const p of best.landmarks) points.push(p.x, p.y);
  const { landmarks: _omit, ...box } = best;
  return { points, box, faces: det.faces.length, boxes, faceIndex, ms };
}

/** The parts of a project store the net needs to read a sample's image. */
export interface SampleImageSource {
  readonly path: string;
  getSample(id: number): { width: number; height: number; image: { kind: string }; keypoints: readonly { x: number; y: number; state: string }[] };
  getPixels(id: number): Uint8Array | null;
  getImagePath(id: number): string | null;
  /** Stored detector results (a sample of one face of a group photo stores that face). */
  getFaces?(sampleIds?: number[]): { sampleId: number; found: boolean; box: { x: number; y: number; width: number; height: number } | null }[];
}

/** A stored sample's image as a photo (embedded grey pixels, or its file in colour); null for label-only samples. */
export async function samplePhoto(store: SampleImageSource, id: number): Promise<PhotoImage | null> {
  const s = store.getSample(id);
  const pixels = store.getPixels(id);
  if (pixels) {
    if (pixels.length !== s.width * s.height) throw new KpsError('bad-input', `sample ${id}: ${pixels.length} pixels stored for a ${s.width} x ${s.height} image`);
    return { data: pixels, width: s.width, height: s.height, channels: 1, source: `sample ${id}` };
  }
  const file = store.getImagePath(id);
  return file ? loadPhoto(file) : null;
}

/** Per project file and sample: the net's answer, kept for the session (a sample's image does not change). */
const cache = new Map<string, Face68>();
const CACHE_MAX = 50_000;

/** An axis-aligned box in photo pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function remember(key: string, res: Face68): Face68 {
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, res);
  return res;
}

/**
 * The net's 68 points on a stored sample (cached); null for samples without pixels. In a photo of several people the
 * face is the one stored with the sample (photo.add with a face), else the one that overlaps the box of the sample's
 * own labels most (a sample imported from .pts or COCO stores no face, and the detector's best-scoring face may be
 * someone in the background), else the best-scoring one. The labels are read only for a photo of several faces, and
 * only choose among the detector's faces: the crop the net sees is that face's detector box, never the labels.
 */
export async function sample68(store: SampleImageSource, id: number): Promise<Face68 | null> {
  const key = `${store.path}#${id}`;
  let res = cache.get(key);
  let photo: PhotoImage | null = null;
  if (!res) {
    photo = await samplePhoto(store, id);
    if (!photo) return null;
    res = remember(key, await predict68(photo));
  }
  if (res.boxes.length < 2) return res;
  const target = store.getFaces?.([id]).find((f) => f.found && f.box)?.box ?? labelledBox(store.getSample(id).keypoints);
  if (!target) return res;
  const scores = res.boxes.map((b) => overlap(b, target));
  const best = scores.reduce((bi, v, i) => (v > scores[bi] ? i : bi), 0);
  if (best === res.faceIndex || !(scores[best] > 0)) return res;
  const chosen = cache.get(`${key}@${best}`);
  if (chosen) return chosen;
  photo ??= await samplePhoto(store, id);
  if (!photo) return null;
  return remember(`${key}@${best}`, await predict68(photo, { faceIndex: best }));
}

/** The box of a sample's labelled keypoints, or null with fewer than two or no extent. */
export function labelledBox(keypoints: readonly { x: number; y: number; state: string }[]): Box | null {
  const b = labelledBounds(keypoints);
  return b && b.count >= 2 && b.width > 0 && b.height > 0 ? { x: b.x, y: b.y, width: b.width, height: b.height } : null;
}

/** Intersection over union of two boxes. */
function overlap(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter || 1);
}

/** Forgets the cached answers of one project (or all). */
export function clearSample68Cache(projectPath?: string): void {
  if (!projectPath) return cache.clear();
  for (const k of [...cache.keys()]) if (k.startsWith(`${projectPath}#`)) cache.delete(k);
}
