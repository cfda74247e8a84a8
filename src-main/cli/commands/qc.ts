// `kps qc <project.kps> [--run <id>] [--json]`: rank the samples by how likely a label is wrong, with scores and reasons.
import { PRETRAINED_ID } from '../../api/pretrained-id.js';
import type { Command } from 'commander';
import { KpsError } from '../../core/errors.js';
import type { QcEntry, QcListResult } from '../../api/qc.js';
import type { ChangeSummary } from '../../api/records.js';
import { action, openProject, printJson, waitForJob, withService, type CliCommand } from '../context.js';

function int(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new KpsError('bad-input', `--${name} must be an integer of at least ${min}, got "${v}"`);
  return n;
}

function jsonEntry(e: QcEntry, names: string[]): Record<string, unknown> {
  return {
    sample: e.sample,
    source: e.source,
    record: e.record,
    score: Number(e.score.toFixed(3)),
    reasons: e.reasons,
    kinds: e.kinds,
    keypoint: e.suspect === null ? null : (names[e.suspect] ?? null),
    ...(e.dismissed ? { dismissed: true } : {}),
  };
}

export const qcCommand: CliCommand = {
  name: 'qc',
  register(program: Command) {
    program
      .command('qc')
      .description('label quality: rank samples by how likely a label is wrong (swaps, odd shapes, disagreement with held-out models)')
      .argument('<project.kps>', 'an existing project file')
      .option('--run <id>', "use this run's predictions for the samples it did not train on, instead of training cross-validated folds")
      .option('--pretrained', 'use the pretrained face-api 68-point net as the model evidence (ibug-68 directly; other layouts through their fitted mapping, held out by folds)')
      .option('--no-model', 'shape and left/right swap tests only (no model training: seconds)')
      .option('--folds <n>', 'cross-validation folds (models trained)', '4')
      .option('--epochs <n>', 'epochs per fold model')
      .option('--seed <n>', 'seed of the folds and models', '1')
      .option('--limit <n>', 'print only the first N of the queue (text output: default 30)')
      .option('--all', 'include dismissed samples')
      .option('--json', 'print one JSON array in rank order')
      .action(
        action(async (project: string, opts: { run?: string; pretrained?: boolean; model: boolean; folds?: string; epochs?: string; seed?: string; limit?: string; all?: boolean; json?: boolean }) => {
          const folds = int(opts.folds, 'folds', 2);
          const epochs = int(opts.epochs, 'epochs', 1);
          const seed = int(opts.seed, 'seed', 0);
          const limit = int(opts.limit, 'limit', 1);
          if (opts.run !== undefined && opts.model === false) throw new KpsError('bad-input', '--run and --no-model cannot be used together');
          if (opts.pretrained && (opts.run !== undefined || opts.model === false)) throw new KpsError('bad-input', '--pretrained cannot be used with --run or --no-model');
          const runId = opts.pretrained ? PRETRAINED_ID : opts.run;
          await withService(async (service) => {
            await openProject(service, project);
            const { jobId } = await service.call('qc.run', { runId, noModel: opts.model === false ? true : undefined, folds, epochs, seed });
            await waitForJob(service, jobId, 'qc');
            const list: QcListResult = await service.call('qc.list', { includeDismissed: opts.all === true, limit: opts.json ? limit : (limit ?? 30) });
            const info = await service.call('project.info', {});
            const names = info?.schema.keypoints.map((k) => k.name) ?? [];
            if (opts.json) {
              printJson(list.items.map((e) => jsonEntry(e, names)));
              return;
            }
            const ev = list.report?.evidence;
            const model = ev?.model === 'folds' ? `${ev.folds} cross-validated folds (held-out RMSE ${ev.heldOutRmsePx?.toFixed(2) ?? '?'} px)` : ev?.model === 'run' ? `run ${ev.runId} (held-out samples only)` : ev?.model === 'pretrained' ? 'the pretrained face-api 68-point net' : 'none';
            process.stdout.write(`QC of ${list.total} samples (${list.dismissedCount} dismissed); model evidence: ${model}\n`);
            for (const n of ev?.notes ?? []) process.stdout.write(`note: ${n}\n`);
            list.items.forEach((e, i) => {
              process.stdout.write(`${String(i + 1).padStart(4)}. sample ${e.sample} (${e.source} record ${e.record})  score ${e.score.toFixed(2)}${e.dismissed ? '  [dismissed]' : ''}\n`);
              for (const r of e.reasons) process.stdout.write(`        - ${r}\n`);
            });
            if (list.total > list.items.length) process.stdout.write(`... ${list.total - list.items.length} more (use --limit or --json)\n`);
          });
        }),
      );
  },
};

/** One line for `kps export`: what changed in the labels since import, by kind and by provenance. */
export function changesLine(s: ChangeSummary): string {
  if (s.edited + s.filled + s.madeMissing + s.deletedSamples === 0) return 'Changes since import: none';
  const by = Object.entries(s.byProvenance)
    .sort((a, b) => b[1].edited + b[1].filled + b[1].madeMissing - (a[1].edited + a[1].filled + a[1].madeMissing))
    .map(([who, c]) => `${who}: ${c.edited} edited, ${c.filled} filled, ${c.madeMissing} made missing`);
  return `Changes since import: ${s.samplesChanged} samples changed; ${s.edited} keypoints edited, ${s.filled} filled, ${s.madeMissing} made missing; ${s.deletedSamples} samples deleted${by.length ? ` (by ${by.join('; ')})` : ''}`;
}
