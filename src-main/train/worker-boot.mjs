// Starts the training worker thread: the built JavaScript when present, else the TypeScript source through tsx.
import { existsSync } from 'node:fs';

const built = new URL('./worker.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./worker.ts', import.meta.url).href);
}
