import { describe, expect, it } from 'vitest';
import { injectKaggleErrors } from '../../../src-main/qc/inject.js';
import { coordinateColumns } from '../../../src-main/formats/kaggle-csv.js';
import { kaggle, population } from './fixtures.js';

function csvOf(shapes: Float64Array[]): string {
  const head = [...coordinateColumns(kaggle), 'Image'].join(',');
  const rows = shapes.map((s) => [...Array.from(s, (v) => (Number.isFinite(v) ? String(v) : '')), '0 0 0'].join(','));
  return [head, ...rows].join('\n') + '\n';
}

function parse(csv: string): number[][] {
  return csv.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 30).map((c) => (c === '' ? NaN : Number(c))));
}

describe('injectKaggleErrors', () => {
  const shapes = population(200, 9);
  const csv = csvOf(shapes);
  const { csv: out, errors } = injectKaggleErrors(csv, kaggle, 'fixture.csv', { seed: 4 });
  const before = parse(csv);
  const after = parse(out);

  it('injects 5% swaps and 5% moves on distinct rows, seeded', () => {
    expect(errors.filter((e) => e.kind === 'swap')).toHaveLength(10);
    expect(errors.filter((e) => e.kind === 'move')).toHaveLength(10);
    expect(new Set(errors.map((e) => e.record)).size).toBe(20);
    expect(injectKaggleErrors(csv, kaggle, 'fixture.csv', { seed: 4 }).errors).toEqual(errors);
    expect(injectKaggleErrors(csv, kaggle, 'fixture.csv', { seed: 5 }).errors).not.toEqual(errors);
  });

  it('swaps exchange every flip pair; moves shift one labelled keypoint by 8 to 15 px inside the image; other rows are untouched', () => {
    const touched = new Map(errors.map((e) => [e.record, e]));
    before.forEach((row, i) => {
      const e = touched.get(i + 1);
      if (!e) {
        expect(out.split('\n')[i + 1]).toBe(csv.split('\n')[i + 1]);
        return;
      }
      if (e.kind === 'swap') {
        for (const [a, b] of kaggle.flipPairs) {
          expect(after[i][2 * a]).toEqual(row[2 * b]);
          expect(after[i][2 * b + 1]).toEqual(row[2 * a + 1]);
        }
      } else {
        const k = e.keypoint as number;
        const d = Math.hypot(after[i][2 * k] - row[2 * k], after[i][2 * k + 1] - row[2 * k + 1]);
        expect(d).toBeGreaterThanOrEqual(8 - 1e-9);
        expect(d).toBeLessThanOrEqual(15 + 1e-9);
        expect(after[i][2 * k]).toBeGreaterThanOrEqual(0);
        expect(after[i][2 * k]).toBeLessThanOrEqual(95);
        row.forEach((v, j) => {
          if (j !== 2 * k && j !== 2 * k + 1) expect(after[i][j]).toEqual(v);
        });
      }
    });
  });

  it('names the file when a keypoint column is missing', () => {
    expect(() => injectKaggleErrors('a,b,Image\n1,2,3\n', kaggle, 'broken.csv', { seed: 1 })).toThrow(/broken\.csv: no column left_eye_center_x/);
  });
});
