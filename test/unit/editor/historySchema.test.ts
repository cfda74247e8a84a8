import { describe, expect, it } from 'vitest';
import type { JournalEntry, KeypointSchema } from '../../../src-main/core/types.js';
import { historyLines, provenanceOf } from '../../../src-renderer/editor/history.js';
import { SchemaError, formFromSchema, parseEdges, parseSchemaJson, schemaFromForm, suggestFlipPairs, validateSchema } from '../../../src-renderer/editor/schemaBuilder.js';

const schema: KeypointSchema = {
  id: 't3',
  title: 'three',
  keypoints: [
    { name: 'left_eye', group: 'eye', side: 'left', color: '#f00' },
    { name: 'right_eye', group: 'eye', side: 'right', color: '#0f0' },
    { name: 'nose_tip', group: 'nose', side: 'center', color: '#00f' },
  ],
  flipPairs: [[0, 1]],
  edges: [[0, 2], [1, 2]],
};

const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  id: 1, actionId: 1, kind: 'keypoint', sampleId: 4, index: 0, before: null, after: null, actor: 'annotator', at: '2026-01-01T00:00:00Z', undone: false, ...over,
});

describe('history panel lines', () => {
  it('names the keypoint, the change and the provenance, newest first', () => {
    const lines = historyLines(
      [
        entry({ id: 1, actor: 'import', before: null, after: { x: 1, y: 2, state: 'labelled' } }),
        entry({ id: 2, actionId: 2, actor: 'annotator:alice', before: { x: 1, y: 2, state: 'labelled' }, after: { x: 1.5, y: 2, state: 'occluded' } }),
        entry({ id: 3, actionId: 3, actor: 'model:run-7', index: 2, before: { x: null, y: null, state: 'missing' }, after: { x: 40.123, y: 50, state: 'labelled' }, undone: true }),
        entry({ id: 4, actionId: 4, kind: 'tag-add', index: null, after: ['needs review'] }),
      ],
      schema,
    );
    expect(lines.map((l) => l.id)).toEqual([4, 3, 2, 1]);
    expect(lines[1]).toMatchObject({ what: 'nose_tip', change: 'missing → (40.12, 50)', undone: true, provenance: { kind: 'model', text: 'model run-7' } });
    expect(lines[2]).toMatchObject({ what: 'left_eye', change: '(1, 2) → (1.5, 2) occluded', provenance: { kind: 'annotator', text: 'annotator alice' } });
    expect(lines[3].provenance.kind).toBe('import');
    expect(lines[0]).toMatchObject({ what: 'tag added', change: 'needs review' });
  });
  it('describes an import and marks the writes of an undo', () => {
    const lines = historyLines(
      [
        entry({ id: 1, kind: 'import', index: null, actor: 'import', actionKind: 'import', after: { source: '/data/kaggle/training.csv', record: 12, keypoints: [{ x: 1, y: 2, state: 'labelled' }, { x: NaN, y: NaN, state: 'missing' }, { x: 3, y: 4, state: 'labelled' }] } }),
        entry({ id: 2, actionId: 5, actor: 'annotator', actionKind: 'undo', before: { x: 2, y: 2, state: 'labelled' }, after: { x: 1, y: 2, state: 'labelled' } }),
      ],
      schema,
    );
    expect(lines[1]).toMatchObject({ what: 'imported', change: 'training.csv, record 12: 2 of 3 keypoints labelled', provenance: { kind: 'import' } });
    expect(lines[0].what).toBe('undo: left_eye');
  });

  it('classifies unknown actors as other', () => {
    expect(provenanceOf('cli')).toEqual({ kind: 'other', text: 'cli' });
  });
});

describe('custom layouts', () => {
  it('accepts a valid schema and fills in colours, sides and groups', () => {
    const s = validateSchema({ id: 'mine', keypoints: ['left_eye', { name: 'right_eye' }, 'chin'], flipPairs: [['left_eye', 'right_eye']], edges: [[0, 2]] });
    expect(s.keypoints.map((k) => [k.side, k.group])).toEqual([['left', 'eye'], ['right', 'eye'], ['center', 'jaw']]);
    expect(s.flipPairs).toEqual([[0, 1]]);
    expect(s.keypoints.every((k) => /^#/.test(k.color))).toBe(true);
    expect(s.title).toBe('mine');
  });

  it('names the file and field of a bad schema', () => {
    expect(() => parseSchemaJson('{', 'my.json')).toThrow(/my\.json: not valid JSON/);
    expect(() => parseSchemaJson(JSON.stringify({ id: 'x', keypoints: ['a', 'a'] }), 'my.json')).toThrow('my.json: keypoints[1].name: "a" is already used by keypoints[0]');
    expect(() => parseSchemaJson(JSON.stringify({ id: 'x', keypoints: ['a', 'b'], edges: [[0, 5]] }), 'f.json')).toThrow(/f\.json: edges\[0\]/);
    expect(() => parseSchemaJson(JSON.stringify({ id: 'x', keypoints: ['a', 'b', 'c'], flipPairs: [[0, 1], [1, 2]] }), 'f.json')).toThrow(/flipPairs\[1\]: "b" is already in flipPairs\[0\]/);
    expect(() => validateSchema({ id: 'bad id!', keypoints: ['a'] })).toThrow(SchemaError);
  });

  it('reads edges as chains and pairs by name or index, with line numbers in errors', () => {
    const names = ['a', 'b', 'c', 'd'];
    expect(parseEdges('a b c\n# comment\n3 0', names)).toEqual([[0, 1], [1, 2], [3, 0]]);
    expect(() => parseEdges('a b\n a zz', names)).toThrow('edges line 2: no keypoint named "zz"');
  });

  it('suggests flip pairs from left/right names', () => {
    expect(suggestFlipPairs(['left_eye', 'nose', 'right_eye', 'mouth_left', 'mouth_right'])).toEqual([[0, 2], [3, 4]]);
  });

  it('round-trips through the form', () => {
    const f = formFromSchema(schema);
    expect(f.flipPairsText).toBe('left_eye right_eye');
    expect(schemaFromForm(f)).toEqual(schema);
  });
});
