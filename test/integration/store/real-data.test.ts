// The store on the real face data: import through the real importers, then check counts, statistics and filters
// against figures computed independently from the source files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { importers, exporters, loadBuiltinSchema, quietContext } from '../../../src-main/formats/index.js';
import { createProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import { requireDataDir } from '../../helpers/data.js';
import { tempDir } from '../../unit/store/fixtures.js';

const data = requireDataDir();
let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('kps-store-real-')));
afterAll(() => cleanup());

/** Rows of a Kaggle-layout CSV as cells, header separate: an independent reading of the file for the checks. */
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

async function importInto(file: string, schemaId: string, format: keyof typeof importers, path: string): Promise<ProjectStore> {
  const store = createProject(file, loadBuiltinSchema(schemaId));
  const samples = await importers[format](path, store.schema, quietContext());
  store.importSamples(samples, `import:${format}`);
  return store;
}

describe('real data in the store', () => {
  it('kaggle-proxy training.csv: counts, pixel statistics and per-keypoint figures match the file', async () => {
    const csvPath = join(data, 'kaggle-proxy', 'training.csv');
    const store = await importInto(join(dir, 'proxy.kps'), 'kaggle-15', 'kaggle-csv', csvPath);
    try {
      const { header, rows } = readCsv(csvPath);
      expect(store.sampleCount()).toBe(1045);
      const st = store.stats();
      expect(st.sampleCount).toBe(1045);
      expect(st.imageShapes).toEqual([{ width: 96, height: 96, channels: 1, count: 1045 }]);
      // Pixel figures from the Image column, parsed here independently of the importer.
      const imageCol = header.indexOf('Image');
      let min = 255;
      let max = 0;
      let sum = 0;
      let n = 0;
      for (const r of rows) {
        for (const v of r[imageCol].split(' ')) {
          const g = Number(v);
          if (g < min) min = g;
          if (g > max) max = g;
          sum += g;
          n++;
        }
      }
      expect(n).toBe(1045 * 9216);
      expect(st.pixel).toEqual({ min, max, mean: expect.closeTo(sum / n, 9), sampled: 1045 });
      // Per keypoint: labelled counts and coordinate ranges from the cells.
      for (let k = 0; k < 15; k++) {
        const xs = rows.map((r) => r[2 * k]).filter((c) => c !== '').map(Number);
        const ys = rows.map((r) => r[2 * k + 1]).filter((c) => c !== '').map(Number);
        expect(st.keypoints[k].name).toBe(header[2 * k].replace(/_x$/, ''));
        expect(st.keypoints[k].labelled).toBe(xs.length);
        expect(st.keypoints[k].missing).toBe(1045 - xs.length);
        expect(st.keypoints[k].xMin).toBe(Math.min(...xs));
        expect(st.keypoints[k].yMax).toBe(Math.max(...ys));
        expect(st.keypoints[k].xMean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 9);
      }
      const present = rows.map((r) => r.slice(0, 30).filter((c) => c !== '').length / 2);
      expect(st.completeRows).toBe(present.filter((p) => p === 15).length);
      const hist = new Array(16).fill(0);
      for (const p of present) hist[p]++;
      expect(st.labelledPerRowHistogram).toEqual(hist);

      // The gallery's queries: rows with 11 missing keypoints, and a named missing keypoint.
      expect(store.sampleIds({ minMissing: 11, maxMissing: 11 })).toHaveLength(present.filter((p) => p === 4).length);
      const noseMissing = rows.filter((r) => r[20] === '').length;
      expect(store.listSamples({ missingKeypoint: 10, limit: 5 }).total).toBe(noseMissing);
      // A stored row reads back as in the file (record 1 is the first row after the header).
      const first = store.listSamples({ limit: 1 }).items[0];
      expect(first.record).toBe(1);
      rows[0].slice(0, 30).forEach((cell, c) => {
        const kp = first.keypoints[Math.floor(c / 2)];
        const v = c % 2 === 0 ? kp.x : kp.y;
        if (cell === '') expect(Number.isNaN(v)).toBe(true);
        else expect(v).toBe(Number(cell));
      });
      const px = store.getPixels(first.id)!;
      expect(Array.from(px.subarray(0, 20))).toEqual(rows[0][imageCol].split(' ').slice(0, 20).map(Number));

      // Export through the real exporter from exportSource, re-import: identical labels.
      const out = join(dir, 'proxy-export.csv');
      const res = await exporters['kaggle-csv'](store.exportSource(), out, quietContext());
      expect(res.written).toBe(1045);
      const again = await importInto(join(dir, 'proxy-again.kps'), 'kaggle-15', 'kaggle-csv', out);
      try {
        const a = store.listSamples({}).items;
        const b = again.listSamples({}).items;
        expect(b).toHaveLength(a.length);
        for (let i = 0; i < a.length; i++) expect(b[i].keypoints).toEqual(a[i].keypoints);
      } finally {
        again.close();
      }
    } finally {
      store.close();
    }
  });

  it('kaggle-labels: 7,049 label-only rows of which 2,140 are complete', async () => {
    const store = await importInto(join(dir, 'labels.kps'), 'kaggle-15', 'kaggle-labels', join(data, 'kaggle-labels', 'training_labels.csv'));
    try {
      const st = store.stats();
      expect(st.sampleCount).toBe(7049);
      expect(st.completeRows).toBe(2140);
      expect(st.pixel).toBeNull();
      expect(st.labelledPerRowHistogram.reduce((a, b) => a + b, 0)).toBe(7049);
      expect(store.sampleIds({ maxMissing: 0 })).toHaveLength(2140);
      const page = store.listSamples({ sort: 'missing-desc', limit: 200 });
      expect(page.total).toBe(7049);
      expect(page.items[0].missingCount).toBeGreaterThanOrEqual(page.items[199].missingCount);
      expect(store.getPixels(1)).toBeNull();
    } finally {
      store.close();
    }
  });

  it('imm-face-db: 240 file-backed faces of 58 points with person group ids', async () => {
    const store = await importInto(join(dir, 'imm.kps'), 'imm-58', 'pts', join(data, 'imm-face-db'));
    try {
      expect(store.sampleCount()).toBe(240);
      const st = store.stats();
      expect(st.keypoints).toHaveLength(58);
      expect(st.completeRows).toBe(240);
      expect(st.imageShapes.reduce((a, s) => a + s.count, 0)).toBe(240);
      const s = store.getSample(1);
      expect(s.image.kind).toBe('file');
      const p = store.getImagePath(1)!;
      expect(isAbsolute(p) && existsSync(p)).toBe(true);
      const groups = new Set(store.listSamples({}).items.map((i) => i.groupId));
      expect(groups.size).toBe(40);
      expect(store.history(1)[0].kind).toBe('import');
      // The background measurement after import covers 64 of the 240 photos; asking again adds none.
      expect((await store.measureFilePixels()).measured).toBe(0);
      const px = store.stats().pixel!;
      expect(px.sampled).toBe(64);
      expect(px.min).toBeGreaterThanOrEqual(0);
      expect(px.max).toBeLessThanOrEqual(255);
      expect(px.max).toBeGreaterThan(px.min);
      expect(px.mean).toBeGreaterThan(px.min);
      expect(px.mean).toBeLessThan(px.max);
    } finally {
      store.close();
    }
  });
});
