// `kps export <project.kps> <out> --format <f> [--overwrite]`: write the project's samples and labels in a dataset format.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KpsError } from '../../core/errors.js';
import type { ExportFormat } from '../../service/api.js';
import { action, openProjectToRead, printJson, waitForJob, withService, type CliCommand } from '../context.js';
import { changesLine } from './qc.js';

const FORMATS: ExportFormat[] = ['kaggle-csv', 'coco', 'pts'];

export const exportCommand: CliCommand = {
  name: 'export',
  register(program: Command) {
    program
      .command('export')
      .description('export the project (a file for kaggle-csv and coco, a folder for pts)')
      .argument('<project.kps>', 'an existing project file')
      .argument('<out>', 'output file or folder')
      .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
      .option('--overwrite', 'replace an existing output file (or earlier export folder); without it an existing one is an error')
      .option('--force', 'same as --overwrite')
      .option('--json', 'print the result as one JSON object')
      .action(
        action(async (project: string, out: string, opts: { format: string; json?: boolean; overwrite?: boolean; force?: boolean }) => {
          if (!FORMATS.includes(opts.format as ExportFormat)) {
            throw new Error(`unknown format "${opts.format}": use one of ${FORMATS.join(', ')}`);
          }
          await withService(async (service) => {
            await openProjectToRead(service, project);
            const overwrite = opts.overwrite === true || opts.force === true;
            const { jobId } = await service.call('export.start', { out, format: opts.format as ExportFormat, overwrite }).catch((err: unknown) => {
              // The service's wording names the API flag; a CLI user needs the option's name.
              if (err instanceof KpsError && err.code === 'conflict' && err.file === resolve(out)) {
                throw new KpsError('conflict', `${err.file} already exists; pass --overwrite to replace it`, { file: err.file });
              }
              throw err;
            });
            const final = await waitForJob(service, jobId, 'export');
            const result = final.result as { written: number; files: string[]; out: string };
            // Export after review (QC, issue 5): what changed since import; the line's format lives in qc.ts.
            const changes = await service.call('changes.summary', {});
            if (opts.json) printJson({ ...result, changes });
            else process.stdout.write(`Exported ${result.written} samples to ${result.out} (${opts.format})\n${changesLine(changes)}\n`);
          });
        }),
      );
  },
};
