// Turns edit-journal entries into lines for the history panel: what changed, from what to what, by whom (provenance).
import type { JournalEntry, KeypointSchema } from '../../src-main/core/types.js';

export type ProvenanceKind = 'import' | 'annotator' | 'model' | 'augment' | 'system' | 'other';

export interface ProvenanceInfo {
  kind: ProvenanceKind;
  /** "annotator alice", "model run-3", "import". */
  text: string;
}

export function provenanceOf(actor: string): ProvenanceInfo {
  const [prefix, ...rest] = actor.split(':');
  const detail = rest.join(':');
  const known: ProvenanceKind[] = ['import', 'annotator', 'model', 'augment', 'system'];
  const kind = (known as string[]).includes(prefix) ? (prefix as ProvenanceKind) : 'other';
  return { kind, text: detail ? `${prefix} ${detail}` : prefix };
}

function fmtNum(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '–';
}

/** Keypoint values in the journal may carry NaN as null (JSON): both read as missing. */
function describeKeypoint(v: unknown): string {
  if (!v || typeof v !== 'object') return 'missing';
  const kp = v as { x?: unknown; y?: unknown; state?: unknown };
  if (kp.state === 'missing' || typeof kp.x !== 'number' || !Number.isFinite(kp.x)) return 'missing';
  const pos = `(${fmtNum(kp.x)}, ${fmtNum(kp.y)})`;
  return kp.state === 'occluded' ? `${pos} occluded` : pos;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return v.join(', ') || '–';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export interface HistoryLine {
  id: number;
  actionId: number;
  at: string;
  what: string;
  change: string;
  provenance: ProvenanceInfo;
  undone: boolean;
}

export function describeEntry(e: JournalEntry, schema: KeypointSchema | null): HistoryLine {
  let what: string;
  let change: string;
  switch (e.kind) {
    case 'keypoint': {
      const name = e.index !== null ? (schema?.keypoints[e.index]?.name ?? `keypoint ${e.index}`) : 'keypoint';
      what = name;
      change = `${describeKeypoint(e.before)} → ${describeKeypoint(e.after)}`;
      break;
    }
    case 'tag-add':
      what = 'tag added';
      change = describeValue(e.after);
      break;
    case 'tag-remove':
      what = 'tag removed';
      change = describeValue(e.before);
      break;
    case 'split':
      what = 'split';
      change = `${describeValue(e.before)} → ${describeValue(e.after)}`;
      break;
    case 'delete':
      what = 'deleted';
      change = '';
      break;
    case 'restore':
      what = 'restored';
      change = '';
      break;
    case 'import': {
      const imp = (e.after ?? {}) as { source?: unknown; record?: unknown; keypoints?: unknown };
      const kps = Array.isArray(imp.keypoints) ? (imp.keypoints as unknown[]) : [];
      const labelled = kps.filter((k) => describeKeypoint(k) !== 'missing').length;
      const file = typeof imp.source === 'string' ? imp.source.split(/[\\/]/).pop() : 'file';
      what = 'imported';
      change = `${file}${typeof imp.record === 'number' ? `, record ${imp.record}` : ''}: ${labelled} of ${kps.length} keypoints labelled`;
      break;
    }
    default:
      what = String(e.kind);
      change = `${describeValue(e.before)} → ${describeValue(e.after)}`;
  }
  // The writes of an undo or a redo are journal entries of their own: say so, or they read like fresh edits.
  if (e.actionKind === 'undo' || e.actionKind === 'redo') what = `${e.actionKind}: ${what}`;
  return { id: e.id, actionId: e.actionId, at: e.at, what, change, provenance: provenanceOf(e.actor), undone: e.undone };
}

/** Newest first, as a reader of a history expects. */
export function historyLines(entries: readonly JournalEntry[], schema: KeypointSchema | null): HistoryLine[] {
  return [...entries].sort((a, b) => b.id - a.id).map((e) => describeEntry(e, schema));
}
