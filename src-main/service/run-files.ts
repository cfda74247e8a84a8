// Files written from a run's predictions outside a project: a predictions file (JSON or CSV) and a Kaggle submission.
// For the CLI (kps predict, kps submit), which may not reach into formats/ or train/ itself. TensorFlow.js and the
// formats load only when a submission is written, so importing this module stays fast.
import { KpsError } from '../core/errors.js';
import { predictionsFormatOf, predictionsText, type PredictionsFile } from '../core/predictions.js';
import type { KeypointSchema } from '../core/types.js';
import type { RunRecord } from '../api/records.js';
import { writeFileAtomic } from '../formats/atomic.js';

/** Writes a predictions file, CSV when `out` ends in .csv and JSON otherwise; as every export, a temporary file renamed into place. */
export async function writePredictionsFile(out: string, file: PredictionsFile): Promise<void> {
  await writeFileAtomic(out, predictionsText(file, predictionsFormatOf(out)));
}

export interface SubmissionPaths {
  /** Kaggle test.csv (ImageId,Image). */
  test: string;
  /** Kaggle IdLookupTable.csv. */
  lookup: string;
  /** Where the submission (RowId,Location) goes. */
  out: string;
}

/** Predicts every image of a Kaggle test.csv with the run's best model and writes the submission rows the lookup table asks for. */
export async function writeRunSubmission(run: RunRecord, schema: KeypointSchema, paths: SubmissionPaths): Promise<{ images: number; rows: number; path: string }> {
  const { importKaggleTestCsv } = await import('../formats/kaggle-csv.js');
  const { writeKaggleSubmission } = await import('../formats/index.js');
  const { predictImages, loadRunModel } = await import('../train/runs.js');
  const testPath = paths.test;
  const samples = await importKaggleTestCsv(testPath, schema, { progress: () => undefined, signal: new AbortController().signal });
  // The fast backend (wasm or tfjs-node), chosen once per process; never tf's pure-JS default by accident.
  await (await import('../train/backend.js')).ensureBackend();
  const model = await loadRunModel(run);
  let preds;
  try {
    preds = await predictImages(
      run,
      schema,
      samples.map((s) => {
        if (s.image.kind !== 'embedded') throw new KpsError('bad-input', `${testPath}, record ${s.record}: no pixels`, { file: testPath, record: s.record });
        return { pixels: s.image.pixels, width: s.image.width, height: s.image.height };
      }),
      model,
    );
  } finally {
    model.dispose();
  }
  const map = new Map<string, number[]>();
  samples.forEach((s, i) => map.set(s.externalId ?? String(s.record), preds[i].coords));
  const res = await writeKaggleSubmission(paths.lookup, map, paths.out, { schema, clip: [0, 96] });
  return { images: samples.length, rows: res.rows, path: res.path };
}
