// Test helper: an in-memory ExportSource over imported samples, so exporters can be tested without a project store.
import type { KeypointSchema } from '../../../src-main/core/types.js';
import type { ExportSample, ExportSource, ImportedSample } from '../../../src-main/formats/types.js';

export function memorySource(schema: KeypointSchema, samples: readonly ImportedSample[]): ExportSource {
  const rows: ExportSample[] = samples.map((s, i) => ({
    id: i + 1,
    source: s.source,
    record: s.record,
    externalId: s.externalId ?? null,
    groupId: s.groupId,
    split: s.split ?? 'unassigned',
    width: s.image.width,
    height: s.image.height,
    channels: s.image.channels,
    keypoints: s.keypoints.map((k) => ({ ...k })),
    pixels: s.image.kind === 'embedded' ? s.image.pixels : null,
    imagePath: s.image.kind === 'file' ? s.image.path : null,
  }));
  return { schema, count: () => rows.length, samples: () => rows[Symbol.iterator]() };
}

/** Largest coordinate difference between two sample lists (NaN-aware: missing must match missing). */
export function maxLabelDifference(a: readonly ImportedSample[], b: readonly ImportedSample[]): number {
  if (a.length !== b.length) throw new Error(`sample counts differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  a.forEach((s, i) => {
    s.keypoints.forEach((k, j) => {
      const o = b[i].keypoints[j];
      if (k.state !== o.state) throw new Error(`sample ${i + 1} keypoint ${j}: state ${k.state} vs ${o.state}`);
      if (k.state === 'missing') {
        if (!Number.isNaN(o.x) || !Number.isNaN(o.y)) throw new Error(`sample ${i + 1} keypoint ${j}: missing but has coordinates`);
        return;
      }
      worst = Math.max(worst, Math.abs(k.x - o.x), Math.abs(k.y - o.y));
    });
  });
  return worst;
}
