// The `augment.preview` operation: N augmented samples of the open project with their keypoints, for the train view's preview grid.
import sharp from 'sharp';
import { KpsError } from '../core/errors.js';
import { decodeGrey, uprightSize } from '../imaging/grey.js';
import type { Keypoint } from '../core/types.js';
import type { ProjectStore } from '../store/types.js';
import { Augmenter } from '../augment/augment.js';
import { resolveAugmentParams } from '../augment/params.js';
import type { AugmentPreviewRequest, AugmentPreviewResponse, AugmentPreviewSample } from '../api/augment-preview.js';

export type { AugmentPreviewRequest, AugmentPreviewResponse, AugmentPreviewSample } from '../api/augment-preview.js';
import { mixSeed } from '../augment/prng.js';

/** The part of the project store the preview reads. */
export type PreviewStore = Pick<ProjectStore, 'schema' | 'sampleIds' | 'getSample' | 'getPixels' | 'getImagePath'>;

const MAX_COUNT = 64;

/** Reads a sample's pixels as grey 8-bit, scaled down to `maxSide`; null for label-only samples. */
async function greyPixels(store: PreviewStore, id: number, maxSide: number): Promise<{ data: Uint8Array; width: number; height: number; scale: number } | null> {
  const detail = store.getSample(id);
  const { width: W, height: H } = detail;
  const scale = Math.min(1, maxSide / Math.max(W, H));
  const w = Math.max(1, Math.round(W * scale));
  const h = Math.max(1, Math.round(H * scale));
  if (detail.image.kind === 'embedded') {
    const px = store.getPixels(id);
    if (!px) return null;
    if (scale === 1) return { data: px, width: W, height: H, scale: 1 };
    const out = await sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 1 } }).resize(w, h, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
    if (out.length !== w * h) throw new Error(`resize gave ${out.length} values, expected ${w * h}`);
    return { data: new Uint8Array(out), width: w, height: h, scale: w / W };
  }
  if (detail.image.kind === 'file') {
    const path = store.getImagePath(id);
    if (!path) return null;
    // The upright size is checked before resizing: resizing to the stored aspect would hide a mismatch.
    const what = `the image of sample ${id}`;
    const upright = await uprightSize(path, what);
    if (upright.width !== W || upright.height !== H) {
      throw new KpsError('conflict', `${path}: image is ${upright.width}x${upright.height} but sample ${id} was imported as ${W}x${H}`, { file: path });
    }
    const grey = await decodeGrey(path, { what, ...(scale !== 1 ? { resize: { width: w, height: h } } : {}) });
    return { data: grey.pixels, width: w, height: h, scale: w / W };
  }
  return null;
}

/** Seeded choice of up to `count` sample ids (those without pixels are skipped later). */
function chooseIds(store: PreviewStore, seed: number): number[] {
  const ids = store.sampleIds({ sort: 'id' });
  // Fisher-Yates with the augmentation PRNG's mixer: the same seed picks the same samples.
  for (let i = ids.length - 1; i > 0; i--) {
    const j = mixSeed(seed, 0x5eed, i) % (i + 1);
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return ids;
}

/** Handler of `augment.preview`: a plain function of the store and the request (the service wires it). */
export async function augmentPreview(store: PreviewStore, req: AugmentPreviewRequest): Promise<AugmentPreviewResponse> {
  const count = req.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new KpsError('bad-input', `augment.preview: count must be an integer from 1 to ${MAX_COUNT}, got ${count}`);
  const seed = req.seed ?? 1;
  if (!Number.isFinite(seed)) throw new KpsError('bad-input', `augment.preview: seed must be a number, got ${seed}`);
  const maxSide = req.maxSide ?? 256;
  if (!(Number.isInteger(maxSide) && maxSide >= 16 && maxSide <= 4096)) throw new KpsError('bad-input', `augment.preview: maxSide must be an integer from 16 to 4096, got ${maxSide}`);
  const encoding = req.encoding ?? 'png';
  if (encoding !== 'png' && encoding !== 'array') throw new KpsError('bad-input', `augment.preview: encoding must be "png" or "array"`);
  const params = resolveAugmentParams(req.params);
  const augmenter = new Augmenter({ params, schema: store.schema, seed });

  const explicit = req.sampleIds !== undefined;
  if (explicit && (!Array.isArray(req.sampleIds) || req.sampleIds.length === 0 || !req.sampleIds.every((id) => Number.isInteger(id)))) {
    throw new KpsError('bad-input', 'augment.preview: sampleIds must be a non-empty list of sample ids');
  }
  const cache = new Map<number, NonNullable<Awaited<ReturnType<typeof greyPixels>>>>();
  let pool: number[];
  if (explicit) {
    pool = req.sampleIds as number[];
  } else {
    // The first `count` samples (in seeded random order) that have pixels; fewer samples are shown in turn.
    pool = [];
    for (const id of chooseIds(store, seed)) {
      const img = await greyPixels(store, id, maxSide);
      if (!img) continue;
      cache.set(id, img);
      pool.push(id);
      if (pool.length === count) break;
    }
    if (pool.length === 0) throw new KpsError('bad-input', 'augment.preview: the project has no samples with pixels');
  }
  const samples: AugmentPreviewSample[] = [];
  for (let k = 0; samples.length < count; k++) {
    const id = pool[k % pool.length];
    if (!cache.has(id)) {
      const loaded = await greyPixels(store, id, maxSide);
      if (!loaded) throw new KpsError('bad-input', `augment.preview: sample ${id} has no pixels (labels only)`);
      cache.set(id, loaded);
    }
    const img = cache.get(id) as NonNullable<Awaited<ReturnType<typeof greyPixels>>>;
    const detail = store.getSample(id);
    const s = img.scale;
    const kps: Keypoint[] = detail.keypoints.map((p) => ({ x: (p.x + 0.5) * s - 0.5, y: (p.y + 0.5) * s - 0.5, state: p.state }));
    // Key by position in the preview so that a sample shown twice gets two different augmentations.
    const r = augmenter.apply({ data: img.data, width: img.width, height: img.height, channels: 1 }, kps, id, samples.length);
    const pixels =
      encoding === 'png'
        ? (await sharp(Buffer.from(r.image.data), { raw: { width: img.width, height: img.height, channels: 1 } }).toColourspace('b-w').png().toBuffer()).toString('base64')
        : Array.from(r.image.data);
    samples.push({ sampleId: id, width: img.width, height: img.height, channels: 1, encoding, pixels, keypoints: r.keypoints, draw: r.draw, scale: s });
  }
  return { samples, params, seed };
}
