// `kps export <project.kps> <out> --format <f> [--overwrite] [subset flags] [--other-sizes fail|skip|crop] [--predicted include|exclude|flag]`: write the
// project's samples and labels (all, or a subset) in a dataset format.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KpsError } from '../../core/errors.js';
import { RUN_SIDES, SPLITS, type Split } from '../../core/types.js';
import type { ExportFormat } from '../../api/ops.js';
import { EXPORT_FORMAT_IDS, EXPORT_FORMATS } from '../../api/formats.js';
import { OTHER_SIZES, PREDICTED_EXPORTS, type OtherSizes, type PredictedExport } from '../../api/export.js';
import type { ExportResult, ExportSubset } from '../../api/export.js';
import { action, openProjectToRead, printJson, waitForJob, withService, type CliCommand } from '../context.js';
import { changesLine } from './qc.js';

const FORMATS: readonly string[] = EXPORT_FORMAT_IDS;
const byKind = (kind: 'file' | 'folder') => EXPORT_FORMATS.filter((f) => f.kind === kind).map((f) => f.id).join(' and ');

interface ExportOpts {
  format: string;
  json?: boolean;
  overwrite?: boolean;
  force?: boolean;
  ids?: string;
  split?: string;
  runSplit?: string;
  reviewed?: boolean;
  tag?: string;
  otherSizes?: string;
  predicted?: string;
}

/** "3,5,10-12" -> [3, 5, 10, 11, 12]. */
export function parseIdList(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--ids: "${part}" is not a sample id or a range like 10-12`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b < a || b - a > 1_000_000) throw new Error(`--ids: "${part}" is not a valid range`);
    for (let i = a; i <= b; i++) ids.push(i);
  }
  if (ids.length === 0) throw new Error('--ids: give at least one sample id');
  return ids;
}

/** The subset the flags choose (undefined: every sample). */
export function subsetFromFlags(opts: Pick<ExportOpts, 'ids' | 'split' | 'runSplit' | 'reviewed' | 'tag'>): ExportSubset | undefined {
  const subset: ExportSubset = {};
  if (opts.ids !== undefined) subset.ids = parseIdList(opts.ids);
  if (opts.split !== undefined) {
    if (!SPLITS.includes(opts.split as Split)) throw new Error(`--split "${opts.split}": use one of ${SPLITS.join(', ')}`);
    subset.split = opts.split as Split;
  }
  if (opts.runSplit !== undefined) {
    const at = opts.runSplit.lastIndexOf(':');
    const runId = at > 0 ? opts.runSplit.slice(0, at) : '';
    const side = at > 0 ? opts.runSplit.slice(at + 1) : '';
    if (!runId || !(RUN_SIDES as readonly string[]).includes(side)) throw new Error(`--run-split "${opts.runSplit}": give <run id>:<${RUN_SIDES.join('|')}>`);
    subset.runSplit = { runId, side: side as (typeof RUN_SIDES)[number] };
  }
  if (opts.reviewed) subset.reviewedOnly = true;
  if (opts.tag !== undefined) subset.tag = opts.tag;
  return Object.keys(subset).length > 0 ? subset : undefined;
}

export const exportCommand: CliCommand = {
  name: 'export',
  register(program: Command) {
    program
      .command('export')
      .description(`export the project, or a subset of it (a file for ${byKind('file')}, a folder for ${byKind('folder')})`)
      .argument('<project.kps>', 'an existing project file')
      .argument('<out>', 'output file or folder')
      .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
      .option('--overwrite', 'replace an existing output file (or earlier export folder); without it an existing one is an error')
      .option('--force', 'same as --overwrite')
      .option('--ids <list>', 'only these sample ids, e.g. 3,5,10-12')
      .option('--split <split>', `only samples of this stored split: ${SPLITS.join(', ')}`)
      .option('--run-split <run:side>', "only samples on one side of a run's own split, e.g. run-3:test")
      .option('--reviewed', 'only samples marked reviewed (tag "reviewed")')
      .option('--tag <tag>', 'only samples with this tag')
      .option('--other-sizes <what>', `kaggle-csv: samples that are not 96x96: ${OTHER_SIZES.join(', ')} (crop: cropped around their keypoints and resized to 96x96 grey; default fail)`)
      .option('--predicted <what>', `predicted, unconfirmed keypoints (a model's, not yet confirmed): ${PREDICTED_EXPORTS.join(', ')} (flag: COCO only; default include)`)
      .option('--json', 'print the result as one JSON object')
      .action(
        action(async (project: string, out: string, opts: ExportOpts) => {
          if (!FORMATS.includes(opts.format)) {
            throw new Error(`unknown format "${opts.format}": use one of ${FORMATS.join(', ')}`);
          }
          if (opts.otherSizes !== undefined && !OTHER_SIZES.includes(opts.otherSizes as OtherSizes)) {
            throw new Error(`--other-sizes "${opts.otherSizes}": use one of ${OTHER_SIZES.join(', ')}`);
          }
          if (opts.predicted !== undefined && !PREDICTED_EXPORTS.includes(opts.predicted as PredictedExport)) {
            throw new Error(`--predicted "${opts.predicted}": use one of ${PREDICTED_EXPORTS.join(', ')}`);
          }
          const subset = subsetFromFlags(opts);
          await withService(async (service) => {
            await openProjectToRead(service, project);
            const overwrite = opts.overwrite === true || opts.force === true;
            const req = { out, format: opts.format as ExportFormat, overwrite, ...(subset ? { subset } : {}), ...(opts.otherSizes ? { otherSizes: opts.otherSizes as OtherSizes } : {}), ...(opts.predicted ? { predicted: opts.predicted as PredictedExport } : {}) };
            const { jobId } = await service.call('export.start', req).catch((err: unknown) => {
              // The service's wording names the API flag; a CLI user needs the option's name.
              if (err instanceof KpsError && err.code === 'conflict' && err.file === resolve(out)) {
                throw new KpsError('conflict', `${err.file} already exists; pass --overwrite to replace it`, { file: err.file });
              }
              throw err;
            });
            const final = await waitForJob(service, jobId, 'export').catch((err: unknown) => {
              if (err instanceof KpsError && /otherSizes "skip" or "crop"/.test(err.message)) {
                throw new KpsError(err.code, err.message.replace(/Export with otherSizes "skip" or "crop" \(kps export --other-sizes skip\|crop\)/, 'Pass --other-sizes skip or --other-sizes crop'), { ...(err.file ? { file: err.file } : {}) });
              }
              throw err;
            });
            const result = final.result as ExportResult;
            // Export after review (QC, issue 5): what changed since import; the line's format lives in qc.ts.
            const changes = await service.call('changes.summary', {});
            if (opts.json) printJson({ ...result, changes });
            else {
              const extra = [
                result.skipped ? `; skipped ${result.skipped.count} not 96x96${result.skipped.count > 0 ? ` (ids ${result.skipped.ids.join(', ')}${result.skipped.count > result.skipped.ids.length ? ', ...' : ''})` : ''}` : '',
                result.cropped !== undefined ? `; cropped ${result.cropped} to 96x96 grey` : '',
                result.predicted?.mode === 'exclude' ? `; left out ${result.predicted.keypoints ?? 0} predicted, unconfirmed keypoints` : result.predicted?.mode === 'flag' ? '; predicted keypoints flagged' : '',
              ].join('');
              process.stdout.write(`Exported ${result.written} samples to ${result.out} (${opts.format}${subset ? `, of ${result.selected} in the subset` : ''})${extra}\n${changesLine(changes)}\n`);
            }
          });
        }),
      );
  },
};
