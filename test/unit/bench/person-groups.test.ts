// The person split's mapping: training_sources.csv rows to group ids, and the group split it feeds keeps each IMM person on one side.
import { describe, expect, it } from 'vitest';
import { applyPersonGroups, parseSourceRows, personOfSource, splitPeopleFigures } from '../../../bench/person-groups.js';
import { assignSplits, parseSplit } from '../../../src-main/train/data.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';

const sample = (record: number): ImportedSample => ({
  source: '/data/training.csv',
  record,
  image: { kind: 'none', width: 96, height: 96, channels: 0 },
  groupId: null,
  keypoints: [],
});

describe('personOfSource', () => {
  it('names the IMM person of a face and leaves an LFPW image on its own', () => {
    expect(personOfSource('01-3m')).toBe('01');
    expect(personOfSource('36-6f')).toBe('36');
    expect(personOfSource('image_0411')).toBeNull();
  });
});

describe('parseSourceRows', () => {
  it('reads row,source lines in row order, whatever order the file has', () => {
    expect(parseSourceRows('row,source\n1,01-2m\n0,image_0001\n2,01-5m\n', 'src.csv')).toEqual(['image_0001', '01-2m', '01-5m']);
  });

  it('refuses a wrong header, a bad line, a repeated row and a gap, naming the file and line', () => {
    expect(() => parseSourceRows('id,face\n0,a\n', 'src.csv')).toThrow(/^src\.csv, line 1: expected the header "row,source"/);
    expect(() => parseSourceRows('row,source\n0,a\nx,b\n', 'src.csv')).toThrow(/^src\.csv, line 3: expected "<row>,<source>"/);
    expect(() => parseSourceRows('row,source\n0,a\n0,b\n', 'src.csv')).toThrow(/^src\.csv, line 3: row 0 is named twice/);
    expect(() => parseSourceRows('row,source\n0,a\n2,b\n', 'src.csv')).toThrow(/^src\.csv: row 1 has no source/);
  });
});

describe('applyPersonGroups', () => {
  it('gives record n the person of row n - 1', () => {
    const samples = [sample(1), sample(2), sample(3)];
    expect(applyPersonGroups(samples, ['07-1m', 'image_0002', '07-4m'], 'src.csv')).toBe(2);
    expect(samples.map((s) => s.groupId)).toEqual(['07', null, '07']);
  });

  it('refuses sources that do not cover the records', () => {
    expect(() => applyPersonGroups([sample(1), sample(2)], ['07-1m'], 'src.csv')).toThrow(/src\.csv: names 1 rows, but training\.csv has 2 records/);
    expect(() => applyPersonGroups([sample(1), sample(5)], ['07-1m', '07-2m'], 'src.csv')).toThrow(/no source for training\.csv record 5/);
  });

  it('feeds a group split that never puts one person on two sides, where the random split does', () => {
    // 20 people with 6 photos each, like kaggle-proxy's IMM rows, and 80 single images.
    const sources = [...Array.from({ length: 120 }, (_, i) => `${String(Math.floor(i / 6) + 1).padStart(2, '0')}-${(i % 6) + 1}m`), ...Array.from({ length: 80 }, (_, i) => `image_${i}`)];
    const samples = sources.map((_, i) => sample(i + 1));
    applyPersonGroups(samples, sources, 'src.csv');
    const ids = samples.map((s) => s.record);
    const groups = samples.map((s) => s.groupId);
    // The most sides any one person's photos land on.
    const sidesPerPerson = (splits: string[]) => {
      const sides = new Map<string, Set<string>>();
      splits.forEach((side, i) => {
        const person = groups[i];
        if (person === null) return;
        if (!sides.has(person)) sides.set(person, new Set());
        sides.get(person)?.add(side);
      });
      return Math.max(...[...sides.values()].map((s) => s.size));
    };
    const group = assignSplits(ids, groups, [], parseSplit('group'), 1);
    const random = assignSplits(ids, groups, [], parseSplit('random'), 1);
    expect(sidesPerPerson(group)).toBe(1);
    expect(sidesPerPerson(random)).toBeGreaterThan(1);
    expect(group.filter((s) => s === 'test').length).toBeGreaterThan(10);
  });
});

describe('splitPeopleFigures', () => {
  it('counts test rows whose person is also in train, and averages errors of person rows and the others apart', () => {
    const groups: Record<number, string | null> = { 1: 'a', 2: 'a', 3: 'b', 4: 'b', 5: null, 6: null, 7: 'c' };
    const errors: Record<number, number | null> = { 1: 1, 2: 2, 3: 4, 4: 6, 5: 3, 6: null, 7: 8 };
    const sides = [
      { sampleId: 1, split: 'train' },
      { sampleId: 2, split: 'test' }, // a: also in train
      { sampleId: 3, split: 'val' },
      { sampleId: 4, split: 'test' }, // b: only in val, not a leak into train
      { sampleId: 5, split: 'test' },
      { sampleId: 6, split: 'test' }, // no error: left out of the mean
      { sampleId: 7, split: 'train' },
    ];
    expect(splitPeopleFigures(sides, (id) => groups[id], (id) => errors[id])).toEqual({
      test_rows_with_person: 2,
      test_rows_person_in_train: 1,
      test_mean_error_px_person_rows: 4,
      test_mean_error_px_other_rows: 3,
    });
  });

  it('gives null means when a kind of row is absent from test', () => {
    const f = splitPeopleFigures([{ sampleId: 1, split: 'test' }], () => null, () => 2);
    expect(f).toEqual({ test_rows_with_person: 0, test_rows_person_in_train: 0, test_mean_error_px_person_rows: null, test_mean_error_px_other_rows: 2 });
  });
});
