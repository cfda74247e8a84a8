// Benchmark: label-quality recall. Inject known errors into kaggle-proxy training.csv (5% left/right swaps, 5% one keypoint
// moved 8-15 px), import into a fresh project, run the QC pipeline, report the share of injected errors ranked in the top 5/10/20%.
// Target: at least 80% within the top 10% of the queue. Seeded (QC_SEED, default 1). QC_NO_MODEL=1 runs the shape tests only.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../test/helpers/data.js';
import { createProject } from '../src-main/store/project.js';
import { importKaggleCsv } from '../src-main/formats/kaggle-csv.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { quietContext } from '../src-main/formats/common.js';
import { injectKaggleErrors } from '../src-main/qc/inject.js';
import { runQc } from '../src-main/qc/pipeline.js';
import { recallAt } from '../src-main/qc/recall.js';
import { report } from './util.js';

const seed = Number(process.env.QC_SEED ?? 1);
const noModel = process.env.QC_NO_MODEL === '1';
const dir = mkdtempSync(join(tmpdir(), 'kps-qc-bench-'));
try {
  const schema = loadBuiltinSchema('kaggle-15');
  const src = join(requireDataDir(), 'kaggle-proxy', 'training.csv');
  const { csv, errors } = injectKaggleErrors(readFileSync(src, 'utf8'), schema, src, { seed });
  const csvPath = join(dir, 'training.csv');
  writeFileSync(csvPath, csv);
  const store = createProject(join(dir, 'qc.kps'), schema);
  try {
    store.importSamples(await importKaggleCsv(csvPath, schema, quietContext()), 'import');
    const t0 = Date.now();
    const rep = await runQc(store, {
      noModel,
      crossVal: {
        folds: process.env.QC_FOLDS ? Number(process.env.QC_FOLDS) : undefined,
        epochs: process.env.QC_EPOCHS ? Number(process.env.QC_EPOCHS) : undefined,
        inputSize: process.env.QC_INPUT ? Number(process.env.QC_INPUT) : undefined,
        seed,
      },
      onProgress: (m) => {
        if (process.env.QC_VERBOSE) process.stderr.write(`${m}\n`);
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    const ranked = rep.items.map((i) => i.record);
    const r = recallAt(ranked, errors, store.sampleCount(), [0.05, 0.1, 0.2]);
    const byKind = (kind: 'swap' | 'move') => recallAt(ranked, errors.filter((e) => e.kind === kind), store.sampleCount(), [0.1])[0].recall;
    report({
      bench: 'qc-recall',
      rows: store.sampleCount(),
      injected: { swaps: errors.filter((e) => e.kind === 'swap').length, moves: errors.filter((e) => e.kind === 'move').length },
      recall_top5: r[0].recall,
      recall_top10: r[1].recall,
      recall_top20: r[2].recall,
      recall_top10_swaps: byKind('swap'),
      recall_top10_moves: byKind('move'),
      evidence: rep.evidence.model,
      folds: rep.evidence.folds,
      held_out_rmse_px: rep.evidence.heldOutRmsePx,
      cv_settings: rep.evidence.settings,
      backend: rep.evidence.backend,
      qc_seconds: seconds,
      seed,
      target: 'recall within the top 10% >= 0.8',
      pass: r[1].recall >= 0.8,
    });
  } finally {
    store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
