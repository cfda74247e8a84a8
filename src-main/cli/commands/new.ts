// `kps new <project.kps> --schema <id|path.json>`: create an empty project with a keypoint layout.
import type { Command } from 'commander';
import { action, printJson, withService, type CliCommand } from '../context.js';

export const newCommand: CliCommand = {
  name: 'new',
  register(program: Command) {
    program
      .command('new')
      .description('create a new, empty project file')
      .argument('<project.kps>', 'the project file to create (must not exist)')
      .requiredOption('--schema <schema>', 'keypoint layout: kaggle-15, imm-58, imm-frontal-73, ibug-68, or a path to a schema JSON file')
      .option('--json', 'print the project info as one JSON object')
      .action(
        action(async (project: string, opts: { schema: string; json?: boolean }) => {
          await withService(async (service) => {
            const info = await service.call('project.create', { path: project, schema: opts.schema });
            if (opts.json) printJson(info);
            else process.stdout.write(`Created ${info.path} (schema ${info.schema.id}, ${info.schema.keypoints.length} keypoints)\n`);
          });
        }),
      );
  },
};
