// Group ids for kaggle-proxy's training rows from training_sources.csv (the source face of each row), so the group split keeps a person on one side.
import { groupIdFromName } from '../src-main/formats/index.js';
import type { ImportedSample } from '../src-main/formats/types.js';

/**
 * The person a source face shows, as the importers name it: an IMM face (`01-3m`: person 01, photo 3) gives the
 * person ("01"), exactly as the pts/asf importers group IMM files; any other source (an LFPW image) gives null,
 * which the group split treats as a group of its own.
 */
export function personOfSource(source: string): string | null {
  return groupIdFromName(source);
}

/**
 * Parses training_sources.csv (`row,source`, rows 0-based in training.csv's data order): the source of each row.
 * Every row from 0 up must be named exactly once. Errors name the file and the line.
 */
export function parseSourceRows(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'row,source') throw new Error(`${file}, line 1: expected the header "row,source", got ${JSON.stringify(lines[0]?.slice(0, 40) ?? '')}`);
  const out: string[] = [];
  const seen = new Set<number>();
  lines.forEach((raw, i) => {
    if (i === 0 || raw.trim() === '') return;
    const m = /^(\d+),(.+)$/.exec(raw.trim());
    if (!m) throw new Error(`${file}, line ${i + 1}: expected "<row>,<source>", got ${JSON.stringify(raw.slice(0, 40))}`);
    const row = Number(m[1]);
    if (seen.has(row)) throw new Error(`${file}, line ${i + 1}: row ${row} is named twice`);
    seen.add(row);
    out[row] = m[2].trim();
  });
  for (let r = 0; r < out.length; r++) {
    if (out[r] === undefined) throw new Error(`${file}: row ${r} has no source (rows must run from 0 without gaps)`);
  }
  return out;
}

/**
 * Sets each imported training.csv sample's group id to its source person (record n is row n - 1). The sources
 * must cover exactly the imported records. Returns how many samples got a person (the rest are their own group).
 */
export function applyPersonGroups(samples: ImportedSample[], sources: string[], file: string): number {
  if (sources.length !== samples.length) throw new Error(`${file}: names ${sources.length} rows, but training.csv has ${samples.length} records`);
  let grouped = 0;
  for (const s of samples) {
    const source = sources[s.record - 1];
    if (source === undefined) throw new Error(`${file}: no source for training.csv record ${s.record}`);
    s.groupId = personOfSource(source);
    if (s.groupId !== null) grouped++;
  }
  return grouped;
}

export interface SplitPeopleFigures {
  /** Test rows with a source person (kaggle-proxy: IMM rows). */
  test_rows_with_person: number;
  /** Of those, rows whose person also has a photo among the training rows: the leak a random split allows. */
  test_rows_person_in_train: number;
  /** Mean point error (px) of the test rows with a person, and of the others (null when there are none or no errors). */
  test_mean_error_px_person_rows: number | null;
  test_mean_error_px_other_rows: number | null;
}

/**
 * How a run's split treats people: from its train/val/test side of each sample, each sample's group id, and the
 * per-sample mean point errors of its predictions.
 */
export function splitPeopleFigures(sides: readonly { sampleId: number; split: string }[], groupOf: (sampleId: number) => string | null, errorOf: (sampleId: number) => number | null): SplitPeopleFigures {
  const trainPeople = new Set<string>();
  for (const s of sides) {
    const g = groupOf(s.sampleId);
    if (s.split === 'train' && g !== null) trainPeople.add(g);
  }
  let withPerson = 0;
  let leaked = 0;
  const errs = { person: [] as number[], other: [] as number[] };
  for (const s of sides) {
    if (s.split !== 'test') continue;
    const g = groupOf(s.sampleId);
    if (g !== null) {
      withPerson++;
      if (trainPeople.has(g)) leaked++;
    }
    const e = errorOf(s.sampleId);
    if (e !== null && Number.isFinite(e)) (g !== null ? errs.person : errs.other).push(e);
  }
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return { test_rows_with_person: withPerson, test_rows_person_in_train: leaked, test_mean_error_px_person_rows: mean(errs.person), test_mean_error_px_other_rows: mean(errs.other) };
}
