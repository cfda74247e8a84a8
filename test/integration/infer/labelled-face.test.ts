// A stored sample of a photo of several people with no face stored (imported from .pts or COCO): the pretrained net's
// answer is for the face its labels are on, not for the detector's best-scoring face, in QC's evidence and elsewhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSample68Cache, labelledBox, sample68, type Box } from '../../../src-main/train/pretrained/face68.js';
import { pretrainedHeldOut, type PretrainedStore } from '../../../src-main/train/pretrained/project.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { requireDataDir } from '../../helpers/data.js';
import { writeTwoPeoplePhoto } from '../../helpers/two-people.js';

const inside = (x: number, y: number, b: Box, grow = 0.25) =>
  x >= b.x - grow * b.width && x <= b.x + (1 + grow) * b.width && y >= b.y - grow * b.height && y <= b.y + (1 + grow) * b.height;
const allInside = (pts: number[], b: Box) => pts.every((_, i) => i % 2 === 1 || inside(pts[i], pts[i + 1], b));
/** 68 flat labels whose box is `b`: two opposite corners labelled, the other points not placed (NaN). */
const labelsOver = (b: Box): number[] => [b.x, b.y, b.x + b.width, b.y + b.height, ...new Array(132).fill(NaN)];

describe('the labelled face of a photo of several people', () => {
  let dir: string;
  let photo: string;
  const schema = loadBuiltinSchema('ibug-68');
  // What the net reads of a store, for one sample whose labels are `labels` (flat, 68 points) or none.
  const storeWith = (labels: number[] | null): PretrainedStore =>
    ({
      path: join(dir, 'p.kps'),
      schema,
      dataVersion: () => 'v1',
      sampleIds: () => [1],
      getSample: () => ({
        id: 1,
        width: 1280,
        height: 480,
        image: { kind: 'file' },
        groupId: null,
        keypoints: Array.from({ length: 68 }, (_, k) =>
          labels ? { x: labels[2 * k], y: labels[2 * k + 1], state: 'labelled' } : { x: NaN, y: NaN, state: 'missing' },
        ),
      }),
      getPixels: () => null,
      getImagePath: () => photo,
      getExtra: () => null,
    }) as unknown as PretrainedStore;

  beforeAll(async () => {
    const data = requireDataDir();
    dir = mkdtempSync(join(tmpdir(), 'kps-labelled-face-'));
    photo = await writeTwoPeoplePhoto(data, dir);
  }, 60_000);
  afterAll(() => {
    clearSample68Cache();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers for the face that the labels are on, whichever the detector ranks first', async () => {
    const plain = storeWith(null);
    const first = await sample68(plain, 1);
    expect(first?.boxes).toHaveLength(2);
    const other = 1 - (first?.faceIndex as number);
    const otherBox = first?.boxes[other] as Box;
    // Without labels: the best-scoring face, as before.
    expect(first?.faceIndex).toBe(0);
    // Labels on the other face (its box shrunk to the inner part, as 68 labels would lie): that face's answer.
    const shrunk = { x: otherBox.x + 0.15 * otherBox.width, y: otherBox.y + 0.2 * otherBox.height, width: 0.7 * otherBox.width, height: 0.7 * otherBox.height };
    const chosen = await sample68(storeWith(labelsOver(shrunk)), 1);
    expect(chosen?.faceIndex).toBe(other);
    expect(allInside(chosen?.points as number[], otherBox)).toBe(true);
    expect(allInside(chosen?.points as number[], first?.boxes[0] as Box)).toBe(false);
    // Labels that overlap no face leave the best-scoring one; the first face's own box keeps it.
    expect((await sample68(storeWith(labelsOver({ x: 1, y: 1, width: 5, height: 5 })), 1))?.faceIndex).toBe(0);
    expect((await sample68(storeWith(labelsOver(first?.boxes[0] as Box)), 1))?.faceIndex).toBe(0);

    // QC's evidence on an ibug-68 project: the net's points for the labelled (other) face.
    clearSample68Cache();
    const labels = chosen?.points as number[];
    expect(labelledBox(storeWith(labels).getSample(1).keypoints)).not.toBeNull();
    const held = await pretrainedHeldOut(storeWith(labels));
    const p = held.predictions.get(1) as number[];
    expect(p).toHaveLength(136);
    expect(allInside(p, otherBox)).toBe(true);
    expect(p.every((v, i) => Math.abs(v - labels[i]) < 1e-6)).toBe(true);
  }, 180_000);

  it('the box of the labelled keypoints', () => {
    expect(labelledBox([{ x: 1, y: 2, state: 'labelled' }, { x: 5, y: 9, state: 'occluded' }, { x: 100, y: 100, state: 'missing' }])).toEqual({ x: 1, y: 2, width: 4, height: 7 });
    expect(labelledBox([{ x: 1, y: 2, state: 'labelled' }])).toBeNull();
    expect(labelledBox([{ x: 1, y: 2, state: 'labelled' }, { x: 1, y: 9, state: 'labelled' }])).toBeNull();
  });
});
