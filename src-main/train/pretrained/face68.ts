// The pretrained 68-point landmark net of @vladmandic/face-api (weights in the npm package) as a model a user can pick:
// found through the same face detector as `kps predict` (infer/detect.ts), then face-api's FaceLandmark68Net on the box.
import { KpsError } from '../../core/errors.js';
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
  getSample(id: number): { width: number; height: number; image: { kind: string } };
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

/** The net's 68 points on a stored sample (cached); null for samples without pixels. */
export async function sample68(store: SampleImageSource, id: number): Promise<Face68 | null> {
  const key = `${store.path}#${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const photo = await samplePhoto(store, id);
  if (!photo) return null;
  let res = await predict68(photo);
  // A photo of several people: the sample is the face stored with it (photo.add with a face), not the best-scoring one.
  const stored = res.boxes.length > 1 ? store.getFaces?.([id]).find((f) => f.found && f.box)?.box : undefined;
  if (stored) {
    const best = res.boxes.map((b) => overlap(b, stored)).reduce((bi, v, i, all) => (v > all[bi] ? i : bi), 0);
    if (best !== res.faceIndex) res = await predict68(photo, { faceIndex: best });
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, res);
  return res;
}

/** Intersection over union of two boxes. */
function overlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): number {
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
