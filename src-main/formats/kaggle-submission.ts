// Kaggle submission file (`RowId,Location`) from an IdLookupTable.csv and per-image predicted coordinates.
import { ImportError, KpsError } from '../core/errors.js';
import { KAGGLE_SCHEMA_ID } from '../core/schema.js';
import type { KeypointSchema } from '../core/types.js';
import { openAtomicFileStream } from './atomic.js';
import { quietContext } from './common.js';
import { readCsv } from './csv-stream.js';
import { loadBuiltinSchema } from './schemas.js';

export const LOOKUP_COLUMNS = ['RowId', 'ImageId', 'FeatureName', 'Location'] as const;

export interface SubmissionOptions {
  /** Schema whose keypoint names the lookup's FeatureName uses (default kaggle-15). */
  schema?: KeypointSchema;
  /** Clamp every value into [min, max], e.g. [0, 96] for the Kaggle image. Off by default. */
  clip?: [number, number];
}

/**
 * Write `RowId,Location` for every row of the lookup table. `predictions` maps a Kaggle ImageId to
 * the flat predicted coordinates [x0, y0, x1, y1, ...] in schema order, in 96x96 image pixels.
 * A lookup row naming an image without a prediction, or an unknown feature, is an ImportError that
 * names the lookup file and record; nothing is written then.
 */
export async function writeKaggleSubmission(
  lookupPath: string,
  predictions: ReadonlyMap<string, ArrayLike<number>>,
  outPath: string,
  options: SubmissionOptions = {},
): Promise<{ rows: number; path: string }> {
  const schema = options.schema ?? loadBuiltinSchema(KAGGLE_SCHEMA_ID);
  const featureIndex = new Map<string, number>();
  schema.keypoints.forEach((k, i) => {
    featureIndex.set(`${k.name}_x`, 2 * i);
    featureIndex.set(`${k.name}_y`, 2 * i + 1);
  });
  for (const [id, coords] of predictions) {
    if (coords.length !== 2 * schema.keypoints.length) {
      throw new KpsError('bad-input', `prediction for ImageId ${id} has ${coords.length} numbers; expected ${2 * schema.keypoints.length} (x, y for each keypoint of ${schema.id})`);
    }
  }
  // Validate the whole lookup before writing anything. Kaggle's own file leaves the empty Location column out.
  const lines: string[] = [];
  const seenRows = new Set<string>();
  await readCsv(lookupPath, { columns: LOOKUP_COLUMNS, pixelColumn: -1, pixelCount: 0, minColumns: 3 }, quietContext(), (row) => {
    const [rowId, imageId, feature] = row.fields.map((f) => f.trim());
    const fail = (problem: string): never => {
      throw new ImportError(lookupPath, row.record, `(line ${row.line}) ${problem}`);
    };
    if (!/^[1-9]\d*$/.test(rowId)) fail(`RowId ${JSON.stringify(rowId)} is not a positive integer`);
    if (seenRows.has(rowId)) fail(`RowId ${rowId} repeats an earlier row`);
    seenRows.add(rowId);
    const coords = predictions.get(imageId);
    if (!coords) fail(`ImageId ${JSON.stringify(imageId)} has no prediction (predictions cover ${predictions.size} images)`);
    const index = featureIndex.get(feature);
    if (index === undefined) fail(`FeatureName ${JSON.stringify(feature)} is not a keypoint coordinate of schema ${schema.id}`);
    let v = coords![index!];
    if (!Number.isFinite(v)) fail(`the prediction for ImageId ${imageId}, ${feature} is ${String(v)}, not a number`);
    if (options.clip) v = Math.min(options.clip[1], Math.max(options.clip[0], v));
    lines.push(`${rowId},${String(v)}\n`);
  });
  const out = await openAtomicFileStream(outPath);
  try {
    await out.write('RowId,Location\n');
    // Write in blocks: 27,124 tiny writes would each go through the stream machinery.
    for (let i = 0; i < lines.length; i += 4096) await out.write(lines.slice(i, i + 4096).join(''));
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  return { rows: lines.length, path: outPath };
}
