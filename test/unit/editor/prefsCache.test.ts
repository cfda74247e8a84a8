import { describe, expect, it } from 'vitest';
import type { SampleDetail } from '../../../src-main/core/types.js';
import type { ApiClient, OpName, OpRequest, OpResponse } from '../../../src-main/api/ops.js';
import { MAX_ZOOMS, PREFS_STORAGE_KEY, defaultPrefs, loadPrefs, savePrefs, withZoom, zoomFor } from '../../../src-renderer/editor/prefs.js';
import { SampleCache } from '../../../src-renderer/editor/sampleCache.js';
import type { KeyValueStorage } from '../../../src-renderer/editor/hotkeys.js';

class MemStorage implements KeyValueStorage {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

describe('editor preferences', () => {
  it('round-trips and falls back field by field', () => {
    const st = new MemStorage();
    expect(loadPrefs(st)).toEqual(defaultPrefs);
    const p = { zooms: { '/a.kps': { factor: 2, centreU: 0.4, centreV: 0.6 } }, smoothing: true, fillMode: true, showHistory: false, showNames: true, assistRun: '20261122-182125-5a6b' };
    savePrefs(st, p);
    expect(loadPrefs(st)).toEqual(p);
    st.setItem(PREFS_STORAGE_KEY, JSON.stringify({ zooms: { '/a.kps': { factor: -1, centreU: 0.5, centreV: 0.5 } }, smoothing: 'yes', showHistory: true, assistRun: 7 }));
    expect(loadPrefs(st)).toEqual({ zooms: {}, smoothing: false, fillMode: false, showHistory: true, showNames: false, assistRun: null });
    st.setItem(PREFS_STORAGE_KEY, 'not json');
    expect(loadPrefs(st)).toEqual(defaultPrefs);
  });

  it('remembers the zoom per project, never carrying one project\'s zoom to another', () => {
    // The single zoom of older versions belonged to no project: it is dropped.
    const st = new MemStorage();
    st.setItem(PREFS_STORAGE_KEY, JSON.stringify({ zoom: { factor: 20, centreU: 0.5, centreV: 0.5 } }));
    expect(loadPrefs(st).zooms).toEqual({});
    const z = { factor: 20, centreU: 0.3, centreV: 0.5 };
    let p = withZoom(defaultPrefs, '/kaggle.kps', z);
    expect(zoomFor(p, '/kaggle.kps')).toEqual(z);
    expect(zoomFor(p, '/lfpw.kps')).toBeNull();
    expect(zoomFor(p, null)).toBeNull();
    for (let i = 0; i < MAX_ZOOMS + 5; i++) p = withZoom(p, `/p${i}.kps`, { factor: 1 + i, centreU: 0.5, centreV: 0.5 });
    expect(Object.keys(p.zooms)).toHaveLength(MAX_ZOOMS);
    expect(zoomFor(p, '/kaggle.kps')).toBeNull();
    expect(zoomFor(p, `/p${MAX_ZOOMS + 4}.kps`)?.factor).toBe(MAX_ZOOMS + 5);
  });
});

/** A fake service holding label-only samples (no pixels, so no image decode is needed in Node). */
function fakeApi(failFirst: Set<number>, withFiles = false): { api: ApiClient; gets: number[] } {
  const gets: number[] = [];
  const api: ApiClient = {
    async call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>> {
      if (op === 'sample.get') {
        const id = (req as { id: number }).id;
        gets.push(id);
        if (failFirst.delete(id)) throw new Error('network down');
        const d: SampleDetail = {
          id, source: 'labels.csv', record: id, split: 'train', groupId: null, tags: [], width: 96, height: 96,
          labelledCount: 0, missingCount: 1, occludedCount: 0, predictedCount: 0, image: withFiles ? { kind: 'file', path: `/faces/${id}.png`, width: 96, height: 96, channels: 3 } : { kind: 'none', width: 96, height: 96, channels: 0 },
          keypoints: [{ x: NaN, y: NaN, state: 'missing', provenance: 'import' }], revision: 1,
        };
        return d as OpResponse<K>;
      }
      throw new Error(`unexpected op ${op}`);
    },
    on: () => () => undefined,
    imageUrl: (id) => `/img/${id}`,
  };
  return { api, gets };
}

describe('sample cache', () => {
  it('shares one load per sample and keeps it', async () => {
    const { api, gets } = fakeApi(new Set());
    const c = new SampleCache<string>(api, async (url) => url);
    const [a, b] = await Promise.all([c.get(1), c.get(1)]);
    expect(a).toBe(b);
    await c.get(1);
    expect(gets).toEqual([1]);
    expect(a.image).toBeNull();
    expect(a.imageError).toBeNull();
  });

  it('does not keep a failed load, and evicts the least recently used beyond 24 samples', async () => {
    const { api, gets } = fakeApi(new Set([5]));
    const c = new SampleCache<string>(api, async (url) => url);
    await expect(c.get(5)).rejects.toThrow('network down');
    await new Promise((r) => setTimeout(r, 0));
    expect((await c.get(5)).detail.id).toBe(5);
    for (let id = 100; id < 124; id++) await c.get(id);
    expect(c.peek(5)).toBeUndefined();
    expect(c.peek(123)).toBeDefined();
    expect(gets.filter((g) => g === 5)).toHaveLength(2);
  });

  it('loads images through the given loader and keeps the labels when an image fails', async () => {
    const { api } = fakeApi(new Set(), true);
    const c = new SampleCache<string>(api, async (url) => {
      if (url.endsWith('/2')) throw new Error('404');
      return `decoded ${url}`;
    });
    expect((await c.get(1)).image).toBe('decoded /img/1');
    const bad = await c.get(2);
    expect(bad.image).toBeNull();
    expect(bad.detail.id).toBe(2);
    expect(bad.imageError).toBe('The image of sample 2 could not be loaded (/img/2).');
  });

  it('update replaces the detail and invalidate forgets it', async () => {
    const { api } = fakeApi(new Set());
    const c = new SampleCache<string>(api, async (url) => url);
    const first = await c.get(7);
    await c.update({ ...first.detail, revision: 9 });
    expect((await c.get(7)).detail.revision).toBe(9);
    c.invalidate([7]);
    expect(c.peek(7)).toBeUndefined();
  });
});
