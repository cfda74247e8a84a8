// Unit tests of the renderer's remembered settings and the web token helper.
import { describe, expect, it } from 'vitest';
import { defaultSettings, forgetProject, loadSettings, rememberProject, saveSettings } from '../../../src-renderer/lib/settings.js';
import { pageToken } from '../../../src-renderer/lib/bridge.js';
import { parseHash, routeHash } from '../../../src-renderer/lib/routes.js';

function memory(): { getItem(k: string): string | null; setItem(k: string, v: string): void; data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('settings', () => {
  it('round-trips theme, recent projects and window size through storage', () => {
    const st = memory();
    let s = rememberProject(defaultSettings, '/a.kps');
    s = rememberProject(s, '/b.kps');
    s = rememberProject(s, '/a.kps');
    s = { ...s, theme: 'dark', windowSize: { width: 1400, height: 900 } };
    saveSettings(st, s);
    const back = loadSettings(st);
    expect(back.theme).toBe('dark');
    expect(back.lastProject).toBe('/a.kps');
    expect(back.recentProjects).toEqual(['/a.kps', '/b.kps']);
    expect(back.windowSize).toEqual({ width: 1400, height: 900 });
    expect(forgetProject(back, '/a.kps')).toMatchObject({ lastProject: null, recentProjects: ['/b.kps'] });
  });

  it('keeps at most 8 recent projects and falls back field by field on bad values', () => {
    let s = defaultSettings;
    for (let i = 0; i < 12; i++) s = rememberProject(s, `/p${i}.kps`);
    expect(s.recentProjects).toHaveLength(8);
    expect(s.recentProjects[0]).toBe('/p11.kps');
    const st = memory();
    st.setItem('kps.settings.v1', JSON.stringify({ theme: 'purple', thumbSize: 5000, recentProjects: ['/x.kps', 3], lastProject: '/x.kps' }));
    expect(loadSettings(st)).toEqual({ ...defaultSettings, recentProjects: ['/x.kps'], lastProject: '/x.kps' });
    st.setItem('kps.settings.v1', '{broken');
    expect(loadSettings(st)).toEqual(defaultSettings);
    expect(loadSettings(null)).toEqual(defaultSettings);
  });
});

describe('page token', () => {
  it('takes ?token= from the URL, remembers it for the tab, and reuses it after in-app navigation', () => {
    const session = memory();
    expect(pageToken('?token=abc', session)).toBe('abc');
    expect(pageToken('', session)).toBe('abc');
    expect(pageToken('', memory())).toBeNull();
  });
});

describe('routes', () => {
  it('parses and writes view hashes, falling back to home or the gallery on junk', () => {
    expect(parseHash('#/editor/42')).toEqual({ view: 'editor', sampleId: 42 });
    expect(parseHash('#/editor/x')).toEqual({ view: 'gallery', sampleId: null });
    expect(parseHash('#/stats')).toEqual({ view: 'stats', sampleId: null });
    expect(parseHash('')).toEqual({ view: 'home', sampleId: null });
    expect(parseHash('#/nonsense')).toEqual({ view: 'home', sampleId: null });
    expect(routeHash({ view: 'editor', sampleId: 7 })).toBe('#/editor/7');
    expect(routeHash({ view: 'review', sampleId: null })).toBe('#/review');
  });
});
