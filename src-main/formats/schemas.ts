// Loading keypoint schemas: the built-in ones from assets/schemas, or a user's JSON file.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KpsError, jsonSyntaxProblem } from '../core/errors.js';
import { KAGGLE_SCHEMA_ID, validateSchema } from '../core/schema.js';
import type { KeypointSchema } from '../core/types.js';

export const BUILTIN_SCHEMA_IDS = [KAGGLE_SCHEMA_ID, 'imm-58', 'imm-frontal-73', 'ibug-68'] as const;
export type BuiltinSchemaId = (typeof BUILTIN_SCHEMA_IDS)[number];

let cachedDir: string | null = null;

/**
 * The folder holding the built-in schema JSON files. KPS_ASSETS_DIR (the `assets` folder) wins, for
 * bundled or packaged builds; otherwise walk up from this module (src-main/formats in the source tree,
 * out/main when bundled by electron-vite) to the first `assets/schemas`.
 */
export function schemasDir(): string {
  const fromEnv = process.env.KPS_ASSETS_DIR;
  if (fromEnv) {
    const dir = join(resolve(fromEnv), 'schemas');
    if (!existsSync(dir)) throw new KpsError('not-found', `KPS_ASSETS_DIR is ${fromEnv} but ${dir} does not exist`);
    return dir;
  }
  if (cachedDir) return cachedDir;
  // A CommonJS bundle has no import.meta.url: fall back to the working folder.
  let here: string;
  try {
    here = dirname(fileURLToPath(import.meta.url));
  } catch {
    here = process.cwd();
  }
  for (let i = 0; i < 6; i++) {
    const dir = join(here, 'assets', 'schemas');
    if (existsSync(join(dir, 'kaggle-15.json'))) {
      cachedDir = dir;
      return dir;
    }
    const up = dirname(here);
    if (up === here) break;
    here = up;
  }
  throw new KpsError('not-found', 'built-in schemas not found (no assets/schemas above the program); set KPS_ASSETS_DIR to the assets folder');
}

const cache = new Map<string, KeypointSchema>();

/** Every schema JSON in the built-in folder, validated, the four standard ones first. */
export function listBuiltinSchemas(): KeypointSchema[] {
  const dir = schemasDir();
  const ids = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
  const order = (id: string) => {
    const k = (BUILTIN_SCHEMA_IDS as readonly string[]).indexOf(id);
    return k === -1 ? BUILTIN_SCHEMA_IDS.length : k;
  };
  ids.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return ids.map((id) => loadBuiltinSchema(id));
}

/** A built-in schema by id (kaggle-15, imm-58, imm-frontal-73, ibug-68). Returns a fresh copy. */
export function loadBuiltinSchema(id: string): KeypointSchema {
  let schema = cache.get(id);
  if (!schema) {
    const file = join(schemasDir(), `${id}.json`);
    if (!/^[A-Za-z0-9._-]+$/.test(id) || !existsSync(file)) {
      throw new KpsError('not-found', `unknown schema "${id}": built-in schemas are ${BUILTIN_SCHEMA_IDS.join(', ')}, or give a path to a .json file`);
    }
    schema = loadSchemaFile(file);
    if (schema.id !== id) throw new KpsError('internal', `${file}: its id is "${schema.id}" but the file name says "${id}"`);
    cache.set(id, schema);
  }
  return structuredClone(schema);
}

/** Read and validate a user's schema JSON file; errors name the file and the problem. */
export function loadSchemaFile(path: string): KeypointSchema {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KpsError(code === 'ENOENT' ? 'not-found' : 'bad-input', `${file}: cannot read schema (${code ?? String(err)})`, { file });
  }
  let value: unknown;
  try {
    text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    value = JSON.parse(text);
  } catch (err) {
    throw new KpsError('bad-input', `${file}: not valid JSON (${jsonSyntaxProblem(err, text)})`, { file });
  }
  return validateSchema(value, file);
}

/** A built-in id, or a path to a schema JSON file (anything ending in .json or containing a path separator). */
export function resolveSchema(idOrPath: string): KeypointSchema {
  if (idOrPath.endsWith('.json') || idOrPath.includes('/') || idOrPath.includes('\\')) return loadSchemaFile(idOrPath);
  return loadBuiltinSchema(idOrPath);
}
