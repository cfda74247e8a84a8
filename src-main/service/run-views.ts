// What the training UI shows of a run's model (train.options, runs.filters, runs.heatmap; handlers in
// handlers/train.ts): the choices of models and settings, the first layer's filters, and one keypoint's heatmap.
// Loads TensorFlow.js, so handlers/train.ts imports it only when one of these ops is called.
import * as tf from '@tensorflow/tfjs';
import { KpsError } from '../core/errors.js';
import type { ProjectStore, RunRecord } from '../store/types.js';
import { DEFAULT_CONFIG, defaultModelFor } from '../train/config.js';
import { MODEL_INFO, MODEL_NAMES, withHeatmapOutput } from '../train/models/index.js';
import { OPTIMIZER_NAMES } from '../train/optim.js';
import { LOSS_NAMES } from '../train/losses.js';
import { AUGMENT_PRESET_NAMES } from '../augment/params.js';
import { loadRunModel, runConfigOf } from '../train/runs.js';
import { cropResize, loadGrey } from '../train/data.js';
import type { ConvFilter, RunFilters, RunHeatmap, RunHeatmapRequest, TrainOptions } from '../api/train-photo.js';

async function ensureBackend(): Promise<void> {
  // Inference on this thread: use the fast backend, not tf's pure-JS default.
  await (await import('../train/backend.js')).ensureBackend();
}

/** The models, optimisers, losses and augmentation presets a run can use, with the default settings (for this layout). */
export function trainOptions(schemaId: string | null): TrainOptions {
  return {
    models: MODEL_NAMES.map((n) => ({ ...MODEL_INFO[n] })),
    defaults: { ...DEFAULT_CONFIG, ...(schemaId === null ? {} : { model: defaultModelFor(schemaId) }) },
    optimizers: [...OPTIMIZER_NAMES],
    losses: [...LOSS_NAMES],
    augmentPresets: [...AUGMENT_PRESET_NAMES],
  };
}

/** Grey pixels of a stored sample, as training reads them (train/data.ts loadGrey); label-only samples are refused. */
async function samplePixels(store: ProjectStore, sampleId: number): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const img = await loadGrey(store, sampleId);
  if (!img) throw new KpsError('bad-input', `sample ${sampleId} has no pixels (labels only)`);
  return img;
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
  const run = store.getRun(id);
  await ensureBackend();
  return { run, model: await loadRunModel(run) };
}

/** The first layer's filters of a run's best model. */
export async function runFilters(store: ProjectStore, id: string): Promise<RunFilters> {
  const { run, model } = await runModel(store, id);
  try {
    return firstConvFilters(model, run.id);
  } finally {
    model.dispose();
  }
}

/** One keypoint's heatmap on one sample, from a heatmap model (unet): the location probabilities on the crop's grid. */
export async function runHeatmap(store: ProjectStore, req: RunHeatmapRequest): Promise<RunHeatmap> {
  const run = store.getRun(req.id);
  if (!MODEL_INFO[run.model as keyof typeof MODEL_INFO]?.heatmaps) throw new KpsError('bad-input', `run ${run.id} uses ${run.model}, which has no heatmaps (train a unet run)`);
  const cfg = runConfigOf(run);
  const t = cfg.keypointIndices.indexOf(req.keypoint);
  if (t < 0) throw new KpsError('bad-input', `run ${run.id} does not predict keypoint ${req.keypoint}`);
  const img = await samplePixels(store, req.sampleId);
  const S = cfg.inputSize;
  // The crop predictImages and training use (the face-crop rule), so the heatmap lines up with the stored predictions' frame.
  const { sampleCrop } = await import('../train/faces.js');
  const box = await sampleCrop(store, req.sampleId, img.width, img.height, S, cfg.cropMargin);
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
}
