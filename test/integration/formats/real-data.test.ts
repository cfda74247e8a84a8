// Imports every real data set in ../shared/data and checks counts and values against the files' own text.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quietContext } from '../../../src-main/formats/common.js';
import { importers, writeKaggleSubmission } from '../../../src-main/formats/index.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { requireDataDir } from '../../helpers/data.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const data = () => requireDataDir();
const ctx = quietContext();

/** The file's rows split naively (no quotes in these files), as an independent reading to compare with. */
function naiveRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(','));
}

describe('Kaggle layouts', () => {
  it('kaggle-proxy training.csv: 1,045 rows whose coordinates and pixels equal the CSV text as float64', async () => {
    const file = join(data(), 'kaggle-proxy/training.csv');
    const schema = loadBuiltinSchema('kaggle-15');
    const samples = await importers['kaggle-csv'](file, schema, ctx);
    expect(samples.length).toBe(1045);
    const rows = naiveRows(file);
    expect(rows.length).toBe(1045);
    let missingCells = 0;
    rows.forEach((cells, r) => {
      const s = samples[r];
      expect(s.record).toBe(r + 1);
      for (let k = 0; k < 15; k++) {
        const xs = cells[2 * k], ys = cells[2 * k + 1];
        if (xs === '') {
          missingCells++;
          expect(s.keypoints[k].state).toBe('missing');
          expect(Number.isNaN(s.keypoints[k].x)).toBe(true);
        } else {
          expect(s.keypoints[k].x).toBe(Number(xs));
          expect(s.keypoints[k].y).toBe(Number(ys));
          expect(s.keypoints[k].state).toBe('labelled');
        }
      }
    });
    // As in Kaggle, most rows have only 4 of the 15 keypoints.
    expect(missingCells).toBeGreaterThan(1045 * 5);
    expect(samples[0].keypoints[0]).toEqual({ x: 66.7698, y: 39.7826, state: 'labelled' });
    const first = samples[0].image;
    const last = samples[1044].image;
    expect(first.kind).toBe('embedded');
    if (first.kind !== 'embedded' || last.kind !== 'embedded') throw new Error('expected embedded pixels');
    expect([first.width, first.height, first.pixels.length]).toEqual([96, 96, 9216]);
    expect(Array.from(first.pixels)).toEqual(rows[0][30].split(' ').map(Number));
    expect(Array.from(last.pixels)).toEqual(rows[1044][30].split(' ').map(Number));
  });

  it('kaggle-proxy test.csv: 224 test rows with ImageId kept and no labels', async () => {
    const file = join(data(), 'kaggle-proxy/test.csv');
    const samples = await importers['kaggle-test-csv'](file, loadBuiltinSchema('kaggle-15'), ctx);
    expect(samples.length).toBe(224);
    expect(samples.map((s) => s.externalId)).toEqual(naiveRows(file).map((r) => r[0]));
    expect(samples.every((s) => s.split === 'test' && s.keypoints.every((k) => k.state === 'missing'))).toBe(true);
    const img = samples[0].image;
    if (img.kind !== 'embedded') throw new Error('expected embedded pixels');
    expect(Array.from(img.pixels.slice(0, 5))).toEqual(naiveRows(file)[0][1].split(' ').slice(0, 5).map(Number));
  });

  it('kaggle-labels: 7,049 label rows, 2,140 complete, values equal the CSV text', async () => {
    const file = join(data(), 'kaggle-labels/training_labels.csv');
    const samples = await importers['kaggle-labels'](file, loadBuiltinSchema('kaggle-15'), ctx);
    expect(samples.length).toBe(7049);
    expect(samples.filter((s) => s.keypoints.every((k) => k.state === 'labelled')).length).toBe(2140);
    expect(samples.every((s) => s.image.kind === 'none' && s.image.width === 96 && s.image.height === 96)).toBe(true);
    const rows = naiveRows(file);
    // Spot-check values that have long float64 expansions in the file.
    for (const r of [0, 1, 3000, 7048]) {
      for (let c = 0; c < 30; c++) {
        const v = samples[r].keypoints[c >> 1][c & 1 ? 'y' : 'x'];
        if (rows[r][c] === '') expect(Number.isNaN(v)).toBe(true);
        else expect(v).toBe(Number(rows[r][c]));
      }
    }
    expect(samples[0].keypoints[2].x).toBe(59.582075188000005);
  });

  it('writes a submission for every row of the real IdLookupTable (27,124 rows)', async () => {
    const lookup = join(data(), 'kaggle-labels/IdLookupTable.csv');
    const rows = naiveRows(lookup);
    const ids = new Set(rows.map((r) => r[1]));
    const preds = new Map<string, number[]>();
    for (const id of ids) preds.set(id, Array.from({ length: 30 }, (_, i) => Number(id) + i / 100));
    const out = join(mkdtempSync(join(tmpdir(), 'kps-sub-')), 'submission.csv');
    const res = await writeKaggleSubmission(lookup, preds, out);
    expect(res.rows).toBe(27124);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('RowId,Location');
    expect(lines.length).toBe(27125);
    // Row 1 is ImageId 1, left_eye_center_x: coordinate index 0.
    expect(rows[0].slice(0, 3)).toEqual(['1', '1', 'left_eye_center_x']);
    expect(lines[1]).toBe('1,1');
    const schema = loadBuiltinSchema('kaggle-15');
    const names = schema.keypoints.flatMap((k) => [`${k.name}_x`, `${k.name}_y`]);
    const r = rows[27123];
    expect(lines[27124]).toBe(`${r[0]},${String(Number(r[1]) + names.indexOf(r[2]) / 100)}`);
  });
});

describe('Kaggle submission for the kaggle-proxy test set', () => {
  it('covers every lookup row with predictions for the 224 imported test images', async () => {
    const schema = loadBuiltinSchema('kaggle-15');
    const test = await importers['kaggle-test-csv'](join(data(), 'kaggle-proxy/test.csv'), schema, ctx);
    const preds = new Map(test.map((s) => [s.externalId!, Array.from({ length: 30 }, (_, i) => 48 + i / 10)]));
    const lookup = join(data(), 'kaggle-proxy/IdLookupTable.csv');
    const out = join(mkdtempSync(join(tmpdir(), 'kps-sub-')), 'submission.csv');
    const res = await writeKaggleSubmission(lookup, preds, out);
    expect(res.rows).toBe(naiveRows(lookup).length);
    expect(res.rows).toBe(3156);
    const written = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(written).toEqual(naiveRows(lookup).map((r) => r[0]));
  });
});

describe('point files', () => {
  it('imm-face-db: 240 faces of 58 points, 1-based .pts made 0-based, persons 01-40 as groups', async () => {
    const dir = join(data(), 'imm-face-db');
    const samples = await importers.pts(dir, loadBuiltinSchema('imm-58'), ctx);
    expect(samples.length).toBe(240);
    expect(samples.every((s) => s.keypoints.length === 58 && s.keypoints.every((k) => k.state === 'labelled'))).toBe(true);
    expect(samples[0].source).toBe(join(dir, '01-1m.pts'));
    expect(samples[0].keypoints[0]).toEqual({ x: 228, y: 307, state: 'labelled' });
    expect(samples[0].keypoints[57]).toEqual({ x: 324, y: 245, state: 'labelled' });
    expect(samples[0].image).toEqual({ kind: 'file', path: join(dir, '01-1m.jpg'), width: 640, height: 480, channels: samples[0].image.channels });
    const groups = new Map<string, number>();
    for (const s of samples) groups.set(String(s.groupId), (groups.get(String(s.groupId)) ?? 0) + 1);
    expect(groups.size).toBe(40);
    expect([...groups.values()].every((n) => n === 6)).toBe(true);
    expect(groups.get('01')).toBe(6);
  });

  it('imm-frontal: 120 faces of 73 points from .asf relative coordinates times the 800x600 host image', async () => {
    const dir = join(data(), 'imm-frontal');
    const samples = await importers.asf(dir, loadBuiltinSchema('imm-frontal-73'), ctx);
    expect(samples.length).toBe(120);
    expect(samples.every((s) => s.keypoints.length === 73 && s.image.width === 800 && s.image.height === 600)).toBe(true);
    expect(samples[0].source).toBe(join(dir, '01_01.asf'));
    expect(samples[0].image.kind === 'file' && samples[0].image.path).toBe(join(dir, '01_01.jpg'));
    // First and last point lines of 01_01.asf: 0.31251052 0.37090045 and 0.57173944 0.50863558.
    expect(samples[0].keypoints[0].x).toBeCloseTo(0.31251052 * 800, 10);
    expect(samples[0].keypoints[0].y).toBeCloseTo(0.37090045 * 600, 10);
    expect(samples[0].keypoints[72].x).toBeCloseTo(0.57173944 * 800, 10);
    expect(new Set(samples.map((s) => s.groupId)).size).toBe(12);
    expect(samples.filter((s) => s.groupId === '03').length).toBe(10);
  });

  it('lfpw-train: 805 faces of 68 points, no person groups', async () => {
    const dir = join(data(), 'lfpw-train');
    const samples = await importers.pts(dir, loadBuiltinSchema('ibug-68'), ctx);
    expect(samples.length).toBe(805);
    expect(samples.every((s) => s.keypoints.length === 68 && s.groupId === null)).toBe(true);
    expect(samples[0].keypoints[0].x).toBeCloseTo(53.868 - 1, 12);
    expect(samples[0].keypoints[0].y).toBeCloseTo(65.766 - 1, 12);
    expect(samples.every((s) => s.image.width <= 256 && s.image.height <= 256)).toBe(true);
  });

  it('refuses a data set whose point count does not fit the project schema', async () => {
    await expect(importers.pts(join(data(), 'imm-face-db'), loadBuiltinSchema('ibug-68'), ctx)).rejects.toThrow(
      /01-1m\.pts, line 2: has n_points 58 but the project schema ibug-68 has 68 keypoints/,
    );
  });
});
