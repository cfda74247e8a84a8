// Service operations for the training UI (train/runs/compare/photo views): model choices, first-layer filters, heatmaps, own photos.
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';
import type { Keypoint } from '../core/types.js';
import type { ProjectStore, RunRecord } from '../store/types.js';
import { registerOp } from './service.js';
import { DEFAULT_CONFIG } from '../train/config.js';
import { MODEL_INFO, MODEL_NAMES, withHeatmapOutput } from '../train/models/index.js';
import { OPTIMIZER_NAMES } from '../train/optim.js';
import { LOSS_NAMES } from '../train/losses.js';
import { AUGMENT_PRESET_NAMES } from '../augment/params.js';
import { loadRunModel, predictCrops, runConfigOf } from '../train/runs.js';
import { cropBoxFor, cropResize } from '../train/data.js';
import type { ConvFilter, PhotoPrediction, RunFilters, RunHeatmap } from './ui-types.js';

async function ensureBackend(): Promise<void> {
  // Inference on this thread: use the fast backend, not tf's pure-JS default.
  const { currentBackend, initBackend } = await import('../train/backend.js');
  if (!currentBackend()) await initBackend();
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

/** Grey pixels of a stored sample (embedded, or its image file read with sharp). */
async function samplePixels(store: ProjectStore, sampleId: number): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const s = store.getSample(sampleId);
  const embedded = store.getPixels(sampleId);
  if (embedded) return { pixels: embedded, width: s.width, height: s.height };
  const path = store.getImagePath(sampleId);
  if (!path) throw new KpsError('bad-input', `sample ${sampleId} has no pixels (labels only)`);
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
}

/** The first layer with a 4-D kernel (conv2d) in the model's order. */
export function firstConvFilters(model: tf.LayersModel, runId: string): RunFilters {
  for (const layer of model.layers) {
    const w = layer.getWeights()[0];
    if (!w || w.rank !== 4) continue;
    const [kh, kw, cin, cout] = w.shape;
    const data = w.dataSync();
    const filters: ConvFilter[] = [];
    for (let o = 0; o < cout; o++) {
      const values = new Array<number>(kh * kw).fill(0);
      // Kernel layout [kh, kw, in, out]; colour inputs are summed (the models take one grey channel).
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) values[y * kw + x] += data[((y * kw + x) * cin + c) * cout + o];
      filters.push({ width: kw, height: kh, values });
    }
    return { runId, layer: layer.name, filters };
  }
  throw new KpsError('not-found', `run ${runId}: the model has no convolution layer`);
}

async function runModel(store: ProjectStore, id: string): Promise<{ run: RunRecord; model: tf.LayersModel }> {
  const run = store.getRun(str(id, 'id'));
  await ensureBackend();
  return { run, model: await loadRunModel(run) };
}

export async function photoPredict(store: ProjectStore, path: string, runId: string | undefined): Promise<PhotoPrediction> {
  const infer = await import('../train/infer/index.js');
  const run = runId ? store.getRun(runId) : null;
  const size = run ? runConfigOf(run).inputSize : 96;
  await ensureBackend();
  const photo = await infer.loadPhoto(path);
  const prepared = await infer.preparePhoto(photo, { size });
  let coords: number[] | null = null;
  if (run) {
    const model = await loadRunModel(run);
    try {
      const [modelCoords] = predictCrops(run, store.schema.keypoints.length, model, [prepared.crop.pixels]);
      coords = infer.mapBack(modelCoords, prepared.crop.transform);
    } finally {
      model.dispose();
    }
  }
  const scale = Math.min(1, 800 / Math.max(photo.width, photo.height));
  const jpeg = await sharp(path).rotate().resize(Math.round(photo.width * scale), Math.round(photo.height * scale)).jpeg({ quality: 85 }).toBuffer();
  const f = prepared.face;
  return {
    path,
    width: photo.width,
    height: photo.height,
    imageUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
    scale,
    face: { x: f.x, y: f.y, width: f.width, height: f.height, score: f.score },
    placement: prepared.placement,
    usedFallback: prepared.usedFallback,
    fallbackReason: prepared.fallbackReason ?? null,
    detector: prepared.detection.detector,
    coords,
    runId: run?.id ?? null,
  };
}

export function registerUiOps(): void {
  registerOp('train.options', () => ({
    models: MODEL_NAMES.map((n) => ({ ...MODEL_INFO[n] })),
    defaults: { ...DEFAULT_CONFIG },
    optimizers: [...OPTIMIZER_NAMES],
    losses: [...LOSS_NAMES],
    augmentPresets: [...AUGMENT_PRESET_NAMES],
  }));

  registerOp('runs.filters', async (req, ctx) => {
    const { run, model } = await runModel(ctx.store(), req.id);
    try {
      return firstConvFilters(model, run.id);
    } finally {
      model.dispose();
    }
  });

  registerOp('runs.heatmap', async (req, ctx): Promise<RunHeatmap> => {
    const store = ctx.store();
    if (!Number.isInteger(req.sampleId)) throw new KpsError('bad-input', 'runs.heatmap: sampleId must be a sample id');
    const run = store.getRun(str(req.id, 'id'));
    if (!MODEL_INFO[run.model as keyof typeof MODEL_INFO]?.heatmaps) throw new KpsError('bad-input', `run ${run.id} uses ${run.model}, which has no heatmaps (train a unet run)`);
    const cfg = runConfigOf(run);
    const t = cfg.keypointIndices.indexOf(req.keypoint);
    if (t < 0) throw new KpsError('bad-input', `run ${run.id} does not predict keypoint ${req.keypoint}`);
    const img = await samplePixels(store, req.sampleId);
    const S = cfg.inputSize;
    // The same whole-image crop predictImages uses, so the heatmap lines up with the stored predictions' frame.
    const box = cropBoxFor(img.width, img.height, null, S, cfg.cropMargin);
    const x = new Float32Array(S * S);
    cropResize(img.pixels, img.width, img.height, box, S, x, 0);
    await ensureBackend();
    const base = await loadRunModel(run);
    try {
      const both = withHeatmapOutput(base);
      const outs = tf.tidy(() => both.predict(tf.tensor4d(x, [1, S, S, 1])) as tf.Tensor[]);
      const heat = outs[1];
      const [, h, w, k] = heat.shape as number[];
      const all = heat.dataSync();
      outs.forEach((o) => o.dispose());
      // Softmax over the grid with the read-out's sharpness, as the soft-argmax does: the model's location probabilities.
      const readout = base.layers.find((l) => l.getClassName() === 'SoftArgmax');
      const beta = Number(readout?.getConfig().beta ?? 1) || 1;
      let max = -Infinity;
      for (let i = 0; i < h * w; i++) max = Math.max(max, beta * all[i * k + t]);
      const values = new Array<number>(h * w);
      let sum = 0;
      for (let i = 0; i < h * w; i++) sum += values[i] = Math.exp(beta * all[i * k + t] - max);
      for (let i = 0; i < h * w; i++) values[i] /= sum;
      return { runId: run.id, sampleId: req.sampleId, keypoint: req.keypoint, width: w, height: h, values, box };
    } finally {
      base.dispose();
    }
  });

  registerOp('photo.predict', async (req, ctx) => {
    const store = ctx.store();
    const path = photoPath(req.path);
    if (req.runId !== undefined) str(req.runId, 'runId');
    return photoPredict(store, path, req.runId);
  });

  registerOp('photo.upload', async (req, ctx) => {
    const store = ctx.store();
    const name = str(req.name, 'name');
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
  });

  registerOp('photo.add', async (req, ctx) => {
    const store = ctx.store();
    const path = photoPath(req.path);
    const meta = await sharp(path).metadata().catch((err: Error) => {
      throw new KpsError('bad-input', `${path}: cannot read the photo (${err.message.split('\n')[0]})`, { file: path });
    });
    // EXIF orientations 5-8 swap width and height; the stored size is the upright one (how viewers and sharp.rotate() see it).
    const swap = (meta.orientation ?? 1) >= 5;
    const width = (swap ? meta.height : meta.width) ?? 0;
    const height = (swap ? meta.width : meta.height) ?? 0;
    if (width <= 0 || height <= 0) throw new KpsError('bad-input', `${path}: cannot read the photo size`, { file: path });
    const K = store.schema.keypoints.length;
    const keypoints: Keypoint[] = Array.from({ length: K }, () => ({ x: NaN, y: NaN, state: 'missing' }) as Keypoint);
    const { firstId } = store.importSamples(
      [{ source: path, record: 1, image: { kind: 'file', path, width, height, channels: meta.channels ?? 3 }, groupId: null, keypoints }],
      'annotator:photo',
    );
    let prefilled = 0;
    if (req.prefillRunId !== undefined) {
      const pred = await photoPredict(store, path, str(req.prefillRunId, 'prefillRunId'));
      const edits = [];
      for (let i = 0; i < K; i++) {
        const px = pred.coords![2 * i];
        const py = pred.coords![2 * i + 1];
        if (Number.isFinite(px) && Number.isFinite(py)) edits.push({ index: i, x: px, y: py, state: 'labelled' as const });
      }
      if (edits.length > 0) store.setLabels(firstId, edits, `model:${pred.runId}`, `predictions of run ${pred.runId}`);
      prefilled = edits.length;
    }
    ctx.emit('dataset.changed', { sampleIds: [firstId], reason: 'photo added' });
    return { sampleId: firstId, prefilled };
  });
}

registerUiOps();
