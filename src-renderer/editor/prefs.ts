// Editor view preferences remembered between sessions: zoom per project (relative to fit), smoothing, fill mode, side panels.
import type { KeyValueStorage } from './hotkeys.js';
import type { RememberedZoom } from './transform.js';

export interface EditorPrefs {
  /** Remembered zoom by project path: a 96x96 face zoomed to 2000% must not open a 256 px photo of another project so. */
  zooms: Record<string, RememberedZoom>;
  smoothing: boolean;
  fillMode: boolean;
  showHistory: boolean;
  /** Keypoint names drawn beside the markers. */
  showNames: boolean;
  /** Run whose predictions are shown as ghosts (model-assisted labelling), or null for none. */
  assistRun: string | null;
}

export const PREFS_STORAGE_KEY = 'kps.editor.prefs';

export const defaultPrefs: EditorPrefs = { zooms: {}, smoothing: false, fillMode: false, showHistory: false, showNames: false, assistRun: null };

export function loadPrefs(storage: KeyValueStorage | null): EditorPrefs {
  let o: Record<string, unknown> = {};
  try {
    const raw = storage?.getItem(PREFS_STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === 'object') o = parsed as Record<string, unknown>;
  } catch {
    o = {};
  }
  // An older single `zoom` (not tied to a project) is dropped: it is what carried one project's zoom into another.
  const zooms: Record<string, RememberedZoom> = {};
  const stored = o.zooms && typeof o.zooms === 'object' ? (o.zooms as Record<string, unknown>) : {};
  for (const [project, value] of Object.entries(stored)) {
    const z = value as Partial<RememberedZoom> | null;
    const ok = !!z && [z.factor, z.centreU, z.centreV].every((v) => typeof v === 'number' && Number.isFinite(v)) && (z.factor ?? 0) > 0;
    if (ok) zooms[project] = { factor: z.factor!, centreU: z.centreU!, centreV: z.centreV! };
  }
  return {
    zooms,
    smoothing: o.smoothing === true,
    fillMode: o.fillMode === true,
    showHistory: o.showHistory === true,
    showNames: o.showNames === true,
    assistRun: typeof o.assistRun === 'string' && o.assistRun !== '' ? o.assistRun : null,
  };
}

/** Projects whose zoom is kept; the least recently zoomed beyond this are forgotten. */
export const MAX_ZOOMS = 20;

export function zoomFor(p: EditorPrefs, project: string | null): RememberedZoom | null {
  return project !== null ? (p.zooms[project] ?? null) : null;
}

/** The prefs with `project`'s zoom set (most recent last, so the oldest are dropped first). */
export function withZoom(p: EditorPrefs, project: string | null, zoom: RememberedZoom): EditorPrefs {
  if (project === null) return p;
  const rest = Object.entries(p.zooms).filter(([k]) => k !== project);
  return { ...p, zooms: Object.fromEntries([...rest.slice(Math.max(0, rest.length - MAX_ZOOMS + 1)), [project, zoom]]) };
}

export function savePrefs(storage: KeyValueStorage | null, p: EditorPrefs): void {
  try {
    storage?.setItem(PREFS_STORAGE_KEY, JSON.stringify(p));
  } catch {
    // Storage full or disabled: preferences are a convenience.
  }
}

/** The page's localStorage, or null where there is none (Node tests) or it is blocked. */
export function browserStorage(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}
