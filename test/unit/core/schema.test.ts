// Schema validation: well-formed schemas pass; each kind of mistake in a user's schema gets a clear error.
import { describe, expect, it } from 'vitest';
import { KpsError } from '../../../src-main/core/errors.js';
import { flipPermutation, keypointIndex, validateSchema } from '../../../src-main/core/schema.js';

function base() {
  return {
    id: 'my-face',
    title: 'My face',
    keypoints: [
      { name: 'left_eye', group: 'eye', side: 'left', color: '#29b6f6' },
      { name: 'right_eye', group: 'eye', side: 'right', color: '#ff7043' },
      { name: 'nose', group: 'nose', side: 'center', color: 'gold' },
      { name: 'chin', group: 'jaw', side: 'center', color: 'rgb(10, 20, 30)' },
    ],
    flipPairs: [[0, 1]],
    edges: [[0, 2], [1, 2], [2, 3]],
  };
}

function errorOf(value: unknown): KpsError {
  try {
    validateSchema(value, 'my-face.json');
  } catch (err) {
    expect(err).toBeInstanceOf(KpsError);
    expect((err as KpsError).code).toBe('bad-input');
    expect((err as KpsError).file).toBe('my-face.json');
    return err as KpsError;
  }
  throw new Error('expected validateSchema to throw');
}

describe('validateSchema', () => {
  it('accepts a well-formed schema and returns a clean copy', () => {
    const input = { ...base(), extra: 'ignored' };
    const s = validateSchema(input);
    expect(s).toEqual(base());
    expect(s.keypoints).not.toBe(input.keypoints);
    expect(keypointIndex(s, 'nose')).toBe(2);
    expect(keypointIndex(s, 'ear')).toBe(-1);
    expect(flipPermutation(s)).toEqual([1, 0, 2, 3]);
  });

  it('refuses duplicate keypoint names', () => {
    const v = base();
    v.keypoints[3].name = 'nose';
    expect(errorOf(v).message).toBe('my-face.json: keypoints[3].name "nose" is also the name of keypoints[2]; names must be unique');
  });

  it('refuses pairs and edges out of range, to itself, or malformed', () => {
    const a = base();
    a.flipPairs = [[0, 4]];
    expect(errorOf(a).message).toMatch(/flipPairs\[0\] = \[0,4\]: indices must be integers from 0 to 3/);
    const b = base();
    b.edges = [[0, 1], [2, -1]];
    expect(errorOf(b).message).toMatch(/edges\[1\] = \[2,-1\]: indices must be integers from 0 to 3/);
    const c = base();
    c.edges = [[2, 2]];
    expect(errorOf(c).message).toMatch(/edges\[0\] = \[2,2\] joins a keypoint to itself/);
    const d = base() as unknown as { edges: unknown };
    d.edges = [[0, 1, 2]];
    expect(errorOf(d).message).toMatch(/edges\[0\] must be a pair \[i, j\]/);
    const e = base();
    e.edges = [[0, 2], [2, 0]];
    expect(errorOf(e).message).toMatch(/edges\[1\] = \[2,0\] repeats an earlier edge/);
  });

  it('refuses a keypoint in two flip pairs', () => {
    const v = base();
    v.keypoints[3].side = 'right';
    v.flipPairs = [[0, 1], [0, 3]];
    expect(errorOf(v).message).toMatch(/flipPairs\[1\]: keypoint 0 \(left_eye\) is already in flipPairs\[0\]; a keypoint can be in one pair only/);
  });

  it('refuses a flip pair that does not join a left and a right keypoint', () => {
    const v = base();
    v.flipPairs = [[0, 2]];
    expect(errorOf(v).message).toMatch(/flipPairs\[0\] pairs left_eye \(side left\) with nose \(side center\); a flip pair must join a left and a right keypoint/);
  });

  it('refuses bad groups, sides, colours, names and ids', () => {
    const g = base();
    g.keypoints[0].group = 'ear';
    expect(errorOf(g).message).toMatch(/keypoints\[0\]\.group must be one of eye, brow, nose, mouth, jaw, other \(got "ear"\)/);
    const s = base();
    s.keypoints[1].side = 'middle';
    expect(errorOf(s).message).toMatch(/keypoints\[1\]\.side must be one of left, right, center/);
    const c = base();
    c.keypoints[2].color = 'url(javascript:1)';
    expect(errorOf(c).message).toMatch(/keypoints\[2\]\.color must be a CSS colour/);
    const n = base();
    n.keypoints[2].name = 'nose tip';
    expect(errorOf(n).message).toMatch(/keypoints\[2\]\.name must be 1-64 letters/);
    expect(errorOf({ ...base(), id: '../etc' }).message).toMatch(/"id" must be a short name/);
    expect(errorOf({ ...base(), keypoints: [] }).message).toMatch(/"keypoints" must be a non-empty array/);
    expect(errorOf({ ...base(), flipPairs: undefined }).message).toMatch(/"flipPairs" must be an array of \[i, j\] index pairs/);
    expect(errorOf([1, 2]).message).toMatch(/a schema must be a JSON object/);
  });

  it('refuses control characters and overlong names and titles, quoting them short and escaped', () => {
    // A name goes into CSV headers and .pts/COCO files: a newline would inject rows into every export.
    const a = base();
    a.keypoints[0].name = 'left_eye\nright_eye_x,1,2';
    expect(errorOf(a).message).toBe(`my-face.json: keypoints[0].name must be 1-64 letters, digits, '_', '.' or '-' (got "left_eye\\nright_eye_x,1,2")`);
    const b = base();
    b.keypoints[1].name = 'x'.repeat(1_000_000);
    const long = errorOf(b).message;
    expect(long.length).toBeLessThan(200);
    expect(long).toContain('(1000000 characters)');
    expect(errorOf({ ...base(), title: 'My\u001b[2Jface' }).message).toMatch(/"title" must be at most 120 characters on one line, without control characters \(got "My\\u001b\[2Jface"\)/);
    expect(errorOf({ ...base(), title: 'Line one\nline two' }).message).toMatch(/"title" must be/);
    expect(errorOf({ ...base(), title: 't'.repeat(121) }).message).toMatch(/"title" must be at most 120 characters/);
    expect(validateSchema({ ...base(), title: 't'.repeat(120) }).title).toHaveLength(120);
  });
});
