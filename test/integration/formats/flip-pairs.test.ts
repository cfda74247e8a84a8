// Checks every built-in schema's flip pairs and sides on real faces: a mirrored face with its pairs swapped must match the mean shape.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { alignTo, mirrorX, procrustesMean, swapPairs, type Point2 } from '../../../src-main/core/geometry.js';
import { quietContext } from '../../../src-main/formats/common.js';
import { importers } from '../../../src-main/formats/index.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import type { ImportFormat } from '../../../src-main/api/ops.js';
import { requireDataDir } from '../../helpers/data.js';

const layouts: { schema: string; format: ImportFormat; path: string; minFaces: number }[] = [
  { schema: 'kaggle-15', format: 'kaggle-labels', path: 'kaggle-labels/training_labels.csv', minFaces: 2140 },
  { schema: 'imm-58', format: 'pts', path: 'imm-face-db', minFaces: 240 },
  { schema: 'imm-frontal-73', format: 'asf', path: 'imm-frontal', minFaces: 120 },
  { schema: 'ibug-68', format: 'pts', path: 'lfpw-train', minFaces: 805 },
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('flip pairs match real faces', () => {
  for (const layout of layouts) {
    it(`${layout.schema}: mirrored faces with swapped pairs fit the mean shape far better than unswapped ones`, async () => {
      const schema = loadBuiltinSchema(layout.schema);
      const samples = (await importers[layout.format](join(requireDataDir(), layout.path), schema, quietContext())).filter((s) =>
        s.keypoints.every((k) => k.state === 'labelled'),
      );
      expect(samples.length).toBe(layout.minFaces);
      const shapes: Point2[][] = samples.map((s) => s.keypoints.map((k) => ({ x: k.x, y: k.y })));
      const mean = procrustesMean(shapes);
      const K = schema.keypoints.length;

      const swappedRms: number[] = [];
      const unswappedRms: number[] = [];
      const errSwapped = new Float64Array(K);
      const errOriginal = new Float64Array(K);
      samples.forEach((sample, n) => {
        // x' = W - 1 - x: the mirror of a pixel-centre coordinate in a W-pixel-wide image.
        const mirrored = mirrorX(shapes[n], sample.image.width);
        const swapped = alignTo(swapPairs(mirrored, schema.flipPairs), mean);
        const unswapped = alignTo(mirrored, mean);
        const original = alignTo(shapes[n], mean);
        swappedRms.push(swapped.rms);
        unswappedRms.push(unswapped.rms);
        for (let i = 0; i < K; i++) {
          errSwapped[i] += Math.hypot(swapped.aligned[i].x - mean[i].x, swapped.aligned[i].y - mean[i].y);
          errOriginal[i] += Math.hypot(original.aligned[i].x - mean[i].x, original.aligned[i].y - mean[i].y);
        }
      });

      // Whole shapes: the right swap brings a mirrored face as close as a real one; no swap leaves it far off.
      const ratio = median(unswappedRms) / median(swappedRms);
      expect(ratio).toBeGreaterThan(5);
      const wins = swappedRms.filter((r, i) => r < unswappedRms[i]).length;
      expect(wins / samples.length).toBeGreaterThanOrEqual(0.99);

      // Each keypoint: after mirroring and swapping it sits about as close to the mean as in the original
      // faces. One missing or wrong pair pushes its two points 8-30x further away.
      const perKeypoint = Array.from(errSwapped, (e, i) => e / errOriginal[i]);
      const worst = Math.max(...perKeypoint);
      expect(worst, `worst keypoint ${schema.keypoints[perKeypoint.indexOf(worst)].name}`).toBeLessThan(2);
    });

    it(`${layout.schema}: "left" keypoints are the subject's left, on the image right`, async () => {
      const schema = loadBuiltinSchema(layout.schema);
      const samples = (await importers[layout.format](join(requireDataDir(), layout.path), schema, quietContext())).filter((s) =>
        s.keypoints.every((k) => k.state === 'labelled'),
      );
      let rightOfImage = 0;
      for (const s of samples) {
        for (const [i, j] of schema.flipPairs) {
          const left = schema.keypoints[i].side === 'left' ? i : j;
          const right = left === i ? j : i;
          if (s.keypoints[left].x > s.keypoints[right].x) rightOfImage++;
        }
      }
      // Strongly turned heads (IMM pose images) can cross near-midline pairs; nearly all pairs still agree.
      expect(rightOfImage / (samples.length * schema.flipPairs.length)).toBeGreaterThan(0.95);
    });
  }
});
