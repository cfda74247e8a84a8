// Settings the renderer remembers between sessions (theme, last and recent projects, gallery options) in localStorage.

export type Theme = 'light' | 'dark';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = 'kps.settings.v1';
const MAX_RECENT = 8;

export interface Settings {
  /** null: follow the system's preference. */
  theme: Theme | null;
  lastProject: string | null;
  recentProjects: string[];
  thumbSize: number;
  /** Last known window size (web mode records it; Electron's main process restores its own window). */
  windowSize: { width: number; height: number } | null;
}

export const defaultSettings: Settings = { theme: null, lastProject: null, recentProjects: [], thumbSize: 128, windowSize: null };

/** Reads settings, tolerating missing, old or hand-edited values (each field falls back on its own). */
export function loadSettings(storage: StorageLike | null): Settings {
  let raw: unknown = null;
  try {
    const text = storage?.getItem(KEY);
    raw = text ? JSON.parse(text) : null;
  } catch {
    raw = null;
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const ws = o.windowSize as { width?: unknown; height?: unknown } | null | undefined;
  return {
    theme: o.theme === 'light' || o.theme === 'dark' ? o.theme : null,
    lastProject: typeof o.lastProject === 'string' ? o.lastProject : null,
    recentProjects: Array.isArray(o.recentProjects) ? o.recentProjects.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : [],
    thumbSize: typeof o.thumbSize === 'number' && o.thumbSize >= 64 && o.thumbSize <= 320 ? o.thumbSize : defaultSettings.thumbSize,
    windowSize:
      ws && typeof ws.width === 'number' && typeof ws.height === 'number' ? { width: ws.width, height: ws.height } : null,
  };
}

export function saveSettings(storage: StorageLike | null, s: Settings): void {
  try {
    storage?.setItem(KEY, JSON.stringify(s));
  } catch {
    // Quota or disabled storage: settings are a convenience, never worth an error.
  }
}

/** The project becomes the last one and moves to the front of the recent list. */
export function rememberProject(s: Settings, path: string): Settings {
  return { ...s, lastProject: path, recentProjects: [path, ...s.recentProjects.filter((p) => p !== path)].slice(0, MAX_RECENT) };
}

export function forgetProject(s: Settings, path: string): Settings {
  return { ...s, lastProject: s.lastProject === path ? null : s.lastProject, recentProjects: s.recentProjects.filter((p) => p !== path) };
}
