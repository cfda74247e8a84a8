import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeKeypoint } from '../../../src-main/core/keypoint-help.js';
import { validateSchema } from '../../../src-main/core/schema.js';
import type { KeypointSchema } from '../../../src-main/core/types.js';
import { repoRoot } from '../../helpers/data.js';

const builtin = (id: string): KeypointSchema => validateSchema(JSON.parse(readFileSync(join(repoRoot, 'assets/schemas', `${id}.json`), 'utf8')), id);

describe('describeKeypoint', () => {
  it('describes every Kaggle keypoint by hand, with the subject\'s side named', () => {
    const s = builtin('kaggle-15');
    const all = s.keypoints.map((_, i) => describeKeypoint(s, i));
    expect(new Set(all).size).toBe(15);
    expect(describeKeypoint(s, 0)).toBe("Centre of the pupil of the eye on the subject's left (the right of the image).");
    expect(describeKeypoint(s, 10)).toMatch(/^Tip of the nose/);
    for (const d of all) expect(d).not.toMatch(/point \d+ of/);
  });

  it('follows the 300-W numbering for ibug-68: corners, chin, nose bottom, lip middles', () => {
    const s = builtin('ibug-68');
    const d = (n: number): string => describeKeypoint(s, n - 1);
    expect(d(9)).toContain('the chin, on the midline');
    expect(d(1)).toContain("subject's right");
    expect(d(17)).toContain("subject's left");
    expect(d(37)).toContain('outer corner');
    expect(d(40)).toContain('inner corner');
    expect(d(43)).toContain('inner corner');
    expect(d(46)).toContain('outer corner');
    expect(d(38)).toContain('upper lid');
    expect(d(41)).toContain('lower lid');
    expect(d(34)).toContain('between the nostrils');
    expect(d(49)).toContain("corner of the mouth on the subject's right");
    expect(d(58)).toContain('middle of the lower lip');
    expect(d(63)).toContain('middle of the upper lip, inner edge');
    expect(new Set(s.keypoints.map((_, i) => describeKeypoint(s, i))).size).toBe(68);
  });

  it('makes a description for other layouts from group, side and place in the contour, and prefers the schema\'s own', () => {
    const s = builtin('imm-58');
    const i = s.keypoints.findIndex((k) => k.name === 'left_eye_03');
    expect(describeKeypoint(s, i)).toBe('Eye on the subject\'s left (the right of the image): point 3 of 8 of "left_eye", in the order of the layout\'s mark-up.');
    const f = builtin('imm-frontal-73');
    expect(describeKeypoint(f, f.keypoints.findIndex((k) => k.name === 'right_pupil'))).toMatch(/^Centre of the pupil on the subject's right/);
    const own = validateSchema({
      id: 'own', title: 'Own', flipPairs: [], edges: [],
      keypoints: [{ name: 'tip', group: 'nose', side: 'center', color: '#fff', description: 'The tip of the nose, seen from the front.' }, { name: 'x', group: 'other', side: 'center', color: '#fff' }],
    });
    expect(describeKeypoint(own, 0)).toBe('The tip of the nose, seen from the front.');
    expect(describeKeypoint(own, 1)).toBe('Keypoint, on the midline.');
    expect(describeKeypoint(own, 5)).toBe('');
  });

  it('refuses a description that is not one short line', () => {
    const base = { id: 'own', title: 'Own', flipPairs: [], edges: [] };
    const kp = (description: unknown) => ({ ...base, keypoints: [{ name: 'a', group: 'nose', side: 'center', color: '#fff', description }] });
    expect(() => validateSchema(kp(''), 'own.json')).toThrow(/own.json: keypoints\[0\].description must be a non-empty string/);
    expect(() => validateSchema(kp('a\nb'), 'own.json')).toThrow(/description/);
    expect(() => validateSchema(kp('x'.repeat(301)), 'own.json')).toThrow(/at most 300 characters/);
    expect(() => validateSchema(kp(5), 'own.json')).toThrow(/description/);
  });
});
