import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  HOTKEYS_STORAGE_KEY,
  actionFor,
  isTyping,
  comboOf,
  conflicts,
  actionsFor,
  defaultBindings,
  loadBindings,
  normaliseCombo,
  saveBindings,
  type KeyValueStorage,
} from '../../../src-renderer/editor/hotkeys.js';

const key = (k: string, mods: Partial<{ ctrl: boolean; shift: boolean; alt: boolean; meta: boolean }> = {}) => ({
  key: k,
  ctrlKey: !!mods.ctrl,
  shiftKey: !!mods.shift,
  altKey: !!mods.alt,
  metaKey: !!mods.meta,
});

class MemStorage implements KeyValueStorage {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

describe('hotkeys', () => {
  it('canonicalises key presses', () => {
    expect(comboOf(key('z', { ctrl: true, shift: true }))).toBe('Ctrl+Shift+Z');
    expect(comboOf(key('?', { shift: true }))).toBe('?');
    expect(comboOf(key('+', { shift: true }))).toBe('+');
    expect(comboOf(key('Tab', { shift: true }))).toBe('Shift+Tab');
    expect(comboOf(key(' '))).toBe('Space');
    expect(comboOf(key('Shift', { shift: true }))).toBeNull();
  });

  it('maps the issue\'s default keys to actions', () => {
    const b = defaultBindings();
    expect(actionFor(b, key('z', { ctrl: true }))).toBe('undo');
    expect(actionFor(b, key('Z', { ctrl: true, shift: true }))).toBe('redo');
    expect(actionFor(b, key('PageDown'))).toBe('next-sample');
    expect(actionFor(b, key('d'))).toBe('next-sample');
    expect(actionsFor(b, key('a'))).toEqual(['prev-sample']);
    expect(actionsFor(b, key('A', { shift: true }))).toEqual(['accept-all']);
    expect(actionFor(b, key('n'))).toBe('next-missing');
    expect(actionFor(b, key('Backspace'))).toBe('delete-keypoint');
    expect(actionFor(b, key('o'))).toBe('toggle-occluded');
    expect(actionFor(b, key('ArrowLeft'))).toBe('nudge-left');
    expect(actionFor(b, key('ArrowLeft', { shift: true }))).toBe('nudge-left-big');
    expect(actionFor(b, key('Tab'))).toBe('fill-skip');
    expect(actionFor(b, key('Tab', { shift: true }))).toBe('fill-back');
    expect(actionFor(b, key('0'))).toBe('zoom-fit');
    expect(actionFor(b, key('f'))).toBe('zoom-fit');
    expect(actionFor(b, key('?', { shift: true }))).toBe('help');
    expect(actionFor(b, key('x'))).toBeNull();
  });

  it('has no conflicts among the defaults', () => {
    expect([...conflicts(defaultBindings()).keys()]).toEqual([]);
  });

  it('normalises typed bindings', () => {
    expect(normaliseCombo('ctrl+shift+z')).toBe('Ctrl+Shift+Z');
    expect(normaliseCombo('pagedown')).toBe('PageDown');
    expect(normaliseCombo('Ctrl++')).toBe('Ctrl++');
    expect(normaliseCombo('+')).toBe('+');
    expect(normaliseCombo('hyper+x')).toBeNull();
    expect(normaliseCombo('  ')).toBeNull();
  });

  it('persists only changed bindings and reads them back over the defaults', () => {
    const st = new MemStorage();
    const b = defaultBindings();
    b['next-sample'] = ['J'];
    saveBindings(st, b);
    expect(JSON.parse(st.getItem(HOTKEYS_STORAGE_KEY) ?? '{}')).toEqual({ 'next-sample': ['J'] });
    const loaded = loadBindings(st);
    expect(actionFor(loaded, key('j'))).toBe('next-sample');
    expect(actionFor(loaded, key('d'))).toBeNull();
    expect(actionsFor(loaded, key('a'))).toEqual(['prev-sample']);
    saveBindings(st, defaultBindings());
    expect(st.getItem(HOTKEYS_STORAGE_KEY)).toBeNull();
  });

  it('ignores corrupt or unknown saved entries', () => {
    const st = new MemStorage();
    st.setItem(HOTKEYS_STORAGE_KEY, '{not json');
    expect(loadBindings(st)).toEqual(defaultBindings());
    st.setItem(HOTKEYS_STORAGE_KEY, JSON.stringify({ bogus: ['X'], undo: [3, 'ctrl+u'] }));
    const b = loadBindings(st);
    expect(b.undo).toEqual(['Ctrl+U']);
    expect(Object.keys(b).sort()).toEqual(ACTIONS.map((a) => a.action).sort());
  });

  it('reports a key bound to two actions', () => {
    const b = defaultBindings();
    b['toggle-occluded'] = ['D'];
    expect(conflicts(b).get('D')).toEqual(['next-sample', 'toggle-occluded']);
  });

  it('one key, one meaning: A only goes back, Shift+A only accepts, and binding both to one key is a conflict', () => {
    const b = defaultBindings();
    expect(actionsFor(b, key('Enter'))).toEqual(['accept-prediction']);
    expect(ACTIONS.filter((a) => a.defaults.includes('A')).map((a) => a.action)).toEqual(['prev-sample']);
    b['accept-all'] = ['A'];
    expect(conflicts(b).get('A')).toEqual(['prev-sample', 'accept-all']);
    // The editor runs only the first action bound to a key.
    expect(actionFor(b, key('a'))).toBe('prev-sample');
  });
});

describe('typing in a field', () => {
  it('is text inputs, text areas, selects and editable elements; not buttons, the page or nothing', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) expect(isTyping({ tagName, isContentEditable: false })).toBe(true);
    expect(isTyping({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTyping({ tagName: 'BUTTON', isContentEditable: false })).toBe(false);
    expect(isTyping({ tagName: 'BODY', isContentEditable: false })).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
