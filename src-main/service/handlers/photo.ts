// Handlers of the photo domain: a user's own photos, predicted one at a time (photo.predict) or as a folder job of
// kind `predict` (photo.predictBatch, also `kps predict`), uploaded and added to the project.
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../../core/errors.js';
import { kaggleAddWarning } from '../../formats/kaggle-fit.js';
import type { Keypoint, KeypointSchema } from '../../core/types.js';
import { PREDICTION_COORDINATES, type PredictedImage, type PredictionsFile } from '../../core/predictions.js';
import type { ProjectStore, RunRecord } from '../../store/types.js';
import type { DomainModule } from '../context.js';
import { modelActor } from '../../core/provenance.js';
import { PRETRAINED_ID, isPretrainedId } from '../../api/pretrained-id.js';
import type { JobRunContext } from '../jobs.js';
import { loadRunModel, predictCrops, runConfigOf } from '../../train/runs.js';
import { decodeGrey, uprightSize } from '../../imaging/grey.js';
import { cropResize } from '../../train/data.js';
import { FACE_CROP_RULE } from '../../train/facecrop.js';
import type { PhotoPrediction } from '../../api/train-photo.js';

async function ensureBackend(): Promise<void> {
  // Inference on this thread: use the fast backend, not tf's pure-JS default.
  await (await import('../../train/backend.js')).ensureBackend();
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new KpsError('bad-input', `${what} must be a non-empty string`);
  return v;
}

function photoPath(v: unknown): string {
  const path = resolve(str(v, 'path'));
  if (!existsSync(path) || !statSync(path).isFile()) throw new KpsError('not-found', `${path}: no such photo`, { file: path });
  return path;
}


type Infer = typeof import('../../train/infer/index.js');

/** One photo predicted with a loaded run model, or only framed (no run): the record of a predictions file and how it was cropped. */
export interface PhotoResult {
  photo: { width: number; height: number };
  /** Null when the whole image was the crop. */
  prepared: import('../../train/infer/index.js').PreparedPhoto | null;
  coords: number[] | null;
  record: PredictedImage;
}

/**
 * The one photo path of `kps predict`, the `predict` job (the Photos view's folder prediction) and photo.predict:
 * a face-sized image (the run's input size) or `detect: false` uses the whole image; otherwise the face is found and
 * cropped by the one crop rule (infer.preparePhoto); the model's points are mapped back to photo pixels.
 */
export async function predictPhotoFile(
  infer: Infer,
  schema: KeypointSchema,
  file: string,
  withRun: { run: RunRecord; model: tf.LayersModel } | null,
  detect: boolean,
  faceIndex?: number,
): Promise<PhotoResult> {
  const size = withRun ? runConfigOf(withRun.run).inputSize : 96;
  const photo = await infer.loadPhoto(file);
  if (withRun && detect && usesFaceCropRule(withRun.run) && FACE_CROP_RULE.needsFace(photo.width, photo.height, size)) return predictByRule(infer, schema, file, photo, withRun, faceIndex);
  const whole = !detect || (photo.width === size && photo.height === size);
  const prepared = whole ? null : await infer.preparePhoto(photo, { size, ...(faceIndex !== undefined ? { faceIndex } : {}) });
  const crop = prepared ? prepared.crop : infer.cropForModel(photo, { cx: photo.width / 2 - 0.5, cy: photo.height / 2 - 0.5, side: Math.max(photo.width, photo.height) }, size);
  const coords = withRun ? infer.mapBack(predictCrops(withRun.run, schema.keypoints.length, withRun.model, [crop.pixels])[0], crop.transform) : null;
  const keypoints = coords ? schema.keypoints.map((k, i) => ({ name: k.name, x: coords[2 * i], y: coords[2 * i + 1] })).filter((k) => Number.isFinite(k.x) && Number.isFinite(k.y)) : [];
  const f = prepared?.face;
  // The detector box (without its own 68 landmarks, which are not the model's prediction).
  const face = f ? { x: f.x, y: f.y, width: f.width, height: f.height, score: f.score } : null;
  const record: PredictedImage = {
    file,
    width: photo.width,
    height: photo.height,
    face,
    usedFallback: prepared?.usedFallback ?? false,
    ...(prepared?.fallbackReason ? { fallbackReason: prepared.fallbackReason } : {}),
    keypoints,
  };
  return { photo, prepared, coords, record };
}

/** Runs trained since the face-crop rule (train/facecrop.ts) record its id; older runs were trained on landmark-box crops. */
function usesFaceCropRule(run: RunRecord): boolean {
  return runConfigOf(run).faceCrop === FACE_CROP_RULE.id;
}

/**
 * A photo predicted as training and evaluation crop it: the rule's detector box (train/faces.ts detectRuleFace), the
 * rule's crop (FACE_CROP_RULE.cropBox, the whole-image fallback when no face is found) and the same grey decoding and
 * resampling (imaging/grey.ts decodeGrey, cropResize inside predictImages). The photo, the detector's box and the grey
 * pixels are all upright by the EXIF orientation, so an EXIF-rotated phone photo predicts in the frame a viewer shows.
 */
async function predictByRule(infer: Infer, schema: KeypointSchema, file: string, photo: import('../../train/infer/index.js').PhotoImage, withRun: { run: RunRecord; model: tf.LayersModel }, faceIndex?: number): Promise<PhotoResult> {
  const { detectRuleFace } = await import('../../train/faces.js');
  const { predictImages } = await import('../../train/runs.js');
  const size = runConfigOf(withRun.run).inputSize;
  const found = await detectRuleFace(photo, faceIndex);
  const grey = await decodeGrey(file, { what: 'the photo' });
  if (grey.width !== photo.width || grey.height !== photo.height) {
    // Both decodings apply the EXIF orientation; differing sizes would mean the file changed between the two reads.
    throw new KpsError('conflict', `${file}: the photo decoded as ${photo.width} x ${photo.height} in colour but ${grey.width} x ${grey.height} in grey; did the file change?`, { file });
  }
  const [pred] = await predictImages(withRun.run, schema, [{ ...grey, face: found.face }], withRun.model);
  const coords = pred.coords;
  const box = pred.box;
  const square = { cx: box.x0 + box.side / 2 - 0.5, cy: box.y0 + box.side / 2 - 0.5, side: box.side };
  const x = new Float32Array(size * size);
  cropResize(grey.pixels, grey.width, grey.height, box, size, x, 0);
  const fallbackBox = { x: -0.5, y: -0.5, width: photo.width, height: photo.height, score: 0 };
  const prepared: import('../../train/infer/index.js').PreparedPhoto = {
    width: photo.width,
    height: photo.height,
    detection: found.detection,
    face: found.face ?? fallbackBox,
    placement: found.face ? 'box' : 'fallback',
    usedFallback: found.face === null,
    ...(found.reason ? { fallbackReason: `${found.reason}; cropped ${FACE_CROP_RULE.fallback}` } : {}),
    crop: { pixels: x, size, transform: infer.cropTransform(square, size, photo.width, photo.height) },
  };
  const keypoints = schema.keypoints.map((k, i) => ({ name: k.name, x: coords[2 * i], y: coords[2 * i + 1] })).filter((k) => Number.isFinite(k.x) && Number.isFinite(k.y));
  const record: PredictedImage = {
    file,
    width: photo.width,
    height: photo.height,
    face: found.face,
    usedFallback: prepared.usedFallback,
    ...(prepared.fallbackReason ? { fallbackReason: prepared.fallbackReason } : {}),
    keypoints,
  };
  return { photo, prepared, coords, record };
}

function predictionsFile(run: RunRecord, schema: KeypointSchema, images: PredictedImage[]): PredictionsFile {
  return { run: run.id, schema: schema.id, coordinates: PREDICTION_COORDINATES, images };
}

/** One photo through the pretrained net (the detector's best face, its 68 points, mapped to the layout unless ibug-68). */
async function pretrainedPhotoRecord(store: ProjectStore, file: string, faceIndex?: number): Promise<{ photo: { width: number; height: number }; coords: number[] | null; record: PredictedImage; detector: string; faces: FaceBoxOut[] }> {
  const [{ loadPhoto }, { pretrainedPhotoCoords }] = await Promise.all([import('../../train/infer/index.js'), import('../../train/pretrained/project.js')]);
  const photo = await loadPhoto(file);
  await ensureBackend();
  const { face68, coords } = await pretrainedPhotoCoords(store, photo, faceIndex);
  const b = face68.box;
  const keypoints = coords ? store.schema.keypoints.map((k, i) => ({ name: k.name, x: coords[2 * i], y: coords[2 * i + 1] })).filter((k) => Number.isFinite(k.x) && Number.isFinite(k.y)) : [];
  const record: PredictedImage = {
    file,
    width: photo.width,
    height: photo.height,
    face: b ? { x: b.x, y: b.y, width: b.width, height: b.height, score: b.score } : null,
    // No face: the net has nothing to look at, so nothing is predicted (no centred-square guess).
    usedFallback: !b,
    ...(b ? {} : { fallbackReason: face68.reason ?? 'no face found' }),
    keypoints,
  };
  return { photo, coords, record, detector: b ? 'ssd-mobilenetv1' : 'none', faces: face68.boxes.map(boxOut) };
}

type FaceBoxOut = PhotoPrediction['faces'][number];
const boxOut = (f: FaceBoxOut): FaceBoxOut => ({ x: f.x, y: f.y, width: f.width, height: f.height, score: f.score });

function pretrainedFile(store: ProjectStore, images: PredictedImage[]): PredictionsFile {
  return { run: PRETRAINED_ID, schema: store.schema.id, coordinates: PREDICTION_COORDINATES, images };
}

/** The photo as the Photos view shows it: size, and a JPEG data URL scaled so its longer side is at most 800 px. */
async function photoPreview(path: string, photo: { width: number; height: number }): Promise<Pick<PhotoPrediction, 'width' | 'height' | 'imageUrl' | 'scale'>> {
  const scale = Math.min(1, 800 / Math.max(photo.width, photo.height));
  const jpeg = await sharp(path).rotate().resize(Math.round(photo.width * scale), Math.round(photo.height * scale)).jpeg({ quality: 85 }).toBuffer();
  return { width: photo.width, height: photo.height, imageUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}`, scale };
}

async function pretrainedPhotoPredict(store: ProjectStore, path: string, faceIndex?: number): Promise<PhotoPrediction> {
  const { photo, coords, record, detector, faces } = await pretrainedPhotoRecord(store, path, faceIndex);
  const f = record.face ?? { x: -0.5, y: -0.5, width: photo.width, height: photo.height, score: 0 };
  return {
    path,
    ...(await photoPreview(path, photo)),
    face: f,
    faces,
    faceIndex: faceIndex ?? 0,
    placement: record.face ? 'box' : 'fallback',
    usedFallback: record.usedFallback,
    fallbackReason: record.fallbackReason ?? null,
    detector,
    coords: coords ?? store.schema.keypoints.flatMap(() => [NaN, NaN]),
    runId: PRETRAINED_ID,
    predictions: pretrainedFile(store, [record]),
  };
}

export async function photoPredict(store: ProjectStore, path: string, runId: string | undefined, faceIndex?: number): Promise<PhotoPrediction> {
  if (isPretrainedId(runId)) return pretrainedPhotoPredict(store, path, faceIndex);
  const infer = await import('../../train/infer/index.js');
  const run = runId ? store.getRun(runId) : null;
  await ensureBackend();
  const model = run ? await loadRunModel(run) : null;
  let res: PhotoResult;
  try {
    res = await predictPhotoFile(infer, store.schema, path, run && model ? { run, model } : null, true, faceIndex);
  } finally {
    model?.dispose();
  }
  const { photo, prepared, coords } = res;
  const f = prepared?.face ?? { x: -0.5, y: -0.5, width: photo.width, height: photo.height, score: 0 };
  return {
    path,
    ...(await photoPreview(path, photo)),
    face: { x: f.x, y: f.y, width: f.width, height: f.height, score: f.score },
    faces: (prepared?.detection.faces ?? []).map(boxOut),
    faceIndex: faceIndex ?? 0,
    placement: prepared?.placement ?? 'whole',
    usedFallback: prepared?.usedFallback ?? false,
    fallbackReason: prepared?.fallbackReason ?? null,
    detector: prepared?.detection.detector ?? 'none (face-sized image)',
    coords,
    runId: run?.id ?? null,
    predictions: run ? predictionsFile(run, store.schema, [res.record]) : null,
  };
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);

/** Image files of the given files and folders (a folder's images sorted by name, not recursive). */
export async function expandImages(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new KpsError('not-found', `${abs}: no such file or folder`, { file: abs });
    }
    if (st.isDirectory()) {
      const names = (await readdir(abs)).filter((n) => IMAGE_EXT.has(extname(n).toLowerCase())).sort();
      out.push(...names.map((n) => join(abs, n)));
    } else out.push(abs);
  }
  if (out.length === 0) throw new KpsError('bad-input', `no image files in ${paths.join(', ')}`);
  return out;
}

interface PredictJobParams {
  files: string[];
  runId: string;
  detect: boolean;
  allFaces?: boolean;
}

async function predictJob(p: PredictJobParams, ctx: JobRunContext): Promise<PredictionsFile> {
  const store = ctx.store();
  if (isPretrainedId(p.runId)) {
    const images: PredictedImage[] = [];
    for (const [i, file] of p.files.entries()) {
      await ctx.checkpoint();
      ctx.progress(i, p.files.length, basename(file));
      const first = await pretrainedPhotoRecord(store, file);
      images.push(p.allFaces ? { ...first.record, faceIndex: 0 } : first.record);
      for (let f = 1; p.allFaces && f < first.faces.length; f++) images.push({ ...(await pretrainedPhotoRecord(store, file, f)).record, faceIndex: f });
    }
    ctx.progress(p.files.length, p.files.length, 'done');
    return pretrainedFile(store, images);
  }
  const run = store.getRun(p.runId);
  const infer = await import('../../train/infer/index.js');
  await ensureBackend();
  const model = await loadRunModel(run);
  const images: PredictedImage[] = [];
  try {
    for (const [i, file] of p.files.entries()) {
      await ctx.checkpoint();
      ctx.progress(i, p.files.length, basename(file));
      const first = await predictPhotoFile(infer, store.schema, file, { run, model }, p.detect);
      images.push(p.allFaces ? { ...first.record, faceIndex: 0 } : first.record);
      const found = first.prepared?.detection.faces.length ?? 0;
      for (let f = 1; p.allFaces && f < found; f++) images.push({ ...(await predictPhotoFile(infer, store.schema, file, { run, model }, p.detect, f)).record, faceIndex: f });
    }
  } finally {
    model.dispose();
  }
  ctx.progress(p.files.length, p.files.length, 'done');
  return predictionsFile(run, store.schema, images);
}

export function createHandlers(): DomainModule<'photo'> {
  return {
    jobKinds: { predict: predictJob },
    handlers: {
      'photo.predict': async (req, ctx) => {
        const store = ctx.store();
        const path = photoPath(req.path);
        return photoPredict(store, path, req.runId, req.faceIndex);
      },

      'photo.predictBatch': async (req, ctx) => {
        const store = ctx.store();
        // The run and the files are checked before the job starts: a wrong id or path fails here, named.
        const runId = req.runId;
        if (isPretrainedId(runId)) {
          if (req.detect === false) throw new KpsError('bad-input', 'photo.predictBatch: the pretrained net always finds the face (detect: false is for runs)');
          const { isReady } = await import('../../train/pretrained/project.js');
          if (!isReady(store)) throw new KpsError('bad-input', `the pretrained net predicts 68 iBUG points; this project's layout is ${store.schema.id}: fit the pretrained mapping first`);
        }
        const run = isPretrainedId(runId) ? null : store.getRun(runId);
        const files = await expandImages(req.paths);
        return ctx.startJob('predict', { files, runId: run?.id ?? runId, detect: req.detect ?? true, ...(req.allFaces ? { allFaces: true } : {}) } satisfies PredictJobParams);
      },

      'photo.upload': async (req, ctx) => {
        const store = ctx.store();
        const name = req.name;
        if (typeof req.data !== 'string' || req.data.length === 0) throw new KpsError('bad-input', `${name}: data must be the photo's bytes in base64`, { file: name });
        const bytes = Buffer.from(req.data, 'base64');
        // Check that it decodes before keeping it: a dropped text file must not land in the photos folder.
        await sharp(bytes).metadata().catch((err: Error) => {
          throw new KpsError('bad-input', `${name}: cannot read the photo (${err.message.split('\n')[0]})`, { file: name });
        });
        // Photos dropped in a browser have no path on the service's machine: keep a copy beside the project file.
        const folder = join(dirname(store.path), `${basename(store.path, extname(store.path))}-photos`);
        await mkdir(folder, { recursive: true });
        const safe = basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80) || 'photo';
        const path = join(folder, `${Date.now()}-${safe}`);
        await writeFile(path, bytes);
        return { path };
      },

      'photo.add': async (req, ctx) => {
        const store = ctx.store();
        const path = photoPath(req.path);
        // The stored size is the upright one (EXIF orientations 5-8 swap width and height), as every decode sees it.
        const { width, height, channels } = await uprightSize(path, 'the photo');
        const K = store.schema.keypoints.length;
        const choice = req.face;
        // A chosen face (or each face): found now with the crop rule's detector and stored with its sample, so training
        // and prediction crop that face, not the best-scoring one of the photo.
        let faces: { index: number; box: FaceBoxOut; ms: number }[] | null = null;
        if (choice !== undefined) {
          const { detectRuleFace } = await import('../../train/faces.js');
          const { checkFaceIndex } = await import('../../train/infer/detect.js');
          const found = await detectRuleFace(path);
          const all = found.detection.faces;
          if (choice === 'each' && all.length === 0) throw new KpsError('bad-input', `${path}: no face found (${found.reason ?? 'none'}); add the photo without choosing a face`, { file: path });
          const indices = choice === 'each' ? all.map((_, i) => i) : [checkFaceIndex(choice, all.length, path)];
          faces = indices.map((index) => ({ index, box: boxOut(all[index]), ms: found.ms }));
        }
        const targets = faces ?? [null];
        const keypoints = (): Keypoint[] => Array.from({ length: K }, () => ({ x: NaN, y: NaN, state: 'missing' }) as Keypoint);
        const { firstId } = store.importSamples(
          targets.map((f) => ({ source: path, record: f ? f.index + 1 : 1, image: { kind: 'file' as const, path, width, height, channels }, groupId: null, keypoints: keypoints() })),
      'annotator:photo',
        );
        const sampleIds = targets.map((_, i) => firstId + i);
        if (faces) {
          const { FACE_DETECTOR_KEY } = await import('../../train/faces.js');
          const at = new Date().toISOString();
          store.saveFaces(faces.map((f, i) => ({ sampleId: sampleIds[i], detector: FACE_DETECTOR_KEY, found: true, box: f.box, reason: null, ms: f.ms, detectedAt: at })));
        }
        let prefilled = 0;
        if (req.prefillRunId !== undefined) {
          for (const [i, id] of sampleIds.entries()) {
            const pred = await photoPredict(store, path, req.prefillRunId, faces ? faces[i].index : undefined);
            const edits = [];
            for (let k = 0; k < K; k++) {
              const px = pred.coords![2 * k];
              const py = pred.coords![2 * k + 1];
              if (Number.isFinite(px) && Number.isFinite(py)) edits.push({ index: k, x: px, y: py, state: 'labelled' as const });
            }
            if (edits.length > 0) store.setLabels(id, edits, modelActor(pred.runId!), `predictions of run ${pred.runId}`);
            prefilled += edits.length;
          }
        }
        ctx.emit('dataset.changed', { sampleIds, reason: 'photo added' });
        const warning = kaggleAddWarning(store.schema, sampleIds.map((id) => ({ width, height, source: path, id })));
        return { sampleId: firstId, sampleIds, prefilled, ...(warning ? { warning } : {}) };
      },
    },
  };
}
