// Export of a subset (selection, stored split, a run's split, reviewed only, a tag); the request's shape is checked in
// api/checks.ts (exportExtras).
import { KpsError } from '../core/errors.js';
import type { ExportSource } from '../formats/types.js';
import type { ProjectStore } from '../store/types.js';
import type { ExportSubset } from '../api/export.js';

/** The tag the editor's "Mark reviewed" sets (core/tags.ts). */
export { REVIEWED_TAG } from '../core/tags.js';
import { REVIEWED_TAG } from '../core/tags.js';
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
