// Editor hotkeys: the actions, their default keys, matching keyboard events, and user bindings kept in localStorage.

export type EditorAction =
  | 'undo'
  | 'redo'
  | 'next-sample'
  | 'accept-all'
  | 'prev-sample'
  | 'accept-prediction'
  | 'confirm-keypoint'
  | 'confirm-sample'
  | 'next-missing'
  | 'delete-keypoint'
  | 'toggle-occluded'
  | 'nudge-left'
  | 'nudge-right'
  | 'nudge-up'
  | 'nudge-down'
  | 'nudge-left-big'
  | 'nudge-right-big'
  | 'nudge-up-big'
  | 'nudge-down-big'
  | 'fill-mode'
  | 'fill-skip'
  | 'fill-back'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  | 'select-next-keypoint'
  | 'select-prev-keypoint'
  | 'deselect'
  | 'toggle-smoothing'
  | 'toggle-names'
  | 'mark-needs-review'
  | 'mark-reviewed'
  | 'help'
  | 'close';

export interface ActionInfo {
  action: EditorAction;
  title: string;
  defaults: string[];
}

/** Every action with its description and default keys, in the order the help overlay lists them. */
export const ACTIONS: readonly ActionInfo[] = [
  { action: 'undo', title: 'Undo', defaults: ['Ctrl+Z', 'Meta+Z'] },
  { action: 'redo', title: 'Redo', defaults: ['Ctrl+Shift+Z', 'Meta+Shift+Z', 'Ctrl+Y'] },
  { action: 'next-sample', title: 'Next sample', defaults: ['PageDown', 'D'] },
  { action: 'prev-sample', title: 'Previous sample', defaults: ['PageUp', 'A'] },
  // Its own key (issue 11): with A for both, pressing A repeatedly accepted on one sample, went back, accepted there...
  { action: 'accept-all', title: 'Accept all predictions of the sample', defaults: ['Shift+A'] },
  { action: 'accept-prediction', title: 'Accept the prediction of the selected (or fill-mode) keypoint', defaults: ['Enter'] },
  { action: 'confirm-keypoint', title: 'Confirm the selected predicted keypoint as it is', defaults: ['C'] },
  { action: 'confirm-sample', title: 'Confirm every predicted keypoint of the sample as it is', defaults: ['Shift+C'] },
  { action: 'next-missing', title: 'Next sample with missing keypoints', defaults: ['N'] },
  { action: 'delete-keypoint', title: 'Mark selected keypoint missing', defaults: ['Delete', 'Backspace'] },
  { action: 'toggle-occluded', title: 'Toggle occluded', defaults: ['O'] },
  { action: 'nudge-left', title: 'Nudge left 0.5 px', defaults: ['ArrowLeft'] },
  { action: 'nudge-right', title: 'Nudge right 0.5 px', defaults: ['ArrowRight'] },
  { action: 'nudge-up', title: 'Nudge up 0.5 px', defaults: ['ArrowUp'] },
  { action: 'nudge-down', title: 'Nudge down 0.5 px', defaults: ['ArrowDown'] },
  { action: 'nudge-left-big', title: 'Nudge left 5 px', defaults: ['Shift+ArrowLeft'] },
  { action: 'nudge-right-big', title: 'Nudge right 5 px', defaults: ['Shift+ArrowRight'] },
  { action: 'nudge-up-big', title: 'Nudge up 5 px', defaults: ['Shift+ArrowUp'] },
  { action: 'nudge-down-big', title: 'Nudge down 5 px', defaults: ['Shift+ArrowDown'] },
  { action: 'fill-mode', title: 'Fill mode on/off', defaults: ['M'] },
  { action: 'fill-skip', title: 'Fill mode: skip to next missing', defaults: ['Tab'] },
  { action: 'fill-back', title: 'Fill mode: back to previous missing', defaults: ['Shift+Tab'] },
  { action: 'zoom-in', title: 'Zoom in', defaults: ['+', '='] },
  { action: 'zoom-out', title: 'Zoom out', defaults: ['-', '_'] },
  { action: 'zoom-fit', title: 'Fit image to view', defaults: ['F', '0'] },
  { action: 'select-next-keypoint', title: 'Select next keypoint', defaults: [']'] },
  { action: 'select-prev-keypoint', title: 'Select previous keypoint', defaults: ['['] },
  { action: 'deselect', title: 'Deselect / leave fill mode', defaults: ['Escape'] },
  { action: 'toggle-smoothing', title: 'Smooth / pixel-crisp image', defaults: ['S'] },
  { action: 'toggle-names', title: 'Show / hide keypoint names on the image', defaults: ['L'] },
  { action: 'mark-needs-review', title: 'Tag "needs review" on/off', defaults: ['R'] },
  { action: 'mark-reviewed', title: 'Mark reviewed (and go on in the review queue)', defaults: ['Shift+R'] },
  { action: 'help', title: 'Show this help', defaults: ['?'] },
  { action: 'close', title: 'Back to the gallery', defaults: [] },
];

export type Bindings = Record<EditorAction, string[]>;

export function defaultBindings(): Bindings {
  const b = {} as Bindings;
  for (const a of ACTIONS) b[a.action] = [...a.defaults];
  return b;
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

const MODIFIER_KEYS = new Set(['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

/** Canonical text of a key press, e.g. "Ctrl+Shift+Z", "PageDown", "?": letters upper-cased, modifiers in a fixed order. */
export function comboOf(e: KeyLike): string | null {
  if (MODIFIER_KEYS.has(e.key)) return null;
  let key = e.key;
  if (key === ' ') key = 'Space';
  // A printed symbol already says whether Shift was held ("?" vs "/"), and which depends on the keyboard layout: ignore Shift for it.
  const isSymbol = key.length === 1 && key.toUpperCase() === key.toLowerCase();
  if (key.length === 1) key = key.toUpperCase();
  const parts: string[] = [];
  if (e.ctrlKey) parts.push('Ctrl');
  if (e.altKey) parts.push('Alt');
  if (e.metaKey) parts.push('Meta');
  if (e.shiftKey && !isSymbol) parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

/** Key names as KeyboardEvent.key spells them, so a typed "pagedown" becomes "PageDown". */
const NAMED_KEYS = [
  'PageDown', 'PageUp', 'Home', 'End', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Delete', 'Backspace',
  'Tab', 'Enter', 'Escape', 'Space', 'Insert', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12',
];
const NAMED_BY_LOWER = new Map(NAMED_KEYS.map((k) => [k.toLowerCase(), k]));
NAMED_BY_LOWER.set('esc', 'Escape');
NAMED_BY_LOWER.set('del', 'Delete');
NAMED_BY_LOWER.set('left', 'ArrowLeft');
NAMED_BY_LOWER.set('right', 'ArrowRight');
NAMED_BY_LOWER.set('up', 'ArrowUp');
NAMED_BY_LOWER.set('down', 'ArrowDown');

/** Normalises a binding typed by a user ("ctrl+shift+z") to the canonical form comboOf produces. */
export function normaliseCombo(text: string): string | null {
  const raw = text.trim();
  if (!raw) return null;
  // A lone "+" is a key of its own; otherwise "+" separates parts.
  const parts = raw === '+' ? ['+'] : raw.endsWith('++') ? [...raw.slice(0, -2).split('+'), '+'] : raw.split('+');
  const key = parts.pop() ?? '';
  if (!key) return null;
  const mods = new Set(parts.map((p) => p.trim().toLowerCase()));
  for (const m of mods) if (!['ctrl', 'control', 'alt', 'meta', 'cmd', 'shift'].includes(m)) return null;
  const named = key.length === 1 ? key : NAMED_BY_LOWER.get(key.toLowerCase());
  if (named === undefined) return null;
  return comboOf({
    key: named === 'Space' ? ' ' : named,
    ctrlKey: mods.has('ctrl') || mods.has('control'),
    altKey: mods.has('alt'),
    metaKey: mods.has('meta') || mods.has('cmd'),
    shiftKey: mods.has('shift'),
  });
}

/** A key press in a text field (input, textarea, select, contenteditable) is typing, not a hotkey. */
export function isTyping(target: unknown): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable === true);
}

/** The action bound to this key press, if any: one key has one meaning (the first bound, where a user bound two). */
export function actionFor(bindings: Bindings, e: KeyLike): EditorAction | null {
  return actionsFor(bindings, e)[0] ?? null;
}

/** Every action bound to this key press, in ACTIONS order (more than one is a conflict the settings view shows). */
export function actionsFor(bindings: Bindings, e: KeyLike): EditorAction[] {
  const combo = comboOf(e);
  if (!combo) return [];
  return ACTIONS.filter((a) => bindings[a.action]?.includes(combo)).map((a) => a.action);
}

/** Keys bound to more than one action: the settings view shows these. */
export function conflicts(bindings: Bindings): Map<string, EditorAction[]> {
  const byKey = new Map<string, EditorAction[]>();
  for (const a of ACTIONS) {
    for (const k of bindings[a.action] ?? []) {
      const list = byKey.get(k) ?? [];
      list.push(a.action);
      byKey.set(k, list);
    }
  }
  for (const [k, list] of byKey) if (list.length < 2) byKey.delete(k);
  return byKey;
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const HOTKEYS_STORAGE_KEY = 'kps.editor.hotkeys';

/** Saved bindings over the defaults; unknown actions and malformed entries are ignored, so an old file never breaks the editor. */
export function loadBindings(storage: KeyValueStorage | null): Bindings {
  const b = defaultBindings();
  if (!storage) return b;
  let parsed: unknown;
  try {
    const raw = storage.getItem(HOTKEYS_STORAGE_KEY);
    if (!raw) return b;
    parsed = JSON.parse(raw);
  } catch {
    return b;
  }
  if (!parsed || typeof parsed !== 'object') return b;
  for (const [action, keys] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(action in b) || !Array.isArray(keys)) continue;
    const clean = keys.filter((k): k is string => typeof k === 'string').map(normaliseCombo).filter((k): k is string => k !== null);
    b[action as EditorAction] = clean;
  }
  return b;
}

/** Stores only the actions that differ from the defaults, so later default changes reach users who did not touch them. */
export function saveBindings(storage: KeyValueStorage | null, bindings: Bindings): void {
  if (!storage) return;
  const defaults = defaultBindings();
  const diff: Partial<Bindings> = {};
  for (const a of ACTIONS) {
    const cur = bindings[a.action] ?? [];
    if (cur.join('\n') !== defaults[a.action].join('\n')) diff[a.action] = cur;
  }
  if (Object.keys(diff).length === 0) storage.removeItem(HOTKEYS_STORAGE_KEY);
  else storage.setItem(HOTKEYS_STORAGE_KEY, JSON.stringify(diff));
}
