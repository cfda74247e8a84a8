// Built-in schema files and schema loading: ids, Kaggle column order, pair and edge sanity, user files, KPS_ASSETS_DIR.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listBuiltinSchemas, loadBuiltinSchema, loadSchemaFile, resolveSchema, schemasDir } from '../../../src-main/formats/schemas.js';
import { repoRoot } from '../../helpers/data.js';
import { tempDir, writeText } from './fixtures.js';

afterEach(() => {
  delete process.env.KPS_ASSETS_DIR;
});

describe('built-in schemas', () => {
  it('lists the four standard layouts first, each valid, with the expected sizes', () => {
    const all = listBuiltinSchemas();
    expect(all.slice(0, 4).map((s) => [s.id, s.keypoints.length])).toEqual([
      ['kaggle-15', 15],
      ['imm-58', 58],
      ['imm-frontal-73', 73],
      ['ibug-68', 68],
    ]);
    expect(schemasDir()).toBe(join(repoRoot, 'assets', 'schemas'));
  });

  it('kaggle-15 follows the Kaggle CSV column order and names', () => {
    const s = loadBuiltinSchema('kaggle-15');
    expect(s.keypoints.map((k) => k.name)).toEqual([
      'left_eye_center', 'right_eye_center', 'left_eye_inner_corner', 'left_eye_outer_corner', 'right_eye_inner_corner',
      'right_eye_outer_corner', 'left_eyebrow_inner_end', 'left_eyebrow_outer_end', 'right_eyebrow_inner_end', 'right_eyebrow_outer_end',
      'nose_tip', 'mouth_left_corner', 'mouth_right_corner', 'mouth_center_top_lip', 'mouth_center_bottom_lip',
    ]);
    const names = (p: [number, number]) => p.map((i) => s.keypoints[i].name).join('/');
    expect(s.flipPairs.map(names)).toEqual([
      'left_eye_center/right_eye_center',
      'left_eye_inner_corner/right_eye_inner_corner',
      'left_eye_outer_corner/right_eye_outer_corner',
      'left_eyebrow_inner_end/right_eyebrow_inner_end',
      'left_eyebrow_outer_end/right_eyebrow_outer_end',
      'mouth_left_corner/mouth_right_corner',
    ]);
  });

  it('every layout pairs every left point with a right one, leaves only midline points unpaired, and draws only its own groups', () => {
    for (const s of listBuiltinSchemas()) {
      const paired = new Set(s.flipPairs.flat());
      s.keypoints.forEach((k, i) => {
        expect(paired.has(i) ? k.side !== 'center' : k.side === 'center', `${s.id} ${k.name}`).toBe(true);
      });
      for (const [a, b] of s.edges) expect(s.keypoints[a].group, `${s.id} edge ${a}-${b}`).toBe(s.keypoints[b].group);
      // Paired points are the same part of the face.
      for (const [a, b] of s.flipPairs) expect(s.keypoints[a].group).toBe(s.keypoints[b].group);
    }
  });

  it('iBUG 68 uses the 300-W ranges: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67', () => {
    const s = loadBuiltinSchema('ibug-68');
    const groups = s.keypoints.map((k) => k.group);
    expect(groups.slice(0, 17).every((g) => g === 'jaw')).toBe(true);
    expect(groups.slice(17, 27).every((g) => g === 'brow')).toBe(true);
    expect(groups.slice(27, 36).every((g) => g === 'nose')).toBe(true);
    expect(groups.slice(36, 48).every((g) => g === 'eye')).toBe(true);
    expect(groups.slice(48, 68).every((g) => g === 'mouth')).toBe(true);
    expect(s.flipPairs).toContainEqual([36, 45]);
    expect(s.flipPairs).toContainEqual([48, 54]);
    expect(s.keypoints[0].side).toBe('right'); // point 1 of 300-W is on the image left: the subject's right
  });

  it('returns a fresh copy each time', () => {
    const a = loadBuiltinSchema('imm-58');
    a.keypoints[0].name = 'changed';
    expect(loadBuiltinSchema('imm-58').keypoints[0].name).toBe('jaw_01');
  });

  it('an unknown id says which ids exist', () => {
    expect(() => loadBuiltinSchema('coco-17')).toThrow(/unknown schema "coco-17": built-in schemas are kaggle-15, imm-58, imm-frontal-73, ibug-68/);
    expect(() => loadBuiltinSchema('../package')).toThrow(/unknown schema/);
  });

  it('KPS_ASSETS_DIR points a bundled build at its assets folder', () => {
    const assets = tempDir('kps-assets-');
    mkdirSync(join(assets, 'schemas'));
    copyFileSync(join(repoRoot, 'assets/schemas/kaggle-15.json'), join(assets, 'schemas/kaggle-15.json'));
    process.env.KPS_ASSETS_DIR = assets;
    expect(schemasDir()).toBe(join(assets, 'schemas'));
    expect(listBuiltinSchemas().map((s) => s.id)).toEqual(['kaggle-15']);
    process.env.KPS_ASSETS_DIR = join(assets, 'nope');
    expect(() => schemasDir()).toThrow(/KPS_ASSETS_DIR is .*nope but .* does not exist/);
  });
});

describe('user schema files', () => {
  it('loads a valid file by path, and resolveSchema tells paths from ids', () => {
    const dir = tempDir();
    const file = writeText(
      join(dir, 'mine.json'),
      JSON.stringify({ id: 'mine', title: 'Mine', keypoints: [{ name: 'a', group: 'other', side: 'center', color: '#fff' }], flipPairs: [], edges: [] }),
    );
    expect(loadSchemaFile(file).id).toBe('mine');
    expect(resolveSchema(file).id).toBe('mine');
    expect(resolveSchema('ibug-68').keypoints.length).toBe(68);
  });

  it('names the file for a missing file, bad JSON and an invalid schema', () => {
    const dir = tempDir();
    expect(() => loadSchemaFile(join(dir, 'none.json'))).toThrow(/none\.json: cannot read schema \(ENOENT\)/);
    const bad = writeText(join(dir, 'bad.json'), '{"id": ');
    expect(() => loadSchemaFile(bad)).toThrow(/bad\.json: not valid JSON/);
    const invalid = writeText(join(dir, 'invalid.json'), JSON.stringify({ id: 'x', title: 'X', keypoints: [{ name: 'a', group: 'eye', side: 'left', color: '#fff' }], flipPairs: [[0, 0]], edges: [] }));
    expect(() => loadSchemaFile(invalid)).toThrow(/invalid\.json: flipPairs\[0\] = \[0,0\] joins a keypoint to itself/);
    expect(readdirSync(dir).sort()).toEqual(['bad.json', 'invalid.json']);
  });
});
