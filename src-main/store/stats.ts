// Dataset statistics in a few aggregate queries: shapes, pixel range, per-keypoint counts and ranges, histogram, mean shape.
import { COORDINATE_MARGIN } from '../core/coordinates.js';
import type { Split } from '../core/types.js';
import type { DatasetStats, PerKeypointStats } from '../api/ops.js';
import { PREDICTED_LABEL_SQL } from '../core/provenance.js';
import { predictedSampleCount } from './predicted.js';
import { liveSampleCount, type StoreCtx } from './rows.js';

export function computeStats(ctx: StoreCtx): DatasetStats {
  return ctx.db.transaction(() => {
    const k = ctx.k;
    const sampleCount = liveSampleCount(ctx);
    const imageShapes = ctx.st(`SELECT width, height, channels, count(*) AS count FROM samples WHERE deleted = 0
      GROUP BY width, height, channels ORDER BY count DESC, width, height`).all() as DatasetStats['imageShapes'];
    const px = ctx.st(`SELECT min(pix_min) AS mn, max(pix_max) AS mx, sum(pix_sum) AS total, sum(pix_count) AS n, count(pix_count) AS samples
      FROM samples WHERE deleted = 0 AND pix_count IS NOT NULL`).get() as { mn: number | null; mx: number | null; total: number | null; n: number | null; samples: number };
    const pixel = px.samples > 0 && px.n ? { min: px.mn ?? 0, max: px.mx ?? 0, mean: (px.total ?? 0) / px.n, sampled: px.samples } : null;
    // Coordinates outside the image by more than the import margin (possible only in files written before the
    // importers and labels.set checked it) are counted but left out of min/max/mean: one 1e300 would poison them.
    const inImage = `(l.x BETWEEN -0.5 - ${COORDINATE_MARGIN} * s.width AND s.width - 0.5 + ${COORDINATE_MARGIN} * s.width
        AND l.y BETWEEN -0.5 - ${COORDINATE_MARGIN} * s.height AND s.height - 0.5 + ${COORDINATE_MARGIN} * s.height)`;
    const perKp = ctx.st(`SELECT l.kp_index AS i,
        sum(l.state = 'labelled') AS labelled, sum(l.state = 'missing') AS missing, sum(l.state = 'occluded') AS occluded, sum(${PREDICTED_LABEL_SQL}) AS predicted,
        min(CASE WHEN ${inImage} THEN l.x END) AS xMin, max(CASE WHEN ${inImage} THEN l.x END) AS xMax, avg(CASE WHEN ${inImage} THEN l.x END) AS xMean,
        min(CASE WHEN ${inImage} THEN l.y END) AS yMin, max(CASE WHEN ${inImage} THEN l.y END) AS yMax, avg(CASE WHEN ${inImage} THEN l.y END) AS yMean
      FROM labels l JOIN samples s ON s.id = l.sample_id WHERE s.deleted = 0 GROUP BY l.kp_index`).all() as ({ i: number } & Omit<PerKeypointStats, 'name'>)[];
    const keypoints: PerKeypointStats[] = ctx.schema.keypoints.map((kp) => ({
      name: kp.name, labelled: 0, missing: 0, occluded: 0, predicted: 0, xMin: null, xMax: null, xMean: null, yMin: null, yMax: null, yMean: null,
    }));
    for (const r of perKp) {
      const { i, ...rest } = r;
      keypoints[i] = { name: ctx.schema.keypoints[i].name, ...rest };
    }
    const completeRows = (ctx.st('SELECT count(*) AS n FROM samples WHERE deleted = 0 AND missing_count = 0').get() as { n: number }).n;
    const histogram = new Array<number>(k + 1).fill(0);
    const hist = ctx.st('SELECT ? - missing_count AS present, count(*) AS n FROM samples WHERE deleted = 0 GROUP BY missing_count').all(k) as { present: number; n: number }[];
    for (const h of hist) if (h.present >= 0 && h.present <= k) histogram[h.present] = h.n;
    const meanShape = keypoints.map((s) => (s.xMean === null || s.yMean === null ? null : { x: s.xMean, y: s.yMean }));
    const splits: Record<Split, number> = { train: 0, val: 0, test: 0, unassigned: 0 };
    for (const r of ctx.st('SELECT split, count(*) AS n FROM samples WHERE deleted = 0 GROUP BY split').all() as { split: Split; n: number }[]) splits[r.split] = r.n;
    const predicted = { keypoints: keypoints.reduce((a, kp) => a + kp.predicted, 0), samples: predictedSampleCount(ctx) };
    return { sampleCount, imageShapes, dtype: 'uint8', pixel, keypoints, completeRows, labelledPerRowHistogram: histogram, meanShape, splits, predicted };
  })();
}

