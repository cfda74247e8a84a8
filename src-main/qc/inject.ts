// Seeded injection of known label errors into a Kaggle-layout CSV (left/right swaps, moved keypoints): for the QC benchmark and tests.
import type { KeypointSchema } from '../core/types.js';
import { KpsError } from '../core/errors.js';
import { Rng } from '../train/rng.js';
import { swapChanges, swapPairs } from './shape.js';

export interface InjectedError {
  /** 1-based data row of the CSV (header excluded): the project's `record`. */
  record: number;
  kind: 'swap' | 'move';
  /** For `move`: the keypoint moved and by how much (pixels). */
  keypoint?: number;
  dx?: number;
  dy?: number;
}

export interface InjectOptions {
  seed: number;
  /** Fraction of rows whose left and right keypoints are exchanged (only rows where that changes something). */
  swapFraction?: number;
  /** Fraction of other rows where one labelled keypoint is moved by minMove..maxMove pixels. */
  moveFraction?: number;
  minMove?: number;
  maxMove?: number;
  /** Image side: a moved keypoint stays inside [0, side - 1]. */
  side?: number;
}

/**
 * Returns the CSV with errors injected, and the list of what was done. `fileName` names the input in errors.
 * Coordinates are written with full precision; untouched rows are copied byte for byte.
 */
export function injectKaggleErrors(csv: string, schema: KeypointSchema, fileName: string, o: InjectOptions): { csv: string; errors: InjectedError[] } {
  const lines = csv.split('\n');
  const header = lines[0].replace(/\r$/, '').split(',');
  const K = schema.keypoints.length;
  const col = schema.keypoints.flatMap((k) => [header.indexOf(`${k.name}_x`), header.indexOf(`${k.name}_y`)]);
  const absent = col.findIndex((c) => c < 0);
  if (absent >= 0) throw new KpsError('bad-input', `${fileName}: no column ${schema.keypoints[absent >> 1].name}_${absent % 2 ? 'y' : 'x'} in the header`, { file: fileName, record: 1 });
  const rows: { line: number; cells: string[]; shape: Float64Array }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text === '') continue;
    const cells = text.split(',');
    const shape = new Float64Array(2 * K);
    for (let j = 0; j < 2 * K; j++) shape[j] = cells[col[j]] === '' || cells[col[j]] === undefined ? NaN : Number(cells[col[j]]);
    rows.push({ line: i, cells, shape });
  }
  const rng = new Rng(o.seed);
  const side = o.side ?? 96;
  const minMove = o.minMove ?? 8;
  const maxMove = o.maxMove ?? 15;
  const order = rng.shuffle(rows.map((_, i) => i));
  const nSwap = Math.round((o.swapFraction ?? 0.05) * rows.length);
  const nMove = Math.round((o.moveFraction ?? 0.05) * rows.length);
  const errors: InjectedError[] = [];
  const used = new Set<number>();
  for (const r of order) {
    if (errors.length >= nSwap) break;
    if (!swapChanges(rows[r].shape, schema.flipPairs)) continue;
    const swapped = swapPairs(rows[r].shape, schema.flipPairs);
    // A symmetric-looking change is still a change only where some value differs.
    if (swapped.every((v, j) => (Number.isNaN(v) && Number.isNaN(rows[r].shape[j])) || v === rows[r].shape[j])) continue;
    rows[r].shape = swapped;
    used.add(r);
    errors.push({ record: r + 1, kind: 'swap' });
  }
  let moved = 0;
  for (const r of order) {
    if (moved >= nMove) break;
    if (used.has(r)) continue;
    const s = rows[r].shape;
    const labelled = [...Array(K).keys()].filter((k) => Number.isFinite(s[2 * k]) && Number.isFinite(s[2 * k + 1]));
    if (labelled.length === 0) continue;
    const k = labelled[rng.int(labelled.length)];
    let done = false;
    for (let attempt = 0; attempt < 100 && !done; attempt++) {
      const dist = minMove + rng.next() * (maxMove - minMove);
      const ang = rng.next() * 2 * Math.PI;
      const dx = dist * Math.cos(ang), dy = dist * Math.sin(ang);
      const x = s[2 * k] + dx, y = s[2 * k + 1] + dy;
      if (x < 0 || y < 0 || x > side - 1 || y > side - 1) continue;
      s[2 * k] = x;
      s[2 * k + 1] = y;
      errors.push({ record: r + 1, kind: 'move', keypoint: k, dx, dy });
      done = true;
    }
    if (!done) continue;
    used.add(r);
    moved += 1;
  }
  for (const r of used) {
    const { cells, shape, line } = rows[r];
    for (let j = 0; j < 2 * K; j++) cells[col[j]] = Number.isFinite(shape[j]) ? String(shape[j]) : '';
    lines[line] = cells.join(',');
  }
  errors.sort((a, b) => a.record - b.record);
  return { csv: lines.join('\n'), errors };
}
