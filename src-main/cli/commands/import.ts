// `kps import <project.kps> <path> --format <f>`: validate and import a dataset file or folder into a project.
import type { Command } from 'commander';
import { ON_REPEAT, type ImportFormat, type ImportResult, type OnRepeat } from '../../api/ops.js';
import { IMPORT_FORMAT_IDS, IMPORT_FORMATS } from '../../api/formats.js';
import { KpsError } from '../../core/errors.js';
import { action, openProject, printJson, waitForJob, withService, type CliCommand } from '../context.js';

const FORMATS: readonly string[] = IMPORT_FORMAT_IDS;
/** The extensions of the file (or folder) formats, for the help: `.csv, .json`. */
const extsOf = (kind: 'file' | 'folder') => [...new Set(IMPORT_FORMATS.filter((f) => f.kind === kind).flatMap((f) => f.extensions))].map((e) => `.${e}`).join(', ');

export const importCommand: CliCommand = {
  name: 'import',
  register(program: Command) {
    program
      .command('import')
      .description('import a dataset into a project (all or nothing: a bad record imports nothing)')
      .argument('<project.kps>', 'an existing project file')
      .argument('<path>', `the file (${extsOf('file')}) or folder (${extsOf('folder')}) to import`)
      .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
      .option('--on-repeat <choice>', `when the source was imported before: ${ON_REPEAT.join(', ')} (without it a repeat is refused)`)
      .option('--json', 'print the result as one JSON object')
      .action(
        action(async (project: string, path: string, opts: { format: string; onRepeat?: string; json?: boolean }) => {
          if (!FORMATS.includes(opts.format)) {
            throw new Error(`unknown format "${opts.format}": use one of ${FORMATS.join(', ')}`);
          }
          if (opts.onRepeat !== undefined && !ON_REPEAT.includes(opts.onRepeat as OnRepeat)) {
            throw new Error(`unknown --on-repeat "${opts.onRepeat}": use one of ${ON_REPEAT.join(', ')}`);
          }
          const onRepeat = opts.onRepeat as OnRepeat | undefined;
          await withService(async (service) => {
            await openProject(service, project);
            const { jobId } = await service.call('import.start', { path, format: opts.format as ImportFormat, ...(onRepeat ? { onRepeat } : {}) });
            const final = await waitForJob(service, jobId, 'import').catch((err: unknown) => {
              // The service's repeat message names the earlier import; the CLI adds how to answer it here.
              if (err instanceof KpsError && err.code === 'conflict' && /already imported/.test(err.message)) {
                throw new KpsError('conflict', `${err.message.replace(/; choose .*$/, '')}; rerun with --on-repeat ${ON_REPEAT.join('|')}`);
              }
              throw err;
            });
            const result = final.result as ImportResult;
            const info = await service.call('project.info', {});
            const total = `the project now has ${info?.sampleCount ?? '?'} samples`;
            if (opts.json) printJson({ ...result, path, format: opts.format, sampleCount: info?.sampleCount ?? null });
            else if (result.repeat === 'skip') process.stdout.write(`Skipped ${path}: it was imported before; ${total}\n`);
            else if (result.repeat === 'replace-labels') {
              process.stdout.write(`Replaced the labels of ${result.updated ?? 0} samples from ${path} (${result.unmatched ?? 0} records matched no sample); ${total}\n`);
            } else process.stdout.write(`Imported ${result.count} samples from ${path} (${opts.format}); ${total}\n`);
            // Warnings go to stderr (so --json output stays one object) and never change the exit code.
            for (const w of result.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
          });
        }),
      );
  },
};
