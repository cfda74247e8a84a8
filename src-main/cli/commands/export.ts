// `kps export <project.kps> <out> --format <f>`: write the project's samples and labels in a dataset format.
import type { Command } from 'commander';
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
      .option('--json', 'print the result as one JSON object')
      .action(
        action(async (project: string, out: string, opts: { format: string; json?: boolean }) => {
          if (!FORMATS.includes(opts.format as ExportFormat)) {
            throw new Error(`unknown format "${opts.format}": use one of ${FORMATS.join(', ')}`);
          }
          await withService(async (service) => {
            await openProjectToRead(service, project);
            const { jobId } = await service.call('export.start', { out, format: opts.format as ExportFormat });
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
