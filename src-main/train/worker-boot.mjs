// Starts a worker thread of the training engine: argv[2] names the worker module beside its folder, without the
// extension; the built JavaScript is loaded when present, else the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) throw new Error('worker-boot: no worker module given');
const built = pathToFileURL(`${entry}.js`);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(`${entry}.ts`).href);
}
