import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { injectKaggleErrors, injectShapes, injectStoreErrors, interOcular, type InjectOptions } from '../../../src-main/qc/inject.js';
import { coordinateColumns } from '../../../src-main/formats/kaggle-csv.js';
import { createProject } from '../../../src-main/store/project.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { kaggle, population } from './fixtures.js';

const labelled = (s: ArrayLike<number>) => [...Array(s.length / 2).keys()].filter((k) => Number.isFinite(s[2 * k]));
const hard: InjectOptions = { seed: 3, swapFraction: 0, moveFraction: 0, swapOneFraction: 0.025, moveSmallFraction: 0.025, sparseFraction: 0.025, wrongFeatureFraction: 0.025 };
const bounds = (): [number, number] => [96, 96];

describe('injectShapes: the harder kinds', () => {
  const shapes = population(400, 11);
  const { shapes: out, touched, errors } = injectShapes(shapes, bounds, kaggle, hard);

  it('injects 2.5% of each kind on distinct rows, seeded, and leaves the other rows and the input as they were', () => {
    for (const kind of ['swap-one', 'move-small', 'sparse', 'wrong-feature']) expect(errors.filter((e) => e.kind === kind)).toHaveLength(10);
    expect(new Set(errors.map((e) => e.record)).size).toBe(40);
    expect([...touched].sort((a, b) => a - b)).toEqual(errors.map((e) => e.record - 1));
    expect(injectShapes(shapes, bounds, kaggle, hard).errors).toEqual(errors);
    expect(injectShapes(shapes, bounds, kaggle, { ...hard, seed: 4 }).errors).not.toEqual(errors);
    shapes.forEach((s, r) => {
      if (!touched.has(r)) expect(Array.from(out[r])).toEqual(Array.from(s));
    });
    // The input is not changed in place.
    expect(population(400, 11).map((s) => Array.from(s))).toEqual(shapes.map((s) => Array.from(s)));
  });

  it('swap-one exchanges exactly one flip pair, on a row with at least two labelled pairs', () => {
    for (const e of errors.filter((x) => x.kind === 'swap-one')) {
      const [a, b] = e.pair as [number, number];
      const before = shapes[e.record - 1], after = out[e.record - 1];
      expect(kaggle.flipPairs.filter(([p, q]) => labelled(before).includes(p) && labelled(before).includes(q)).length).toBeGreaterThanOrEqual(2);
      expect([after[2 * a], after[2 * a + 1], after[2 * b], after[2 * b + 1]]).toEqual([before[2 * b], before[2 * b + 1], before[2 * a], before[2 * a + 1]]);
      for (let k = 0; k < 15; k++) if (k !== a && k !== b) expect([after[2 * k], after[2 * k + 1]]).toEqual([before[2 * k], before[2 * k + 1]]);
    }
  });

  it('move-small and sparse move one keypoint 6 to 10 px, on rows with more than 4 and at most 4 labels', () => {
    for (const e of errors.filter((x) => x.kind === 'move-small' || x.kind === 'sparse')) {
      const before = shapes[e.record - 1], after = out[e.record - 1];
      const k = e.keypoint as number;
      const d = Math.hypot(after[2 * k] - before[2 * k], after[2 * k + 1] - before[2 * k + 1]);
      expect(d).toBeGreaterThanOrEqual(6 - 1e-9);
      expect(d).toBeLessThanOrEqual(10 + 1e-9);
      expect(d).toBeCloseTo(Math.hypot(e.dx as number, e.dy as number), 9);
      if (e.kind === 'sparse') expect(labelled(before).length).toBeLessThanOrEqual(4);
      else expect(labelled(before).length).toBeGreaterThan(4);
      for (let j = 0; j < 30; j++) if (j !== 2 * k && j !== 2 * k + 1) expect(after[j]).toEqual(before[j]);
    }
  });

  it('wrong-feature puts a keypoint exactly on one of the 3 nearest other keypoints at least 6 px away', () => {
    for (const e of errors.filter((x) => x.kind === 'wrong-feature')) {
      const before = shapes[e.record - 1], after = out[e.record - 1];
      const k = e.keypoint as number, j = e.onto as number;
      expect(j).not.toBe(k);
      expect([after[2 * k], after[2 * k + 1]]).toEqual([before[2 * j], before[2 * j + 1]]);
      const near = labelled(before)
        .filter((i) => i !== k)
        .map((i) => ({ i, d: Math.hypot(before[2 * i] - before[2 * k], before[2 * i + 1] - before[2 * k + 1]) }))
        .filter((c) => c.d >= 6)
        .sort((a, b) => a.d - b.d)
        .slice(0, 3)
        .map((c) => c.i);
      expect(near).toContain(j);
      for (let i = 0; i < 15; i++) if (i !== k) expect([after[2 * i], after[2 * i + 1]]).toEqual([before[2 * i], before[2 * i + 1]]);
    }
  });

  it('scales the small moves by the inter-ocular distance when asked', () => {
    const iod = injectShapes(shapes, bounds, kaggle, { ...hard, minSmall: 0.06, maxSmall: 0.1, smallUnit: 'iod' });
    const moves = iod.errors.filter((e) => e.kind === 'move-small' || e.kind === 'sparse');
    expect(moves).toHaveLength(20);
    for (const e of moves) {
      const ratio = Math.hypot(e.dx as number, e.dy as number) / interOcular(shapes[e.record - 1], kaggle);
      expect(ratio).toBeGreaterThanOrEqual(0.06 - 1e-9);
      expect(ratio).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('keeps the classic errors of a seed unchanged when harder kinds are added', () => {
    const base = injectShapes(shapes, bounds, kaggle, { seed: 5 }).errors;
    const both = injectShapes(shapes, bounds, kaggle, { ...hard, seed: 5, swapFraction: 0.05, moveFraction: 0.05 }).errors;
    expect(both.filter((e) => e.kind === 'swap' || e.kind === 'move')).toEqual(base);
    expect(both.length).toBe(base.length + 40);
  });

  it('rejects a small-move range that is not positive and ordered', () => {
    expect(() => injectShapes(shapes, bounds, kaggle, { ...hard, minSmall: 10, maxSmall: 6 })).toThrow(/small move range must be positive and ordered, got 10\.\.6/);
  });
});

describe('injectKaggleErrors with the harder kinds', () => {
  it('writes the same errors into the CSV as injectShapes finds on its rows', () => {
    const shapes = population(200, 2);
    const csv = [[...coordinateColumns(kaggle), 'Image'].join(','), ...shapes.map((s) => [...Array.from(s, (v) => (Number.isFinite(v) ? String(v) : '')), '0 0'].join(','))].join('\n') + '\n';
    const { csv: out, errors } = injectKaggleErrors(csv, kaggle, 'fixture.csv', hard);
    const expected = injectShapes(shapes, bounds, kaggle, hard);
    expect(errors).toEqual(expected.errors);
    const rows = out.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 30).map((c) => (c === '' ? NaN : Number(c))));
    rows.forEach((row, r) => expect(row).toEqual(Array.from(expected.shapes[r])));
  });
});

describe('injectStoreErrors', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('edits the stored labels as one undoable action, and undo restores them', () => {
    dir = mkdtempSync(join(tmpdir(), 'kps-qc-inject-'));
    const shapes = population(200, 6);
    const store = createProject(join(dir, 'p.kps'), kaggle);
    try {
      const samples: ImportedSample[] = shapes.map((s, i) => ({
        source: '/data/training.csv',
        record: i + 1,
        image: { kind: 'embedded', width: 96, height: 96, channels: 1, pixels: new Uint8Array(96 * 96) },
        groupId: null,
        keypoints: Array.from({ length: 15 }, (_, k) => (Number.isFinite(s[2 * k]) ? { x: s[2 * k], y: s[2 * k + 1], state: 'labelled' as const } : { x: NaN, y: NaN, state: 'missing' as const })),
      }));
      store.importSamples(samples, 'import');
      const ids = store.sampleIds({});
      const { errors, actionId } = injectStoreErrors(store, hard);
      expect(actionId).not.toBeNull();
      const expected = injectShapes(shapes, bounds, kaggle, hard);
      expect(errors.map(({ sampleId, ...e }) => e)).toEqual(expected.errors);
      expect(errors.map((e) => e.sampleId)).toEqual(errors.map((e) => ids[e.record - 1]));
      const coords = (id: number) => store.getSample(id).keypoints.flatMap((k) => (k.state === 'missing' ? [NaN, NaN] : [k.x, k.y]));
      ids.forEach((id, r) => expect(coords(id)).toEqual(Array.from(expected.shapes[r])));
      store.undo('test');
      ids.forEach((id, r) => expect(coords(id)).toEqual(Array.from(shapes[r])));
    } finally {
      store.close();
    }
  });
});
