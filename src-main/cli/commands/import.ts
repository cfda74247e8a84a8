// `kps import <project.kps> <path> --format <f>`: validate and import a dataset file or folder into a project.
import type { Command } from 'commander';
import type { ImportFormat } from '../../service/api.js';
import { action, openProject, printJson, waitForJob, withService, type CliCommand } from '../context.js';

const FORMATS: ImportFormat[] = ['kaggle-csv', 'kaggle-test-csv', 'kaggle-labels', 'pts', 'asf', 'coco'];

export const importCommand: CliCommand = {
  name: 'import',
  register(program: Command) {
    program
      .command('import')
      .description('import a dataset into a project (all or nothing: a bad record imports nothing)')
      .argument('<project.kps>', 'an existing project file')
      .argument('<path>', 'the file (CSV, COCO JSON) or folder (.pts, .asf) to import')
      .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
      .option('--json', 'print the result as one JSON object')
      .action(
        action(async (project: string, path: string, opts: { format: string; json?: boolean }) => {
          if (!FORMATS.includes(opts.format as ImportFormat)) {
            throw new Error(`unknown format "${opts.format}": use one of ${FORMATS.join(', ')}`);
          }
          await withService(async (service) => {
            await openProject(service, project);
            const { jobId } = await service.call('import.start', { path, format: opts.format as ImportFormat });
            const final = await waitForJob(service, jobId, 'import');
            const result = final.result as { count: number; firstId: number; lastId: number };
            const info = await service.call('project.info', {});
            if (opts.json) printJson({ ...result, path, format: opts.format, sampleCount: info?.sampleCount ?? null });
            else process.stdout.write(`Imported ${result.count} samples from ${path} (${opts.format}); the project now has ${info?.sampleCount ?? '?'} samples\n`);
          });
        }),
      );
  },
};
