// Accuracy of the model zoo on kaggle-proxy training.csv, with the default random split and a split by source person: test RMSE (px) and training time.
// KPS_BENCH_MINUTES (default 20) is the efficient default's budget per split; KPS_BENCH_ZOO_MINUTES (default 4) each other model's;
// KPS_BENCH_MODELS (comma-separated) picks models; KPS_BENCH_SPLITS (default "random,group") picks splits. Training runs in a worker
// thread exactly as `kps train` does.
//
// kaggle-proxy's IMM-derived rows are six photos of each of 40 people (training_sources.csv names the source face of each
// row), so a random split puts the same person on both sides. The person split gives each row its source person's group
// id and trains with `split: group`, the option users get: a person's photos all land on one side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './util.js';
import { kaggleProxyProject } from './kaggle-project.js';
import { splitPeopleFigures } from './person-groups.js';
import { startRun } from '../src-main/train/runs.js';
import { DEFAULT_CONFIG } from '../src-main/train/config.js';
import { DEFAULT_MODEL, MODEL_NAMES, type ModelName } from '../src-main/train/models/index.js';
import type { FinalMetrics, EpochMetrics } from '../src-main/train/trainer.js';

const defaultMinutes = Number(process.env.KPS_BENCH_MINUTES ?? 20);
const zooMinutes = Number(process.env.KPS_BENCH_ZOO_MINUTES ?? 4);
const models = (process.env.KPS_BENCH_MODELS?.split(',').map((s) => s.trim()) ?? [DEFAULT_MODEL, ...MODEL_NAMES.filter((m) => m !== DEFAULT_MODEL)]) as ModelName[];
/** The bench's split names and the `split` setting each trains with. */
const SPLITS = { random: DEFAULT_CONFIG.split, person: 'group' } as const;
type SplitName = keyof typeof SPLITS;
const splitNames = (process.env.KPS_BENCH_SPLITS?.split(',').map((s) => (s.trim() === 'group' ? 'person' : s.trim())) ?? ['random', 'person']) as SplitName[];
for (const s of splitNames) if (!(s in SPLITS)) throw new Error(`KPS_BENCH_SPLITS: unknown split "${s}" (random, group)`);

const dir = mkdtempSync(join(tmpdir(), 'kps-bench-acc-'));
// Group ids only matter to the group split: the random split ignores them, so both train from the same project.
const project = await kaggleProxyProject(dir, { personGroups: true });
const store = project.store;
const groupOf = new Map(store.sampleIds({}).map((id) => [id, store.getSample(id).groupId]));
try {
  for (const model of models) {
    const minutes = model === DEFAULT_MODEL ? defaultMinutes : zooMinutes;
    const isDefault = model === DEFAULT_MODEL;
    const byName: Partial<Record<SplitName, number | null>> = {};
    for (const splitName of splitNames) {
      const split = SPLITS[splitName];
      // Epochs far beyond the budget: the wall clock ends training, and cosine decays to that deadline.
      const session = await startRun(store, { model, epochs: 400, minutes, split }, {
        hooks: { onEpoch: (e: EpochMetrics) => process.stderr.write(`${model} ${splitName} epoch ${e.epoch}: val ${e.val_rmse_px?.toFixed(3)} px, ${e.samples_per_s.toFixed(1)} samples/s\n`) },
      });
      const run = await session.done;
      const f = run.final as FinalMetrics;
      const epochs = run.epochs;
      const test = f.test.rmse_px;
      byName[splitName] = test;
      const errors = new Map(store.getPredictions(run.id).map((p) => [p.sampleId, p.error]));
      const people = splitPeopleFigures(store.getRunSplit(run.id), (id) => groupOf.get(id) ?? null, (id) => errors.get(id) ?? null);
      // The documented target (test RMSE <= 2.5 px in 20 minutes) was set on the default random split; the person split is reported beside it.
      const judged = isDefault && splitName === 'random';
      report({
        bench: 'train-accuracy',
        model,
        split: splitName,
        split_setting: split,
        split_sizes: f.split,
        default_model: isDefault,
        backend: run.backend,
        budget_minutes: minutes,
        train_seconds: Math.round(f.train_seconds),
        epochs: epochs.filter((e) => !e.partial).length,
        mean_samples_per_s: Math.round(epochs.reduce((a, e) => a + e.samples_per_s, 0) / Math.max(1, epochs.length)),
        test_rmse_px: test,
        val_rmse_px: f.val.rmse_px,
        train_rmse_px: f.train.rmse_px,
        baseline_test_rmse_px: f.baseline.test_rmse_px,
        test_nme: f.test.nme,
        ...people,
        reading: f.reading,
        target: judged ? 'test RMSE <= 2.5 px within 20 minutes of training (random split)' : `reported (${isDefault ? 'split by source person' : `shorter budget: ${minutes} min`})`,
        ...(judged ? { pass: test !== null && test <= 2.5 && f.train_seconds <= 20 * 60 + 30 } : {}),
      });
    }
    if (splitNames.length > 1) {
      report({
        bench: 'train-accuracy.splits',
        model,
        budget_minutes: minutes,
        people_grouped: `${project.grouped} of ${project.samples} rows have a source person (IMM); the others are their own group`,
        test_rmse_px_random: byName.random ?? null,
        test_rmse_px_person: byName.person ?? null,
        person_minus_random_px: byName.random != null && byName.person != null ? Number((byName.person - byName.random).toFixed(3)) : null,
      });
    }
  }
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
