// Unit tests of the gallery's keypoint overlay markup: what is drawn, where, and that schema text cannot inject markup.
import { describe, expect, it } from 'vitest';
import type { KeypointSchema, SampleSummary } from '../../../src-main/core/types.js';
import { keypointMarkup, rowMarkup } from '../../../src-renderer/gallery/thumbs.js';

const schema: KeypointSchema = {
  id: 't3',
  title: 'three',
  keypoints: [
    { name: 'a', group: 'eye', side: 'left', color: '#ff0000' },
    { name: 'b', group: 'eye', side: 'right', color: '#00ff00"/><script>' },
    { name: 'c', group: 'nose', side: 'center', color: '#0000ff' },
  ],
  flipPairs: [[0, 1]],
  edges: [
    [0, 1],
    [1, 2],
  ],
};

function sample(kps: SampleSummary['keypoints']): SampleSummary {
  return { id: 1, source: 's.csv', record: 1, split: 'train', groupId: null, tags: [], width: 96, height: 96, labelledCount: 2, missingCount: 1, occludedCount: 0, predictedCount: 0, keypoints: kps };
}

describe('keypoint overlay markup', () => {
  it('draws labelled and occluded keypoints at their image coordinates, skips missing ones and their edges', () => {
    const s = sample([
      { x: 10, y: 20.25, state: 'labelled' },
      { x: 30.5, y: 40, state: 'occluded' },
      { x: NaN, y: NaN, state: 'missing' },
    ]);
    const m = keypointMarkup(s, schema);
    expect(m.match(/<circle /g)).toHaveLength(2);
    expect(m).toContain('cx="10" cy="20.25"');
    expect(m).toContain('cx="30.5" cy="40"');
    // The occluded point is a ring; the edge to the missing point is not drawn.
    expect(m).toMatch(/cx="30.5" cy="40" r="[\d.]+" fill="none"/);
    expect(m.match(/<line /g)).toHaveLength(1);
    expect(m).not.toContain('<script');
    expect(keypointMarkup(s, schema)).toBe(m);
  });

  it('places each cell in a nested svg whose viewBox puts pixel centres at integers', () => {
    const s = sample([
      { x: 0, y: 0, state: 'labelled' },
      { x: 95, y: 95, state: 'labelled' },
      { x: 1, y: 1, state: 'labelled' },
    ]);
    const m = rowMarkup([{ x: 8, sample: s }, { x: 150, sample: undefined }], schema, 136);
    expect(m.match(/<svg /g)).toHaveLength(1);
    expect(m).toContain('x="8" y="0" width="136" height="136" viewBox="-0.5 -0.5 96 96"');
  });
});
