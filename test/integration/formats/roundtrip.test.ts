// Round trips on the real data: import, export, import gives identical labels (Kaggle CSV exactly, other formats within 1e-3 px), including through a real project store.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietContext } from '../../../src-main/formats/common.js';
import { exporters, importers } from '../../../src-main/formats/index.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { createProject } from '../../../src-main/store/project.js';
import { requireDataDir } from '../../helpers/data.js';
import { maxLabelDifference, memorySource } from '../../unit/formats/memory-source.js';

const ctx = quietContext();

/**
 * The exported text must be the original cell for cell, except that each number is written in its
 * shortest round-trip form (the real files have trailing zeros such as "14.2790", written back as
 * "14.279") and lines end in LF.
 */
function expectSameCsv(exported: string, original: string, coordinateColumns: number): void {
  const out = exported.split('\n');
  const src = original.replace(/\r\n/g, '\n').split('\n');
  expect(out.length).toBe(src.length);
  expect(out[0]).toBe(src[0]);
  for (let i = 1; i < src.length; i++) {
    const a = out[i].split(',');
    const b = src[i].split(',');
    expect(a.length, `line ${i + 1}`).toBe(b.length);
    for (let c = 0; c < b.length; c++) {
      const want = c < coordinateColumns && b[c] !== '' ? String(Number(b[c])) : b[c];
      if (a[c] !== want) expect(a[c], `line ${i + 1} column ${c + 1}`).toBe(want);
    }
  }
}
const tmp = () => mkdtempSync(join(tmpdir(), 'kps-rt-'));

describe('real-data round trips', () => {
  it('kaggle-proxy training.csv through a real project store: the exported file equals the original cell for cell (numbers in shortest form)', async () => {
    const file = join(requireDataDir(), 'kaggle-proxy/training.csv');
    const schema = loadBuiltinSchema('kaggle-15');
    const first = await importers['kaggle-csv'](file, schema, ctx);
    const dir = tmp();
    const store = createProject(join(dir, 'p.kps'), schema);
    try {
      store.importSamples(first, 'import');
      const out = join(dir, 'exported.csv');
      const res = await exporters['kaggle-csv'](store.exportSource(), out, ctx);
      expect(res.written).toBe(1045);
      expectSameCsv(readFileSync(out, 'utf8'), readFileSync(file, 'utf8'), 30);
      const second = await importers['kaggle-csv'](out, schema, ctx);
      expect(maxLabelDifference(first, second)).toBe(0);
    } finally {
      store.close();
    }
  });

  it('kaggle-labels: labels-only export reads back with identical float64 values', async () => {
    const file = join(requireDataDir(), 'kaggle-labels/training_labels.csv');
    const schema = loadBuiltinSchema('kaggle-15');
    const first = await importers['kaggle-labels'](file, schema, ctx);
    const out = join(tmp(), 'labels.csv');
    await exporters['kaggle-csv'](memorySource(schema, first), out, ctx);
    const second = await importers['kaggle-labels'](out, schema, ctx);
    expect(maxLabelDifference(first, second)).toBe(0);
    expectSameCsv(readFileSync(out, 'utf8'), readFileSync(file, 'utf8'), 30);
  });

  it('imm-face-db through .pts export (images copied beside): within 1e-3 px, same groups', async () => {
    const schema = loadBuiltinSchema('imm-58');
    const first = await importers.pts(join(requireDataDir(), 'imm-face-db'), schema, ctx);
    const out = join(tmp(), 'pts');
    await exporters.pts(memorySource(schema, first), out, ctx);
    const second = await importers.pts(out, schema, ctx);
    expect(second.length).toBe(240);
    expect(maxLabelDifference(first, second)).toBeLessThan(1e-3);
    expect(second.map((s) => s.groupId)).toEqual(first.map((s) => s.groupId));
    expect(second.map((s) => [s.image.width, s.image.height])).toEqual(first.map((s) => [s.image.width, s.image.height]));
  });

  it('lfpw-train through COCO export: within 1e-3 px', async () => {
    const schema = loadBuiltinSchema('ibug-68');
    const first = await importers.pts(join(requireDataDir(), 'lfpw-train'), schema, ctx);
    const out = join(tmp(), 'coco');
    await exporters.coco(memorySource(schema, first), out, ctx);
    const second = await importers.coco(join(out, 'annotations.json'), schema, ctx);
    expect(second.length).toBe(805);
    expect(maxLabelDifference(first, second)).toBeLessThan(1e-3);
  });

  it('imm-frontal (.asf) through .pts and COCO exports: within 1e-3 px', async () => {
    const schema = loadBuiltinSchema('imm-frontal-73');
    const first = await importers.asf(join(requireDataDir(), 'imm-frontal'), schema, ctx);
    const dir = tmp();
    await exporters.pts(memorySource(schema, first), join(dir, 'pts'), ctx);
    expect(maxLabelDifference(first, await importers.pts(join(dir, 'pts'), schema, ctx))).toBeLessThan(1e-3);
    await exporters.coco(memorySource(schema, first), join(dir, 'coco'), ctx);
    expect(maxLabelDifference(first, await importers.coco(join(dir, 'coco', 'annotations.json'), schema, ctx))).toBeLessThan(1e-3);
  });

  it('kaggle-proxy test.csv exported as a training layout keeps its pixels and has no labels', async () => {
    const schema = loadBuiltinSchema('kaggle-15');
    const first = await importers['kaggle-test-csv'](join(requireDataDir(), 'kaggle-proxy/test.csv'), schema, ctx);
    const out = join(tmp(), 'test-as-training.csv');
    await exporters['kaggle-csv'](memorySource(schema, first), out, ctx);
    const second = await importers['kaggle-csv'](out, schema, ctx);
    expect(maxLabelDifference(first, second)).toBe(0);
    second.forEach((s, i) => {
      const a = first[i].image, b = s.image;
      if (a.kind !== 'embedded' || b.kind !== 'embedded') throw new Error('expected embedded pixels');
      expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
    });
  });
});
