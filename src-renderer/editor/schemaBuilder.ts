// Custom keypoint layouts: validate a schema loaded from JSON, or build one from the form's text fields.
import type { KeypointDef, KeypointGroup, KeypointSchema } from '../../src-main/core/types.js';

export const GROUPS: readonly KeypointGroup[] = ['eye', 'brow', 'nose', 'mouth', 'jaw', 'other'];
export const SIDES: readonly KeypointDef['side'][] = ['left', 'right', 'center'];

/** A palette with distinct hues, used when a keypoint has no colour of its own. */
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1', '#000075'];

export class SchemaError extends Error {
  /** Where: "keypoints[3].name", "flip pairs line 2", or the file name and field. */
  readonly where: string;
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'SchemaError';
    this.where = where;
  }
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

export function guessSide(name: string): KeypointDef['side'] {
  const n = name.toLowerCase();
  if (/(^|[_.-])(left|l)([_.-]|$)/.test(n) || n.startsWith('left')) return 'left';
  if (/(^|[_.-])(right|r)([_.-]|$)/.test(n) || n.startsWith('right')) return 'right';
  return 'center';
}

export function guessGroup(name: string): KeypointGroup {
  const n = name.toLowerCase();
  if (n.includes('brow')) return 'brow';
  if (n.includes('eye')) return 'eye';
  if (n.includes('nose') || n.includes('nostril')) return 'nose';
  if (n.includes('mouth') || n.includes('lip')) return 'mouth';
  if (n.includes('jaw') || n.includes('chin') || n.includes('cheek')) return 'jaw';
  return 'other';
}

export function defaultColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Pairs "left_x" with "right_x" (and "x_left" with "x_right"): the usual naming makes flip pairs obvious. */
export function suggestFlipPairs(names: readonly string[]): [number, number][] {
  const idx = new Map(names.map((n, i) => [n, i]));
  const pairs: [number, number][] = [];
  names.forEach((n, i) => {
    for (const [a, b] of [['left', 'right'], ['Left', 'Right'], ['LEFT', 'RIGHT']]) {
      if (n.includes(a)) {
        const j = idx.get(n.replace(a, b));
        if (j !== undefined && j !== i) pairs.push([i, j]);
      }
    }
  });
  return pairs;
}

/** Resolves a keypoint given by name or by 0-based index. */
function resolveRef(ref: string, names: readonly string[], where: string): number {
  const t = ref.trim();
  if (/^\d+$/.test(t)) {
    const i = Number(t);
    if (i >= names.length) throw new SchemaError(where, `index ${i} is out of range (there are ${names.length} keypoints, 0-based)`);
    return i;
  }
  const i = names.indexOf(t);
  if (i < 0) throw new SchemaError(where, `no keypoint named "${t}"`);
  return i;
}

/** "a b" or "a, b" or "a-b" per line: flip pairs by name or index. Blank lines and # comments are ignored. */
export function parsePairs(text: string, names: readonly string[], what: string): [number, number][] {
  const out: [number, number][] = [];
  text.split(/\r?\n/).forEach((line, li) => {
    const t = line.replace(/#.*$/, '').trim();
    if (!t) return;
    const where = `${what} line ${li + 1}`;
    const parts = t.split(/[\s,]+/).filter(Boolean);
    if (parts.length !== 2) throw new SchemaError(where, `expected two keypoints, got "${t}"`);
    out.push([resolveRef(parts[0], names, where), resolveRef(parts[1], names, where)]);
  });
  return out;
}

/** Edges: each line is a chain "a b c" drawn a-b, b-c (so a contour is one line); by name or index. */
export function parseEdges(text: string, names: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  text.split(/\r?\n/).forEach((line, li) => {
    const t = line.replace(/#.*$/, '').trim();
    if (!t) return;
    const where = `edges line ${li + 1}`;
    const refs = t.split(/[\s,]+/).filter(Boolean).map((r) => resolveRef(r, names, where));
    if (refs.length < 2) throw new SchemaError(where, 'an edge needs at least two keypoints');
    for (let k = 0; k + 1 < refs.length; k++) out.push([refs[k], refs[k + 1]]);
  });
  return out;
}

export function formatPairs(pairs: readonly [number, number][], names: readonly string[]): string {
  return pairs.map(([a, b]) => `${names[a] ?? a} ${names[b] ?? b}`).join('\n');
}

/** Checks a whole schema; throws SchemaError naming the field. Returns a clean copy (colours filled in, sides checked). */
export function validateSchema(input: unknown, source = 'schema'): KeypointSchema {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new SchemaError(source, 'expected a JSON object');
  const o = input as Record<string, unknown>;
  const id = o.id;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_.-]*$/i.test(id)) {
    throw new SchemaError(`${source}: id`, 'must be a short name of letters, digits, "-", "_" or "."');
  }
  const title = typeof o.title === 'string' && o.title.trim() ? o.title.trim() : id;
  if (!Array.isArray(o.keypoints) || o.keypoints.length === 0) throw new SchemaError(`${source}: keypoints`, 'must be a non-empty array');
  const seen = new Map<string, number>();
  const keypoints: KeypointDef[] = o.keypoints.map((raw: unknown, i: number) => {
    const where = `${source}: keypoints[${i}]`;
    const k = typeof raw === 'string' ? { name: raw } : raw;
    if (!k || typeof k !== 'object') throw new SchemaError(where, 'expected an object with a name, or a name');
    const r = k as Record<string, unknown>;
    const name = typeof r.name === 'string' ? r.name.trim() : '';
    if (!name) throw new SchemaError(`${where}.name`, 'is empty');
    if (!NAME_RE.test(name)) throw new SchemaError(`${where}.name`, `"${name}" may only hold letters, digits, "_", "-" and "."`);
    const dup = seen.get(name);
    if (dup !== undefined) throw new SchemaError(`${where}.name`, `"${name}" is already used by keypoints[${dup}]`);
    seen.set(name, i);
    const group = r.group === undefined ? guessGroup(name) : r.group;
    if (!GROUPS.includes(group as KeypointGroup)) throw new SchemaError(`${where}.group`, `must be one of ${GROUPS.join(', ')}`);
    const side = r.side === undefined ? guessSide(name) : r.side;
    if (!SIDES.includes(side as KeypointDef['side'])) throw new SchemaError(`${where}.side`, `must be one of ${SIDES.join(', ')}`);
    const color = r.color === undefined || r.color === '' ? defaultColor(i) : r.color;
    if (typeof color !== 'string' || !/^(#[0-9a-f]{3,8}|[a-z]+|(rgb|hsl)a?\([^)]*\))$/i.test(color.trim())) {
      throw new SchemaError(`${where}.color`, 'must be a CSS colour such as #e6194b');
    }
    return { name, group: group as KeypointGroup, side: side as KeypointDef['side'], color: color.trim() };
  });
  const n = keypoints.length;
  const names = keypoints.map((k) => k.name);
  const readPairs = (field: 'flipPairs' | 'edges'): [number, number][] => {
    const v = o[field];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new SchemaError(`${source}: ${field}`, 'must be an array of pairs');
    return v.map((p: unknown, i: number) => {
      const where = `${source}: ${field}[${i}]`;
      if (!Array.isArray(p) || p.length !== 2) throw new SchemaError(where, 'must be a pair [a, b]');
      const ab = p.map((x) => {
        if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < n) return x;
        if (typeof x === 'string') return resolveRef(x, names, where);
        throw new SchemaError(where, `${JSON.stringify(x)} is not a keypoint index 0..${n - 1} or name`);
      });
      if (ab[0] === ab[1]) throw new SchemaError(where, 'joins a keypoint to itself');
      return [ab[0], ab[1]] as [number, number];
    });
  };
  const flipPairs = readPairs('flipPairs');
  const edges = readPairs('edges');
  const inPair = new Map<number, number>();
  flipPairs.forEach(([a, b], i) => {
    for (const k of [a, b]) {
      const prev = inPair.get(k);
      if (prev !== undefined) throw new SchemaError(`${source}: flipPairs[${i}]`, `"${names[k]}" is already in flipPairs[${prev}]`);
      inPair.set(k, i);
    }
  });
  return { id, title, keypoints, flipPairs, edges };
}

/** Parses and validates a schema JSON text; `file` names where it came from in errors. */
export function parseSchemaJson(text: string, file: string): KeypointSchema {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SchemaError(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateSchema(parsed, file);
}

export interface FormKeypointRow {
  name: string;
  group: KeypointGroup;
  side: KeypointDef['side'];
  color: string;
}

export interface SchemaFormFields {
  id: string;
  title: string;
  rows: FormKeypointRow[];
  flipPairsText: string;
  edgesText: string;
}

/** The form's fields to a validated schema. */
export function schemaFromForm(f: SchemaFormFields): KeypointSchema {
  const names = f.rows.map((r) => r.name.trim());
  const flipPairs = parsePairs(f.flipPairsText, names, 'flip pairs');
  const edges = parseEdges(f.edgesText, names);
  return validateSchema({ id: f.id.trim(), title: f.title, keypoints: f.rows.map((r) => ({ ...r, name: r.name.trim() })), flipPairs, edges }, 'form');
}

export function formFromSchema(s: KeypointSchema): SchemaFormFields {
  const names = s.keypoints.map((k) => k.name);
  return {
    id: s.id,
    title: s.title,
    rows: s.keypoints.map((k) => ({ ...k })),
    flipPairsText: formatPairs(s.flipPairs, names),
    edgesText: formatPairs(s.edges, names),
  };
}
