// Unsent label saves written to localStorage, so a reload or a crash while the service is unreachable loses no edit.
import type { KeypointEdit } from '../../src-main/api/ops.js';
import type { KeyValueStorage } from './hotkeys.js';

export interface PendingSave {
  /** Path of the project the edit belongs to: replayed only when that project is open again. */
  project: string;
  sampleId: number;
  edits: KeypointEdit[];
  label: string;
  /** Journal actor: `annotator` when absent; `model:<run id>` for an accepted prediction. */
  actor?: string;
}

export const PENDING_STORAGE_KEY = 'kps.editor.pendingSaves';

function isEdit(v: unknown): v is { index: number; x: unknown; y: unknown; state: KeypointEdit['state'] } {
  if (!v || typeof v !== 'object') return false;
  const e = v as Record<string, unknown>;
  return Number.isInteger(e.index) && (e.state === 'labelled' || e.state === 'missing' || e.state === 'occluded');
}

/** Reads the stored saves; JSON turns NaN into null, so missing coordinates come back as NaN. */
export function loadPending(storage: KeyValueStorage | null): PendingSave[] {
  let parsed: unknown;
  try {
    const raw = storage?.getItem(PENDING_STORAGE_KEY);
    parsed = raw ? JSON.parse(raw) : [];
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: PendingSave[] = [];
  for (const p of parsed) {
    if (!p || typeof p !== 'object') continue;
    const o = p as Record<string, unknown>;
    if (typeof o.project !== 'string' || !Number.isInteger(o.sampleId) || !Array.isArray(o.edits) || !o.edits.every(isEdit)) continue;
    const edits = o.edits.map((e) => ({
      index: e.index,
      x: typeof e.x === 'number' ? e.x : NaN,
      y: typeof e.y === 'number' ? e.y : NaN,
      state: e.state,
    }));
    const actor = typeof o.actor === 'string' && o.actor !== '' ? o.actor : undefined;
    out.push({ project: o.project, sampleId: o.sampleId as number, edits, label: typeof o.label === 'string' ? o.label : 'edit', ...(actor ? { actor } : {}) });
  }
  return out;
}

export function savePending(storage: KeyValueStorage | null, pending: readonly PendingSave[]): void {
  try {
    if (pending.length === 0) storage?.removeItem(PENDING_STORAGE_KEY);
    else storage?.setItem(PENDING_STORAGE_KEY, JSON.stringify(pending));
  } catch {
    // Storage full or disabled: the save queue still holds the edits for this session.
  }
}

/**
 * Whether the service refused a save because another project is open now (labels.set with `project`: code conflict,
 * `file` = the edit's project). Such a save is kept for when its project is open again, never sent to the other one.
 */
export function isOtherProjectError(err: unknown, project: string): boolean {
  const shape = err && typeof err === 'object' && 'shape' in err ? (err as { shape: unknown }).shape : null;
  if (!shape || typeof shape !== 'object') return false;
  const s = shape as { code?: unknown; file?: unknown };
  return s.code === 'conflict' && s.file === project;
}

export function isPendingSave(v: unknown): v is PendingSave {
  return !!v && typeof v === 'object' && typeof (v as PendingSave).project === 'string' && Array.isArray((v as PendingSave).edits);
}
