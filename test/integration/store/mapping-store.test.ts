// The pretrained mapping kept in the project file (meta extra:pretrained-mapping): survives reopening, bad records named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { MAPPING_KEY, deleteMapping, loadMapping, saveMapping, type StoredMapping } from '../../../src-main/store/mapping.js';

const dir = mkdtempSync(join(tmpdir(), 'kps-mapping-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(schemaId: string, K: number): StoredMapping {
  return {
    version: 1,
    model: 'face-api-68',
    schemaId,
    keypoints: K,
    fittedAt: '2026-01-01T00:00:00.000Z',
    dataVersion: 3,
    samples: 5,
    noFace: 1,
    heldOut: { folds: 2, samples: 5, nme: 0.05, meanShapeNme: 0.07, meanShapeBoxNme: 0.15, directNme: null },
    mapping: { mu: new Array(136).fill(0.5), keypoints: Array.from({ length: K }, (_, k) => (k === 0 ? null : { mean: [k, -k] as [number, number], weights: new Array(272).fill(0.25), samples: 5 })), lambda: 0.1, samples: 5, outliers: [] },
  };
}

describe('store/mapping.ts', () => {
  it('saves, reopens, replaces and deletes the mapping', () => {
    const path = join(dir, 'a.kps');
    const schema = loadBuiltinSchema('kaggle-15');
    const store = createProject(path, schema);
    expect(loadMapping(store)).toBeNull();
    saveMapping(store, record('kaggle-15', 15));
    store.close();
    const again = openProject(path);
    try {
      expect(loadMapping(again)).toEqual(record('kaggle-15', 15));
      // A record for another layout is not used.
      saveMapping(again, record('imm-58', 58));
      expect(loadMapping(again)).toBeNull();
      deleteMapping(again);
      expect(again.getExtra(MAPPING_KEY)).toBeNull();
    } finally {
      again.close();
    }
  });

  it('names the project file when the stored record is broken', () => {
    const path = join(dir, 'b.kps');
    const store = createProject(path, loadBuiltinSchema('kaggle-15'));
    try {
      store.setExtra(MAPPING_KEY, '{"version": 1, ');
      expect(() => loadMapping(store)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the stored pretrained mapping is not valid JSON`));
      store.setExtra(MAPPING_KEY, '{"version": 7}');
      expect(() => loadMapping(store)).toThrow(/unknown shape \(version 7\); fit it again/);
      expect(() => store.setExtra('', 'x')).toThrow(/extra key must be a non-empty string/);
    } finally {
      store.close();
    }
  });
});
