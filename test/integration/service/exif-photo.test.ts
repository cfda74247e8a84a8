// An EXIF-rotated phone photo (orientation 6) through the whole photo path on a real LFPW face: imported, detected, trained, predicted and added upright, as the same photo stored upright.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import { openProject } from '../../../src-main/store/project.js';
import { parseSplit, prepareData } from '../../../src-main/train/data.js';
import { FACE_CROP_RULE } from '../../../src-main/train/facecrop.js';

const OTHERS = 4;
let dir: string;
let service: Service;
let upright: string;
let rotated: string;
let size: { width: number; height: number };
const project = () => join(dir, 'p.kps');
const tiny = { model: 'kpnet', width: 0.25, inputSize: 32, batch: 8, epochs: 1, split: 'random:0.3:0.2', augment: 'none' };

/** Same (padded) face twice, near-losslessly (JPEG quality 100, no chroma subsampling): upright, and stored turned a quarter left with EXIF orientation 6. */
async function writeCopies(src: string, photos: string): Promise<void> {
  // LFPW crops are about square: grey padding on the right makes the photo clearly landscape (the labels stay put).
  const { data, info } = await sharp(src).removeAlpha().extend({ right: 64, background: '#777777' }).raw().toBuffer({ resolveWithObject: true });
  size = { width: info.width, height: info.height };
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const jpeg = { quality: 100, chromaSubsampling: '4:4:4' } as const;
  upright = join(photos, 'zz_upright.jpg');
  rotated = join(photos, 'zz_exif6.jpg');
  await sharp(data, raw).jpeg(jpeg).toFile(upright);
  // Orientation 6 means "turn the stored image a quarter clockwise to view it": store it turned a quarter anticlockwise.
  await sharp(await sharp(data, raw).rotate(270).jpeg(jpeg).toBuffer()).jpeg(jpeg).withMetadata({ orientation: 6 }).toFile(rotated);
}

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

beforeAll(async () => {
  const lfpw = join(requireDataDir(), 'lfpw-train');
  dir = mkdtempSync(join(tmpdir(), 'kps-exif-'));
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  const names = readdirSync(lfpw).filter((f) => f.endsWith('.jpg')).sort().slice(0, OTHERS + 1);
  for (const n of names.slice(1)) {
    copyFileSync(join(lfpw, n), join(photos, n));
    copyFileSync(join(lfpw, n.replace('.jpg', '.pts')), join(photos, n.replace('.jpg', '.pts')));
  }
  await writeCopies(join(lfpw, names[0]), photos);
  // The labels are in the upright frame, as an annotator looking at the photo places them.
  for (const p of [upright, rotated]) copyFileSync(join(lfpw, names[0].replace('.jpg', '.pts')), p.replace('.jpg', '.pts'));
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: project(), schema: 'ibug-68' });
  const end = await service.call('job.wait', await service.call('import.start', { path: photos, format: 'pts' }));
  expect(end.state, end.error?.message).toBe('done');
});

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an EXIF orientation 6 photo', { timeout: 600_000 }, () => {
  it('is imported with its upright size (labels in the upright frame), and its face is found', async () => {
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    expect(size.width - size.height).toBeGreaterThanOrEqual(40);
    const ids = (await service.call('samples.ids', {})).ids;
    const samples = await Promise.all(ids.map((id) => service.call('sample.get', { id })));
    const byFile = (f: string) => samples.find((s) => s.image.kind === 'file' && s.image.path === f)!;
    for (const f of [upright, rotated]) expect([byFile(f).width, byFile(f).height]).toEqual([size.width, size.height]);
    const end = await service.call('job.wait', await service.call('faces.detect', {}));
    expect(end.state, end.error?.message).toBe('done');
    expect(end.result).toMatchObject({ detected: OTHERS + 2, found: OTHERS + 2 });
  });

  let runId: string;
  it('trains on the upright pixels: its crop is the upright copy\'s', async () => {
    const started = await service.call('train.start', { config: tiny, backend: 'wasm' });
    runId = started.runId;
    const end = await service.call('job.wait', { jobId: started.jobId });
    expect(end.state, end.error?.message).toBe('done');
    const store = openProject(project(), { readOnly: true });
    const idOf = (f: string) => store.sampleIds({ sort: 'id' }).find((id) => store.getImagePath(id) === f)!;
    const [a, b] = [idOf(upright), idOf(rotated)];
    const prepared = await prepareData(store, { inputSize: 32, keypointIndices: store.schema.keypoints.map((_, i) => i), split: parseSplit('random'), seed: 1, cropMargin: FACE_CROP_RULE.margin });
    store.close();
    const [ra, rb] = [prepared.ids.indexOf(a), prepared.ids.indexOf(b)];
    expect(ra).toBeGreaterThanOrEqual(0);
    expect(rb).toBeGreaterThanOrEqual(0);
    const boxA = Array.from(prepared.boxes.subarray(3 * ra, 3 * ra + 3));
    const boxB = Array.from(prepared.boxes.subarray(3 * rb, 3 * rb + 3));
    boxA.forEach((v, i) => expect(Math.abs(v - boxB[i])).toBeLessThan(1.5));
    const S = 32 * 32;
    const diff = meanAbsDiff(prepared.images.subarray(ra * S, ra * S + S), prepared.images.subarray(rb * S, rb * S + S));
    expect(diff).toBeLessThan(0.01);
  });

  it('predicts (photo.predict, the face-crop rule\'s path) upright: size, face box and points as on the upright copy', async () => {
    const a = await service.call('photo.predict', { path: upright, runId });
    const b = await service.call('photo.predict', { path: rotated, runId });
    expect(a.placement).toBe('box');
    expect([b.width, b.height]).toEqual([size.width, size.height]);
    expect(b.predictions!.images[0]).toMatchObject({ width: size.width, height: size.height, usedFallback: false });
    // JPEG blocks fall differently on the turned copy: the detector and the points move by a fraction of a pixel.
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(a.face[k] - b.face[k])).toBeLessThan(1.5);
    expect(b.coords).toHaveLength(136);
    const d = Math.max(...b.coords!.map((v, i) => Math.abs(v - a.coords![i])));
    expect(d).toBeLessThan(1.5);
  });

  it('is added by photo.add with its upright size, prefilled with the same points', async () => {
    const added = await service.call('photo.add', { path: rotated, prefillRunId: runId });
    const s = await service.call('sample.get', { id: added.sampleId });
    expect([s.width, s.height]).toEqual([size.width, size.height]);
    expect(added.prefilled).toBe(68);
    const p = await service.call('photo.predict', { path: rotated, runId });
    s.keypoints.forEach((k, i) => expect(Math.abs(k.x - p.coords![2 * i]) + Math.abs(k.y - p.coords![2 * i + 1])).toBeLessThan(1e-3));
  });
});
