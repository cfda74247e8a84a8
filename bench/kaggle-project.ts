// The benches' training project: kaggle-proxy training.csv imported into a new project, optionally grouped by source person.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireDataDir } from '../test/helpers/data.js';
import { createProject } from '../src-main/store/project.js';
import type { ProjectStore } from '../src-main/store/types.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { importKaggleCsv } from '../src-main/formats/kaggle-csv.js';
import { applyPersonGroups, parseSourceRows } from './person-groups.js';

export interface BenchProject {
  path: string;
  store: ProjectStore;
  samples: number;
  /** Samples given a person's group id (kaggle-proxy's IMM rows); 0 without personGroups. */
  grouped: number;
}

/**
 * Creates `<dir>/faces.kps` (kaggle-15) and imports kaggle-proxy's training.csv as `kps import` would. With
 * personGroups each row's group id is its source person from training_sources.csv, so `split: group` keeps a
 * person's photos on one side. The store is returned open; close it before another process opens the project.
 */
export async function kaggleProxyProject(dir: string, opts: { personGroups?: boolean } = {}): Promise<BenchProject> {
  const data = join(requireDataDir(), 'kaggle-proxy');
  const schema = loadBuiltinSchema('kaggle-15');
  const samples = await importKaggleCsv(join(data, 'training.csv'), schema, { progress: () => undefined, signal: new AbortController().signal });
  let grouped = 0;
  if (opts.personGroups) {
    const file = join(data, 'training_sources.csv');
    grouped = applyPersonGroups(samples, parseSourceRows(readFileSync(file, 'utf8'), file), file);
  }
  const path = join(dir, 'faces.kps');
  const store = createProject(path, schema);
  store.importSamples(samples, 'import:bench');
  return { path, store, samples: samples.length, grouped };
}
