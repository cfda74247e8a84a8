// The gallery's filter and sort controls, and their translation into the service's SampleQuery.
import type { SampleQuery } from '../../src-main/api/ops.js';
import { SPLITS, type Split } from '../../src-main/core/types.js';
import { NEEDS_REVIEW_TAG, REVIEWED_TAG } from '../../src-main/core/tags.js';

export const REVIEW_TAGS = { needs: NEEDS_REVIEW_TAG, done: REVIEWED_TAG } as const;

export interface GalleryFilter {
  /** Lower and upper bounds on the number of missing keypoints (null: open). */
  minMissing: number | null;
  maxMissing: number | null;
  /** Index of a keypoint that must be missing (null: any). */
  missingKeypoint: number | null;
  split: Split | null;
  /** A free tag, or one of the review tags. */
  tag: string | null;
  review: typeof NEEDS_REVIEW_TAG | typeof REVIEWED_TAG | null;
  text: string;
  sort: NonNullable<SampleQuery['sort']>;
  /** Run whose prediction error the `error-desc` sort uses. */
  runId: string | null;
  /** Face detector result: found, none found (fallback crop), not looked at yet; null: any. */
  face: NonNullable<SampleQuery['face']> | null;
  /** true: samples with a predicted, unconfirmed keypoint; false: without one; null: any. */
  predicted: boolean | null;
}

export const defaultFilter = (): GalleryFilter => ({
  minMissing: null,
  maxMissing: null,
  missingKeypoint: null,
  split: null,
  tag: null,
  review: null,
  text: '',
  sort: 'id',
  runId: null,
  face: null,
  predicted: null,
});

/**
 * The service filters on one tag, so a review state and a free tag cannot both apply: the review state wins
 * and the view says so. (SampleQuery.tag is a single string in the shared contract.)
 */
export function toQuery(f: GalleryFilter): SampleQuery {
  const q: SampleQuery = { sort: f.sort };
  if (f.minMissing !== null) q.minMissing = f.minMissing;
  if (f.maxMissing !== null) q.maxMissing = f.maxMissing;
  if (f.missingKeypoint !== null) q.missingKeypoint = f.missingKeypoint;
  if (f.split) q.split = f.split;
  if (f.face) q.face = f.face;
  if (f.predicted !== null) q.predicted = f.predicted;
  const tag = f.review ?? f.tag;
  if (tag) q.tag = tag;
  const text = f.text.trim();
  if (text) q.text = text;
  if (f.sort === 'error-desc') {
    if (f.runId) q.runId = f.runId;
    else q.sort = 'id';
  }
  return q;
}

export function filterIsActive(f: GalleryFilter): boolean {
  return f.minMissing !== null || f.maxMissing !== null || f.missingKeypoint !== null || f.split !== null || f.tag !== null || f.review !== null || f.face !== null || f.predicted !== null || f.text.trim() !== '';
}

/** Reads a filter saved in sessionStorage, field by field, so a reload keeps the gallery's order for the editor. */
export function parseFilter(text: string | null): GalleryFilter {
  const d = defaultFilter();
  if (!text) return d;
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object') return d;
    o = v as Record<string, unknown>;
  } catch {
    return d;
  }
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const sorts: GalleryFilter['sort'][] = ['id', 'missing-desc', 'missing-asc', 'source', 'error-desc'];
  return {
    minMissing: num(o.minMissing),
    maxMissing: num(o.maxMissing),
    missingKeypoint: num(o.missingKeypoint),
    split: SPLITS.includes(o.split as Split) ? (o.split as Split) : null,
    tag: typeof o.tag === 'string' ? o.tag : null,
    review: o.review === NEEDS_REVIEW_TAG || o.review === REVIEWED_TAG ? o.review : null,
    text: typeof o.text === 'string' ? o.text : '',
    sort: sorts.includes(o.sort as GalleryFilter['sort']) ? (o.sort as GalleryFilter['sort']) : 'id',
    runId: typeof o.runId === 'string' ? o.runId : null,
    face: o.face === 'found' || o.face === 'none' || o.face === 'pending' ? o.face : null,
    predicted: typeof o.predicted === 'boolean' ? o.predicted : null,
  };
}
