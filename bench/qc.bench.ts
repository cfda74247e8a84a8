// Benchmark: label-quality recall on hard, realistic errors (issue 10 item 9). For each set (kaggle-proxy as kaggle-15,
// lfpw-train as ibug-68) the clean labels are imported once; for each seed, errors are injected into the stored labels
// (src-main/qc/inject.ts injectStoreErrors, one undoable edit): 2.5% of rows each with one flip pair exchanged
// (swap-one), one keypoint moved 6-10 px (kaggle) or 6-10% of the inter-ocular distance (photos) on a row with more
// than 4 labels (move-small), the same move on a row with at most 4 labels (sparse; kaggle only: every lfpw face has
// 68), and one keypoint put on another keypoint's position (wrong-feature). QC runs, the recall of the injected rows in
// the top 5/10/20% of the queue is measured per kind, and the edit is undone before the next seed.
// Target: recall at least 0.8 within the top 10% on every seed and both sets.
// Env: QC_SEEDS (default 2,3,4,5,6: seed 1 is the tuning seed), QC_SETS (default kaggle-proxy,lfpw-train),
// QC_MODEL = pretrained (default: the pretrained 68-point net, direct on ibug-68, through its cross-validated mapping
// on kaggle-15) | folds (cross-validated kpnet folds: minutes per seed) | none (shape and swap tests only),
// QC_ERRORS = hard (default) | classic (the earlier 5% mirrors + 5% moves of 8-15 px), QC_FOLDS, QC_EPOCHS, QC_INPUT,
// QC_COMBINE = fuse (default: shape and model expectations weighed by their spreads) | fisher (the two p-values by Fisher's method).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../test/helpers/data.js';
import { createProject } from '../src-main/store/project.js';
import { importKaggleCsv } from '../src-main/formats/kaggle-csv.js';
import { importPts } from '../src-main/formats/pts.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { quietContext } from '../src-main/formats/common.js';
import { HARD_KINDS, injectStoreErrors, type InjectedKind, type InjectOptions } from '../src-main/qc/inject.js';
import { runQc } from '../src-main/qc/pipeline.js';
import { recallAt } from '../src-main/qc/recall.js';
import { PRETRAINED_ID } from '../src-main/api/pretrained-id.js';
import { initBackend } from '../src-main/train/backend.js';
import { report } from './util.js';
import type { ModelName } from '../src-main/train/models/index.js';

const seeds = (process.env.QC_SEEDS ?? '2,3,4,5,6').split(',').map(Number);
const sets = (process.env.QC_SETS ?? 'kaggle-proxy,lfpw-train').split(',');
const model = process.env.QC_MODEL ?? 'pretrained';
const classic = process.env.QC_ERRORS === 'classic';
const combine = process.env.QC_COMBINE as 'fuse' | 'fisher' | undefined;
if (combine !== undefined && !['fuse', 'fisher'].includes(combine)) throw new Error(`QC_COMBINE must be fuse or fisher, got ${combine}`);
if (!['pretrained', 'folds', 'none'].includes(model)) throw new Error(`QC_MODEL must be pretrained, folds or none, got ${model}`);
const data = requireDataDir();
await initBackend('auto');

const round = (v: number) => Math.round(v * 1000) / 1000;
const summary: { set: string; seed: number; recall_top10: number; pass: boolean }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kps-qc-bench-'));
try {
  for (const set of sets) {
    const kaggle = set === 'kaggle-proxy';
    if (!kaggle && set !== 'lfpw-train') throw new Error(`QC_SETS: unknown set ${set} (kaggle-proxy, lfpw-train)`);
    const schema = loadBuiltinSchema(kaggle ? 'kaggle-15' : 'ibug-68');
    const store = createProject(join(dir, `${set}.kps`), schema);
    try {
      const src = join(data, set, kaggle ? 'training.csv' : '');
      store.importSamples(await (kaggle ? importKaggleCsv : importPts)(src, schema, quietContext()), 'import');
      const total = store.sampleCount();
      for (const seed of seeds) {
        const o: InjectOptions = classic
          ? { seed }
          : { seed, swapFraction: 0, moveFraction: 0, swapOneFraction: 0.025, moveSmallFraction: 0.025, sparseFraction: 0.025, wrongFeatureFraction: 0.025, minSmall: kaggle ? 6 : 0.06, maxSmall: kaggle ? 10 : 0.1, smallUnit: kaggle ? 'px' : 'iod' };
        const { errors, actionId } = injectStoreErrors(store, o);
        try {
          const t0 = Date.now();
          const rep = await runQc(store, {
            ...(combine ? { combine } : {}),
            runId: model === 'pretrained' ? PRETRAINED_ID : undefined,
            noModel: model === 'none',
            crossVal: {
              folds: process.env.QC_FOLDS ? Number(process.env.QC_FOLDS) : undefined,
              epochs: process.env.QC_EPOCHS ? Number(process.env.QC_EPOCHS) : undefined,
              inputSize: process.env.QC_INPUT ? Number(process.env.QC_INPUT) : undefined,
              augment: process.env.QC_AUGMENT,
              model: process.env.QC_NET as ModelName | undefined,
              seed,
            },
            onProgress: (m) => {
              if (process.env.QC_VERBOSE) process.stderr.write(`${m}\n`);
            },
          });
          const seconds = (Date.now() - t0) / 1000;
          const ranked = rep.items.map((i) => i.sampleId);
          const asRecords = (es: typeof errors) => es.map((e) => ({ record: e.sampleId }));
          const r = recallAt(ranked, asRecords(errors), total, [0.05, 0.1, 0.2]);
          const kinds: InjectedKind[] = classic ? ['swap', 'move'] : [...HARD_KINDS];
          const byKind: Record<string, { injected: number; recall_top10: number | null }> = {};
          for (const kind of kinds) {
            const es = errors.filter((e) => e.kind === kind);
            byKind[kind] = { injected: es.length, recall_top10: es.length === 0 ? null : round(recallAt(ranked, asRecords(es), total, [0.1])[0].recall) };
          }
          const pass = r[1].recall >= 0.8;
          summary.push({ set, seed, recall_top10: round(r[1].recall), pass });
          report({
            bench: 'qc-recall',
            set,
            schema: schema.id,
            seed,
            errors: classic ? 'classic' : 'hard',
            rows: total,
            injected: errors.length,
            recall_top5: round(r[0].recall),
            recall_top10: round(r[1].recall),
            recall_top20: round(r[2].recall),
            by_kind: byKind,
            evidence: rep.evidence.model,
            model_samples: rep.evidence.modelSamples,
            notes: rep.evidence.notes,
            held_out_rmse_px: rep.evidence.heldOutRmsePx,
            qc_seconds: seconds,
            target: 'recall within the top 10% >= 0.8',
            pass,
          });
        } finally {
          // Back to the clean labels for the next seed.
          if (actionId !== null) store.undo('qc-bench');
        }
      }
    } finally {
      store.close();
    }
  }
  report({
    bench: 'qc-recall-summary',
    model,
    seeds,
    sets,
    min_recall_top10: summary.length ? Math.min(...summary.map((s) => s.recall_top10)) : null,
    target: 'recall within the top 10% >= 0.8 on every seed and set',
    pass: summary.length > 0 && summary.every((s) => s.pass),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
