// Issue 11 item 10: samples that are not 96x96 in a Kaggle CSV export (fail naming the sample, skip, crop + resize), the add-time warning, and export subsets.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { KpsError } from '../../../src-main/core/errors.js';
import type { Keypoint } from '../../../src-main/core/types.js';
import { quietContext } from '../../../src-main/formats/common.js';
import { kaggleCsvExporter } from '../../../src-main/formats/kaggle-csv.js';
import { KAGGLE_FIT_MARGIN, kaggleAddWarning } from '../../../src-main/formats/kaggle-fit.js';
import { fitToKaggle, kaggleFitSquare } from '../../../src-main/service/kaggle-fit.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import type { ExportSample, ImportedSample } from '../../../src-main/formats/types.js';
import { resolveSubset, subsetSource } from '../../../src-main/service/export-subset.js';
import { exportExtras as validateExportExtras } from '../../../src-main/api/checks.js';
import type { RunRecord, RunSplitEntry } from '../../../src-main/store/types.js';
import { greyPixels, tempDir } from './fixtures.js';
import { memorySource } from './memory-source.js';

const kaggle = loadBuiltinSchema('kaggle-15');
const ctx = quietContext();
/** The exporter as the service wires it (service/deps.ts): with the crop. */
const exportKaggleCsv = kaggleCsvExporter(fitToKaggle);
const K = kaggle.keypoints.length;

/** A black W x H photo with a white 3x3 dot centred on each point; written as PNG. */
async function dotPhoto(path: string, w: number, h: number, points: { x: number; y: number }[]): Promise<string> {
  const px = new Uint8Array(w * h);
  for (const p of points) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) px[(Math.round(p.y) + dy) * w + Math.round(p.x) + dx] = 255;
  await sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 1 } }).png().toFile(path);
  return path;
}

function keypointsAt(points: { x: number; y: number }[]): Keypoint[] {
  return Array.from({ length: K }, (_, k) => (k < points.length ? { ...points[k], state: 'labelled' as const } : { x: NaN, y: NaN, state: 'missing' as const }));
}

function fileSample(path: string, w: number, h: number, points: { x: number; y: number }[]): ImportedSample {
  return { source: path, record: 1, image: { kind: 'file', path, width: w, height: h, channels: 1 }, groupId: null, keypoints: keypointsAt(points) };
}

function embedded(seed: number): ImportedSample {
  return {
    source: '/data/training.csv',
    record: seed + 1,
    image: { kind: 'embedded', width: 96, height: 96, channels: 1, pixels: Uint8Array.from(greyPixels(seed)) },
    groupId: null,
    keypoints: keypointsAt([{ x: 30 + seed, y: 40 }, { x: 60, y: 41 }]),
  };
}

function rowsOf(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

const points = [{ x: 80, y: 50 }, { x: 160, y: 120 }, { x: 120, y: 90 }];

describe('crop and resize to 96x96 grey', () => {
  it('crops a square around the labelled keypoints (margin on each side) and moves them with the pixels', async () => {
    const dir = tempDir();
    const photo = await dotPhoto(join(dir, 'p.png'), 300, 200, points);
    const [sample] = [...memorySource(kaggle, [fileSample(photo, 300, 200, points)]).samples()];
    const fitted = await fitToKaggle(sample);
    expect(fitted.pixels.length).toBe(96 * 96);
    // The keypoints' box (80 x 70 px) is centred and its longer side fills 1 / (1 + 2 margin) of the frame.
    const xs = fitted.keypoints.slice(0, 3).map((k) => k.x);
    const ys = fitted.keypoints.slice(0, 3).map((k) => k.y);
    const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    expect(span).toBeCloseTo(96 / (1 + 2 * KAGGLE_FIT_MARGIN), 6);
    expect((Math.max(...xs) + Math.min(...xs)) / 2).toBeCloseTo(47.5, 6);
    expect((Math.max(...ys) + Math.min(...ys)) / 2).toBeCloseTo(47.5, 6);
    // Each moved keypoint lands on its (shrunk) white dot: the brightest pixel near it, far above the black background.
    for (const k of fitted.keypoints.slice(0, 3)) {
      const v = fitted.pixels[Math.round(k.y) * 96 + Math.round(k.x)];
      expect(v).toBeGreaterThan(60);
    }
    expect(fitted.pixels[0]).toBe(0);
    expect(fitted.keypoints.slice(3).every((k) => k.state === 'missing' && Number.isNaN(k.x))).toBe(true);
  });

  it('shows the whole image letterboxed when fewer than two keypoints are labelled', () => {
    expect(kaggleFitSquare(300, 200, keypointsAt([{ x: 10, y: 10 }]))).toEqual({ cx: 149.5, cy: 99.5, side: 300 });
    expect(kaggleFitSquare(300, 200, keypointsAt(points))).toEqual({ cx: 120, cy: 85, side: 80 * (1 + 2 * KAGGLE_FIT_MARGIN) });
  });
});

describe('Kaggle CSV export of samples that are not 96x96', () => {
  async function setup() {
    const dir = tempDir();
    const photo = await dotPhoto(join(dir, 'big.png'), 300, 200, points);
    const source = memorySource(kaggle, [embedded(0), fileSample(photo, 300, 200, points), embedded(1)]);
    return { dir, photo, source };
  }

  it('fails by default with a message naming the sample and the ways out, and leaves no file', async () => {
    const { dir, photo, source } = await setup();
    const out = join(dir, 'out.csv');
    const err = await exportKaggleCsv(source, out, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KpsError);
    expect((err as Error).message).toContain(`sample 2 (${photo}, record 1) is 300x200`);
    expect((err as Error).message).toMatch(/otherSizes "skip" or "crop"/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('skip leaves them out and counts them', async () => {
    const { dir, source } = await setup();
    const out = join(dir, 'out.csv');
    const r = await exportKaggleCsv(source, out, ctx, { otherSizes: 'skip' });
    expect(r.written).toBe(2);
    expect(r.skipped).toEqual({ count: 1, ids: [2] });
    const rows = rowsOf(out);
    expect(rows.map((r) => Number(r[0]))).toEqual([30, 31]);
  });

  it('crop writes the cropped pixels and moved keypoints of the misfit, others unchanged', async () => {
    const { dir, source } = await setup();
    const out = join(dir, 'out.csv');
    const r = await exportKaggleCsv(source, out, ctx, { otherSizes: 'crop' });
    expect(r).toMatchObject({ written: 3, cropped: 1 });
    const rows = rowsOf(out);
    const misfit = [...source.samples()][1] as ExportSample;
    const fitted = await fitToKaggle(misfit);
    expect(rows[1].slice(0, 6).map(Number)).toEqual(fitted.keypoints.slice(0, 3).flatMap((k) => [k.x, k.y]));
    expect(rows[1].slice(6, 30)).toEqual(Array(24).fill(''));
    expect(rows[1][30].split(' ').map(Number)).toEqual([...fitted.pixels]);
    expect(rows[0][30].split(' ').map(Number)).toEqual(greyPixels(0));
  });

  it('the exporter built without the crop refuses crop, naming the output, and leaves no file', async () => {
    const { dir, source } = await setup();
    const out = join(dir, 'out.csv');
    const err = await kaggleCsvExporter()(source, out, ctx, { otherSizes: 'crop' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KpsError);
    expect((err as Error).message).toContain(`kaggle-csv export to ${out}: otherSizes "crop" needs the service's crop`);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('warning when a sample that is not 96x96 is added', () => {
  it('warns in a Kaggle project only, naming the sample', () => {
    expect(kaggleAddWarning(kaggle, [{ width: 96, height: 96, source: 'a' }])).toBeNull();
    expect(kaggleAddWarning({ id: 'ibug-68' }, [{ width: 300, height: 200, source: 'a' }])).toBeNull();
    expect(kaggleAddWarning(kaggle, [{ width: 640, height: 480, source: '/p/x.jpg', id: 7 }])).toMatch(/^sample 7 \(\/p\/x\.jpg\) is 640x480: a Kaggle CSV export holds 96x96 grey images only/);
    expect(kaggleAddWarning(kaggle, [{ width: 96, height: 96, source: 'a', id: 1 }, { width: 640, height: 480, source: 'b', id: 2 }, { width: 50, height: 50, source: 'c', id: 3 }])).toMatch(/^2 of the 3 samples added are not 96x96 \(the first, sample 2, b, is 640x480\)/);
  });
});

describe('export subsets', () => {
  const all = [1, 2, 3, 4, 5, 6];
  const splits: Record<number, string> = { 1: 'train', 2: 'test', 3: 'test', 4: 'val', 5: 'test', 6: 'unassigned' };
  const tags: Record<string, number[]> = { reviewed: [2, 3, 4], hard: [3, 5] };
  const runSplit: RunSplitEntry[] = [{ sampleId: 1, split: 'train' }, { sampleId: 2, split: 'test' }, { sampleId: 3, split: 'train' }, { sampleId: 5, split: 'test' }];
  const store = {
    sampleIds: (q: { split?: string; tag?: string }) => all.filter((id) => (q.split === undefined || splits[id] === q.split) && (q.tag === undefined || (tags[q.tag] ?? []).includes(id))),
    getRun: (id: string): RunRecord => {
      if (id !== 'run-1' && id !== 'old') throw new KpsError('not-found', `run ${id} does not exist`);
      return { id } as RunRecord;
    },
    getRunSplit: (id: string) => (id === 'run-1' ? runSplit : []),
  };
  const ids = (s: Parameters<typeof resolveSubset>[1]) => {
    const r = resolveSubset(store, s);
    return r === null ? null : [...r].sort((a, b) => a - b);
  };

  it('chooses a selection, a stored split, a run split, reviewed only, a tag, and their intersection', () => {
    expect(ids(undefined)).toBeNull();
    expect(ids({})).toBeNull();
    expect(ids({ ids: [5, 1] })).toEqual([1, 5]);
    expect(ids({ split: 'test' })).toEqual([2, 3, 5]);
    expect(ids({ runSplit: { runId: 'run-1', side: 'test' } })).toEqual([2, 5]);
    expect(ids({ reviewedOnly: true })).toEqual([2, 3, 4]);
    expect(ids({ tag: 'hard' })).toEqual([3, 5]);
    expect(ids({ split: 'test', reviewedOnly: true, tag: 'hard' })).toEqual([3]);
  });

  it('refuses unknown ids, an unknown run, a run with no stored split, and a subset that matches nothing', () => {
    expect(() => ids({ ids: [2, 99] })).toThrow(/sample 99 does not exist/);
    expect(() => ids({ runSplit: { runId: 'nope', side: 'test' } })).toThrow(/run nope does not exist/);
    expect(() => ids({ runSplit: { runId: 'old', side: 'test' } })).toThrow(/run old has no stored split/);
    expect(() => ids({ split: 'val', tag: 'hard' })).toThrow(/export subset \(stored split val, tag "hard"\) matches no sample; nothing was written/);
  });

  it('the source it wraps yields only the chosen samples and counts them', () => {
    const src = memorySource(kaggle, [embedded(0), embedded(1), embedded(2)]);
    const sub = subsetSource(src, new Set([1, 3]));
    expect(sub.count()).toBe(2);
    expect([...sub.samples()].map((s) => s.id)).toEqual([1, 3]);
  });

  it('checks the request shape', () => {
    expect(() => validateExportExtras({ otherSizes: 'shrink' }, 'export.start')).toThrow(/"otherSizes" must be one of fail, skip, crop/);
    expect(() => validateExportExtras({ subset: { split: 'x' } }, 'export.start')).toThrow(/subset.split must be one of/);
    expect(() => validateExportExtras({ subset: { colour: 'red' } }, 'export.start')).toThrow(/subset.colour is not a subset criterion/);
    expect(() => validateExportExtras({ subset: { ids: [1.5] } }, 'export.start')).toThrow(/subset.ids must be an array of sample ids/);
    expect(() => validateExportExtras({ subset: { runSplit: { runId: 'r', side: 'all' } } }, 'export.start')).toThrow(/subset.runSplit.side/);
    expect(() => validateExportExtras({ subset: { ids: [1], reviewedOnly: true }, otherSizes: 'crop' }, 'export.start')).not.toThrow();
  });
});
