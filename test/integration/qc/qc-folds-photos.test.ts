// Cross-validated folds on a photo project: every fold trains and predicts (regression: the photos' context squares
// were shared between the folds' workers, so the first worker took the buffer and the later folds never started).
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { createProject } from '../../../src-main/store/project.js';
import { importPts } from '../../../src-main/formats/pts.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { quietContext } from '../../../src-main/formats/common.js';
import { crossValidatedPredictions } from '../../../src-main/qc/folds.js';

const dir = mkdtempSync(join(tmpdir(), 'kps-qc-folds-photos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qc folds on photos', () => {
  it('trains every fold in its own worker and predicts every labelled photo once', async () => {
    const from = join(requireDataDir(), 'lfpw-train');
    const stems = readdirSync(from).filter((f) => f.endsWith('.jpg')).sort().slice(0, 12).map((f) => f.replace(/\.jpg$/, ''));
    mkdirSync(join(dir, 'faces'));
    for (const s of stems) for (const ext of ['.jpg', '.pts']) copyFileSync(join(from, s + ext), join(dir, 'faces', s + ext));
    const schema = loadBuiltinSchema('ibug-68');
    const store = createProject(join(dir, 'p.kps'), schema);
    try {
      store.importSamples(await importPts(join(dir, 'faces'), schema, quietContext()), 'import');
      const cv = await crossValidatedPredictions(store, { folds: 3, epochs: 1, inputSize: 64, concurrency: 2 });
      expect(cv.predictions.size).toBe(12);
      expect(new Set(cv.foldOf.values())).toEqual(new Set([1, 2, 3]));
      for (const p of cv.predictions.values()) {
        expect(p).toHaveLength(136);
        expect(p.every(Number.isFinite)).toBe(true);
      }
    } finally {
      store.close();
    }
  }, 240_000);
});
