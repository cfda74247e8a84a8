// Kaggle "Facial Keypoints Detection" CSV layouts: training.csv, test.csv and a labels-only CSV (import), training.csv (export).
//
// Columns come from the schema: `<name>_x,<name>_y` for each keypoint in schema order, so with the
// kaggle-15 schema the header is exactly Kaggle's. Coordinates are already 0-based pixels of the
// 96x96 image and are kept as the float64 the text denotes. An empty cell is a missing keypoint.
// The layout has no "occluded" state: occluded keypoints are written with their coordinates and
// come back as labelled.
import { resolve } from 'node:path';
import { decodeGrey } from '../imaging/grey.js';
import { ImportError, KpsError } from '../core/errors.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import { openAtomicFileStream } from './atomic.js';
import { badNumberProblem, checkKeypointInImage, excerpt, missingKeypoint, parseDecimal, requirePath, throwIfCancelled } from './common.js';
import { readCsv, type CsvLayout } from './csv-stream.js';
import type { KaggleFitter } from './kaggle-fit.js';
import type { ExportSample, Exporter, ImportedSample, Importer } from './types.js';

/** Kaggle images are 96x96 grey. */
export const KAGGLE_SIDE = 96;
export const KAGGLE_PIXELS = KAGGLE_SIDE * KAGGLE_SIDE;
export const TEST_COLUMNS = ['ImageId', 'Image'] as const;

/** The coordinate columns for a schema: left_eye_center_x, left_eye_center_y, ... */
export function coordinateColumns(schema: KeypointSchema): string[] {
  return schema.keypoints.flatMap((k) => [`${k.name}_x`, `${k.name}_y`]);
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** Suggest the right --format when the header is another Kaggle layout. */
function headerHint(schema: KeypointSchema, found: string[]): string | null {
  const coords = coordinateColumns(schema);
  if (sameColumns(found, TEST_COLUMNS)) return 'This is a Kaggle test.csv (ImageId,Image): import it with format kaggle-test-csv';
  if (sameColumns(found, coords)) return 'This is a labels-only CSV (coordinates, no Image column): import it with format kaggle-labels';
  if (sameColumns(found, [...coords, 'Image'])) return 'This is a Kaggle training.csv: import it with format kaggle-csv';
  if (found.length > 1 && found.length % 2 === 1 && found[found.length - 1] === 'Image' && found.length !== coords.length + 1) {
    return `The file has ${(found.length - 1) / 2} keypoints but the project schema ${schema.id} has ${schema.keypoints.length}`;
  }
  return `The project schema ${schema.id} expects: ${[...coords.slice(0, 4), '...'].join(',')}`;
}

/** Parse the coordinate cells of one row into keypoints; an empty pair is missing. */
function parseCoordinates(file: string, record: number, line: number, schema: KeypointSchema, fields: string[], offset: number): Keypoint[] {
  const out: Keypoint[] = new Array(schema.keypoints.length);
  for (let k = 0; k < schema.keypoints.length; k++) {
    const xs = fields[offset + 2 * k];
    const ys = fields[offset + 2 * k + 1];
    if (xs === '' && ys === '') {
      out[k] = missingKeypoint();
      continue;
    }
    const name = schema.keypoints[k].name;
    if (xs === '' || ys === '') {
      throw new ImportError(file, record, `(line ${line}) ${name}: ${xs === '' ? `${name}_x is empty but ${name}_y is ${excerpt(ys).slice(1, -1)}` : `${name}_y is empty but ${name}_x is ${excerpt(xs).slice(1, -1)}`}; give both or neither`);
    }
    const x = parseDecimal(xs.trim());
    if (x === null) throw new ImportError(file, record, `(line ${line}) column ${name}_x: ${badNumberProblem(xs)}`);
    const y = parseDecimal(ys.trim());
    if (y === null) throw new ImportError(file, record, `(line ${line}) column ${name}_y: ${badNumberProblem(ys)}`);
    out[k] = { x, y, state: 'labelled' };
    checkKeypointInImage(out[k], name, KAGGLE_SIDE, KAGGLE_SIDE, { file, record, prefix: `(line ${line}) ` });
  }
  return out;
}

async function checkFile(path: string): Promise<void> {
  const { isDir } = await requirePath(path, 'a CSV file');
  if (isDir) throw new ImportError(path, undefined, 'is a folder; give the CSV file');
}

/** Kaggle training.csv: coordinate columns then Image (9,216 grey levels). */
export const importKaggleCsv: Importer = async (given, schema, ctx) => {
  const path = resolve(given);
  await checkFile(path);
  const coords = coordinateColumns(schema);
  const layout: CsvLayout = {
    columns: [...coords, 'Image'],
    pixelColumn: coords.length,
    pixelCount: KAGGLE_PIXELS,
    describeHeaderMismatch: (found) => headerHint(schema, found),
  };
  const samples: ImportedSample[] = [];
  await readCsv(path, layout, ctx, (row) => {
    samples.push({
      source: path,
      record: row.record,
      image: { kind: 'embedded', width: KAGGLE_SIDE, height: KAGGLE_SIDE, channels: 1, pixels: row.pixels! },
      groupId: null,
      keypoints: parseCoordinates(path, row.record, row.line, schema, row.fields, 0),
    });
  });
  return samples;
};

/** Kaggle test.csv: ImageId, Image. Split `test`, every keypoint missing, ImageId kept as the external id. */
export const importKaggleTestCsv: Importer = async (given, schema, ctx) => {
  const path = resolve(given);
  await checkFile(path);
  const layout: CsvLayout = {
    columns: TEST_COLUMNS,
    pixelColumn: 1,
    pixelCount: KAGGLE_PIXELS,
    describeHeaderMismatch: (found) => headerHint(schema, found),
  };
  const samples: ImportedSample[] = [];
  const seen = new Map<string, number>();
  await readCsv(path, layout, ctx, (row) => {
    const id = row.fields[0].trim();
    if (id === '') throw new ImportError(path, row.record, `(line ${row.line}) ImageId is empty`);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new ImportError(path, row.record, `(line ${row.line}) ImageId ${excerpt(id, 20).slice(1, -1)} repeats record ${earlier}`);
    seen.set(id, row.record);
    samples.push({
      source: path,
      record: row.record,
      image: { kind: 'embedded', width: KAGGLE_SIDE, height: KAGGLE_SIDE, channels: 1, pixels: row.pixels! },
      groupId: null,
      split: 'test',
      externalId: id,
      keypoints: schema.keypoints.map(() => missingKeypoint()),
    });
  });
  return samples;
};

/** Labels only (the coordinate columns, no Image): samples without pixels, nominally 96x96. */
export const importKaggleLabels: Importer = async (given, schema, ctx) => {
  const path = resolve(given);
  await checkFile(path);
  const layout: CsvLayout = {
    columns: coordinateColumns(schema),
    pixelColumn: -1,
    pixelCount: 0,
    describeHeaderMismatch: (found) => headerHint(schema, found),
  };
  const samples: ImportedSample[] = [];
  await readCsv(path, layout, ctx, (row) => {
    samples.push({
      source: path,
      record: row.record,
      image: { kind: 'none', width: KAGGLE_SIDE, height: KAGGLE_SIDE, channels: 0 },
      groupId: null,
      keypoints: parseCoordinates(path, row.record, row.line, schema, row.fields, 0),
    });
  });
  return samples;
};

/** The shortest text that reads back to the same float64 (JS String); empty for a missing keypoint. */
export function formatCoordinate(kp: Keypoint, axis: 'x' | 'y'): string {
  const v = kp[axis];
  if (kp.state === 'missing' || !Number.isFinite(v)) return '';
  return String(v);
}

function coordinateCells(sample: Pick<ExportSample, 'keypoints'>): string {
  const parts: string[] = new Array(sample.keypoints.length * 2);
  sample.keypoints.forEach((kp, k) => {
    parts[2 * k] = formatCoordinate(kp, 'x');
    parts[2 * k + 1] = formatCoordinate(kp, 'y');
  });
  return parts.join(',');
}

/** Grey levels as ASCII "a b c ..." written straight into bytes (a 9,216-value row is ~35 kB). */
function encodePixels(pixels: Uint8Array, prefix: string): Buffer {
  const head = Buffer.from(prefix, 'utf8');
  const buf = Buffer.allocUnsafe(head.length + pixels.length * 4 + 1);
  head.copy(buf, 0);
  let o = head.length;
  for (let i = 0; i < pixels.length; i++) {
    if (i > 0) buf[o++] = 0x20;
    const v = pixels[i];
    if (v >= 100) {
      buf[o++] = 0x30 + ((v / 100) | 0);
      buf[o++] = 0x30 + (((v / 10) | 0) % 10);
    } else if (v >= 10) buf[o++] = 0x30 + ((v / 10) | 0);
    buf[o++] = 0x30 + (v % 10);
  }
  buf[o++] = 0x0a;
  return buf.subarray(0, o);
}

/** Grey 96x96 pixels for a sample: embedded ones, or its image file decoded upright to grey. */
async function kagglePixels(sample: ExportSample): Promise<Uint8Array> {
  const where = `sample ${sample.id} (${sample.source}, record ${sample.record})`;
  if (sample.width !== KAGGLE_SIDE || sample.height !== KAGGLE_SIDE) {
    throw new KpsError('bad-input', `${where} is ${sample.width}x${sample.height}; the Kaggle CSV layout holds 96x96 grey images only. Export with otherSizes "skip" or "crop" (kps export --other-sizes skip|crop), or as COCO or .pts`);
  }
  if (sample.pixels) {
    if (sample.pixels.length !== KAGGLE_PIXELS) throw new KpsError('internal', `${where}: ${sample.pixels.length} embedded pixels, expected ${KAGGLE_PIXELS}`);
    return sample.pixels;
  }
  if (sample.imagePath) {
    // Upright, as the sample's keypoints are (imaging/grey.ts, the decoding training uses).
    const grey = await decodeGrey(sample.imagePath, { what: `the image of ${where}` });
    if (grey.width !== KAGGLE_SIDE || grey.height !== KAGGLE_SIDE) {
      throw new KpsError('bad-input', `${where}: image ${sample.imagePath} is ${grey.width}x${grey.height}; the Kaggle CSV layout holds 96x96 grey images only`);
    }
    return grey.pixels;
  }
  throw new KpsError('bad-input', `${where} has no pixels (a labels-only sample) but others have images; a Kaggle CSV is either all with Image or all without`);
}

/**
 * Kaggle training.csv layout: coordinate columns then Image. When no sample has pixels (a labels-only
 * project) the Image column is left out, giving the labels-only layout that `kaggle-labels` reads back.
 * `fit` crops and resizes the samples that are not 96x96 under `otherSizes: 'crop'` (service/kaggle-fit.ts: the crop
 * needs the photo-prediction code, which formats may not import); without it such an export is refused.
 */
export function kaggleCsvExporter(fit?: KaggleFitter): Exporter {
  return async (source, out, ctx, options = {}) => {
    const coords = coordinateColumns(source.schema);
    const total = source.count();
    const otherSizes = options.otherSizes ?? 'fail';
    const crop = otherSizes === 'crop' ? fit : undefined;
    if (otherSizes === 'crop' && !crop) {
      throw new KpsError('internal', `kaggle-csv export to ${out}: otherSizes "crop" needs the service's crop (kaggleCsvExporter(fitToKaggle)); this exporter was built without it`, { file: out });
    }
    const file = await openAtomicFileStream(out);
    let written = 0;
    let seen = 0;
    let cropped = 0;
    const skipped: number[] = [];
    let withImage: boolean | null = null;
    try {
      for (const sample of source.samples()) {
        seen++;
        const hasPixels = sample.pixels !== null || sample.imagePath !== null;
        const misfit = hasPixels && (sample.width !== KAGGLE_SIDE || sample.height !== KAGGLE_SIDE);
        if (misfit && otherSizes === 'skip') {
          skipped.push(sample.id);
          continue;
        }
        if (withImage === null) {
          withImage = hasPixels;
          await file.write((withImage ? [...coords, 'Image'] : coords).join(',') + '\n');
        }
        if (withImage && misfit && crop) {
          const fitted = await crop(sample);
          await file.write(encodePixels(fitted.pixels, coordinateCells(fitted) + ','));
          cropped++;
          // A crop decodes a whole photo: check for cancel and report after each few.
          if (cropped % 16 === 0) {
            throwIfCancelled(ctx);
            ctx.progress(seen, total, `writing (${cropped} cropped to 96x96)`);
          }
        } else if (withImage) {
          await file.write(encodePixels(await kagglePixels(sample), coordinateCells(sample) + ','));
        } else {
          const cells = coordinateCells(sample);
          if (hasPixels) throw new KpsError('bad-input', `sample ${sample.id} (${sample.source}) has an image but the first sample has none; a Kaggle CSV is either all with Image or all without`);
          await file.write(cells + '\n');
        }
        written++;
        if (seen % 256 === 0) {
          throwIfCancelled(ctx);
          ctx.progress(seen, total, 'writing');
        }
      }
      if (withImage === null) await file.write([...coords, 'Image'].join(',') + '\n');
      await file.commit();
    } catch (err) {
      await file.abort();
      throw err;
    }
    ctx.progress(seen, total, 'done');
    return {
      written,
      files: [out],
      ...(otherSizes === 'skip' ? { skipped: { count: skipped.length, ids: skipped.slice(0, 20) } } : {}),
      ...(otherSizes === 'crop' ? { cropped } : {}),
    };
  };
}

/** The Kaggle CSV exporter without the crop (`otherSizes: 'crop'` is refused): the service's registry adds it (service/deps.ts). */
export const exportKaggleCsv: Exporter = kaggleCsvExporter();

