// The `kps` command line: one program, each command a module registered from commands/index.ts.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const here = dirname(fileURLToPath(import.meta.url));
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(resolve(here, '../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // Bundled builds have no package.json beside them; the version is cosmetic here.
  }
  const program = new Command('kps')
    .description('Keypoint Studio: facial keypoint datasets from the command line')
    .version(version)
    .configureOutput({
      // Commander's own errors ("error: missing required argument ...") become our one-line form.
      outputError: (str, write) => write(`kps: ${str.trim().split('\n')[0]}\n`),
    });
  for (const c of commands) c.register(program);
  return program;
}

/** Run the CLI on `argv` (process.argv form); bin/kps.js and `npm run kps` land here. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`kps: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) void runCli(process.argv);
