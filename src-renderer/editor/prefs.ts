// Editor view preferences remembered between sessions: zoom (relative to fit), smoothing, fill mode, side panels.
import type { KeyValueStorage } from './hotkeys.js';
import type { RememberedZoom } from './transform.js';

export interface EditorPrefs {
  zoom: RememberedZoom | null;
  smoothing: boolean;
  fillMode: boolean;
  showHistory: boolean;
  /** Run whose predictions are shown as ghosts (model-assisted labelling), or null for none. */
  assistRun: string | null;
}

export const PREFS_STORAGE_KEY = 'kps.editor.prefs';

export const defaultPrefs: EditorPrefs = { zoom: null, smoothing: false, fillMode: false, showHistory: false, assistRun: null };

export function loadPrefs(storage: KeyValueStorage | null): EditorPrefs {
  let o: Record<string, unknown> = {};
  try {
    const raw = storage?.getItem(PREFS_STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === 'object') o = parsed as Record<string, unknown>;
  } catch {
    o = {};
  }
  const z = o.zoom as Partial<RememberedZoom> | null | undefined;
  const zoomOk = !!z && [z.factor, z.centreU, z.centreV].every((v) => typeof v === 'number' && Number.isFinite(v)) && (z.factor ?? 0) > 0;
  return {
    zoom: zoomOk ? { factor: z!.factor!, centreU: z!.centreU!, centreV: z!.centreV! } : null,
    smoothing: o.smoothing === true,
    fillMode: o.fillMode === true,
    showHistory: o.showHistory === true,
    assistRun: typeof o.assistRun === 'string' && o.assistRun !== '' ? o.assistRun : null,
  };
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
