// Export of a subset (selection, stored split, a run's split, reviewed only, a tag) and the export request's checks.
import { KpsError } from '../core/errors.js';
import { OTHER_SIZES } from '../formats/kaggle-fit.js';
import type { ExportSource } from '../formats/types.js';
import type { ProjectStore } from '../store/types.js';
import { PREDICTED_EXPORTS, type ExportSubset } from '../api/export.js';

/** The tag the editor's "Mark reviewed" sets (core/tags.ts). */
export { REVIEWED_TAG } from '../core/tags.js';
import { REVIEWED_TAG } from '../core/tags.js';
const SPLITS = ['train', 'val', 'test', 'unassigned'];
const RUN_SIDES = ['train', 'val', 'test'];

type Obj = Record<string, unknown>;

function fail(op: string, message: string): never {
  throw new KpsError('bad-input', `${op}: ${message}`);
}

/** Shape checks of export.start's `subset` and `otherSizes` (validate.ts calls this). */
export function validateExportExtras(r: Obj, op: string): void {
  if (r.otherSizes !== undefined && !OTHER_SIZES.includes(r.otherSizes as never)) {
    fail(op, `"otherSizes" must be one of ${OTHER_SIZES.join(', ')} (got ${JSON.stringify(r.otherSizes)})`);
  }
  if (r.predicted !== undefined && !PREDICTED_EXPORTS.includes(r.predicted as never)) {
    fail(op, `"predicted" must be one of ${PREDICTED_EXPORTS.join(', ')} (got ${JSON.stringify(r.predicted)})`);
  }
  if (r.predicted === 'flag' && r.format !== 'coco') {
    fail(op, `"predicted": "flag" needs COCO (it carries keypoint_predicted per annotation); ${String(r.format)} can include or exclude predicted keypoints`);
  }
  if (r.subset === undefined) return;
  const s = r.subset as Obj;
  if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(op, '"subset" must be an object');
  const known = ['ids', 'split', 'runSplit', 'reviewedOnly', 'tag'];
  for (const k of Object.keys(s)) if (!known.includes(k)) fail(op, `subset.${k} is not a subset criterion; use ${known.join(', ')}`);
  if (s.ids !== undefined && (!Array.isArray(s.ids) || !s.ids.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1))) fail(op, 'subset.ids must be an array of sample ids');
  if (s.split !== undefined && !SPLITS.includes(s.split as string)) fail(op, `subset.split must be one of ${SPLITS.join(', ')} (got ${JSON.stringify(s.split)})`);
  if (s.runSplit !== undefined) {
    const rs = s.runSplit as Obj;
    if (rs === null || typeof rs !== 'object' || typeof rs.runId !== 'string' || rs.runId === '') fail(op, 'subset.runSplit must be {runId, side}');
    if (!RUN_SIDES.includes(rs.side as string)) fail(op, `subset.runSplit.side must be one of ${RUN_SIDES.join(', ')} (got ${JSON.stringify(rs.side)})`);
  }
  if (s.reviewedOnly !== undefined && typeof s.reviewedOnly !== 'boolean') fail(op, 'subset.reviewedOnly must be true or false');
  if (s.tag !== undefined && (typeof s.tag !== 'string' || s.tag === '')) fail(op, 'subset.tag must be a non-empty string');
}

/** Words for a subset, for messages: "split test, tag reviewed". */
export function describeSubset(s: ExportSubset): string {
  const parts: string[] = [];
  if (s.ids) parts.push(`${s.ids.length} selected ids`);
  if (s.split) parts.push(`stored split ${s.split}`);
  if (s.runSplit) parts.push(`run ${s.runSplit.runId}'s ${s.runSplit.side} side`);
  if (s.reviewedOnly) parts.push('reviewed only');
  if (s.tag) parts.push(`tag "${s.tag}"`);
  return parts.join(', ');
}

function isEmpty(s: ExportSubset | undefined): boolean {
  return !s || (s.ids === undefined && s.split === undefined && s.runSplit === undefined && !s.reviewedOnly && (s.tag === undefined || s.tag === ''));
}

type SubsetStore = Pick<ProjectStore, 'sampleIds' | 'getRun' | 'getRunSplit'>;

/**
 * The ids a subset chooses, or null for every sample. Resolved once, when the export starts, so edits made while it
 * runs do not change which samples it writes. Refused when it matches nothing or names ids that do not exist.
 */
export function resolveSubset(store: SubsetStore, subset: ExportSubset | undefined): Set<number> | null {
  if (isEmpty(subset)) return null;
  const s = subset!;
  const live = new Set(store.sampleIds({ ...(s.split ? { split: s.split } : {}) }));
  let chosen = live;
  const keep = (ids: Iterable<number>) => {
    const next = new Set<number>();
    for (const id of ids) if (chosen.has(id)) next.add(id);
    chosen = next;
  };
  if (s.ids) {
    const all = new Set(store.sampleIds({}));
    const unknown = s.ids.filter((id) => !all.has(id));
    if (unknown.length > 0) throw new KpsError('not-found', `export subset: sample${unknown.length === 1 ? '' : 's'} ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''} ${unknown.length === 1 ? 'does' : 'do'} not exist (or ${unknown.length === 1 ? 'was' : 'were'} deleted)`);
    keep(s.ids);
  }
  if (s.tag) keep(store.sampleIds({ tag: s.tag }));
  if (s.reviewedOnly) keep(store.sampleIds({ tag: REVIEWED_TAG }));
  if (s.runSplit) {
    store.getRun(s.runSplit.runId); // not-found naming the run
    const entries = store.getRunSplit(s.runSplit.runId);
    if (entries.length === 0) throw new KpsError('bad-input', `export subset: run ${s.runSplit.runId} has no stored split (it was trained before splits were stored); use a stored split or a tag`);
    keep(entries.filter((e) => e.split === s.runSplit!.side).map((e) => e.sampleId));
  }
  if (chosen.size === 0) throw new KpsError('bad-input', `export subset (${describeSubset(s)}) matches no sample; nothing was written`);
  return chosen;
}

/** The source restricted to `ids` (null: unchanged). */
export function subsetSource(source: ExportSource, ids: Set<number> | null): ExportSource {
  if (ids === null) return source;
  return {
    schema: source.schema,
    count: () => ids.size,
    *samples() {
      for (const s of source.samples()) if (ids.has(s.id)) yield s;
    },
  };
}

/**
 * Predicted, unconfirmed keypoints left out of an export (`predicted: 'exclude'`): written as missing, as if no one
 * had placed them; counts are left to the exporter, which derives them from the states.
 */
export function withoutPredicted(source: ExportSource): ExportSource & { excluded(): number } {
  let excluded = 0;
  return {
    schema: source.schema,
    count: () => source.count(),
    excluded: () => excluded,
    *samples() {
      excluded = 0;
      for (const s of source.samples()) {
        if (!s.predicted) {
          yield s;
          continue;
        }
        const keypoints = s.keypoints.map((k, i) => {
          if (!s.predicted![i] || k.state === 'missing') return k;
          excluded++;
          return { x: NaN, y: NaN, state: 'missing' as const };
        });
        const { predicted: _p, confidence: _c, ...rest } = s;
        yield { ...rest, keypoints };
      }
    },
  };
}
