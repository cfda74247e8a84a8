// `kps serve [project.kps] [--port N] [--host H]`: web mode, the renderer and the API over HTTP + WebSocket, behind the printed token.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, OptionValues } from 'commander';
import { action, type CliCommand } from '../context.js';

/** dist-web/ at the repository root (or KPS_WEB_DIR). */
export function defaultWebDir(): string {
  if (process.env.KPS_WEB_DIR) return resolve(process.env.KPS_WEB_DIR);
  // The root is the nearest folder above this module with our package.json: src-main/cli/commands in the sources,
  // out/cli or out/cli/chunks in the compiled CLI.
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'keypoint-studio') return join(dir, 'dist-web');
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (dirname(dir) === dir) return resolve(start, '../../../dist-web');
  }
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`bad port "${text}": use 0 to 65535 (0 picks a free port)`);
  return n;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command) {
    program
      .command('serve')
      .description('serve the app in a browser (web mode); every request needs the token in the printed URL')
      .argument('[project.kps]', 'a project to open (optional: the app can create or open one)')
      .option('--port <n>', 'port to listen on; 0 picks a free one', '0')
      .option('--host <host>', 'address to bind (the token is required on every address)', '127.0.0.1')
      .option('--web-dir <dir>', 'folder of the built renderer', undefined)
      .action(
        action(async (project: string | undefined, opts: OptionValues) => {
          const port = parsePort(String(opts.port));
          // Loaded here, not at the top, so that the rest of the CLI (and its --help) starts without them.
          const [{ Service }, { startHttpServer }] = await Promise.all([import('../../service/service.js'), import('../../transport/http.js')]);
          const service = await Service.create({ mode: 'web', actor: 'annotator' });
          if (project) await service.call('project.open', { path: project });
          const webDir = opts.webDir ? resolve(String(opts.webDir)) : defaultWebDir();
          const server = await startHttpServer({
            service,
            host: String(opts.host),
            port,
            staticDir: webDir,
            token: process.env.KPS_TOKEN ? process.env.KPS_TOKEN : undefined,
          });
          // Last resort: a stray exception must not take running training jobs down with the server; log it and carry on.
          process.on('uncaughtException', (err) => process.stderr.write(`kps serve: internal error (still serving): ${err.stack ?? err.message}\n`));
          process.on('unhandledRejection', (why) => process.stderr.write(`kps serve: internal error (still serving): ${why instanceof Error ? (why.stack ?? why.message) : String(why)}\n`));
          // The one line scripts and the end-to-end harness parse.
          process.stdout.write(`Keypoint Studio (web mode): ${server.url}\n`);
          if (!existsSync(resolve(webDir, 'index.html'))) {
            process.stderr.write(`kps: note: no built renderer in ${webDir}; run \`npm run build:web\` (the API works meanwhile)\n`);
          }
          service.preloadExtensions();
          let stopping = false;
          const stop = async () => {
            if (stopping) return;
            stopping = true;
            await server.close();
            await service.shutdown();
            process.exit(0);
          };
          process.on('SIGINT', () => void stop());
          process.on('SIGTERM', () => void stop());
          await new Promise<never>(() => {});
        }),
      );
  },
};
