import { describe, expect, it } from 'vitest';
import { PENDING_STORAGE_KEY, isOtherProjectError, loadPending, savePending, type PendingSave } from '../../../src-renderer/editor/pendingSaves.js';
import { SaveQueue } from '../../../src-renderer/editor/saveQueue.js';
import type { KeyValueStorage } from '../../../src-renderer/editor/hotkeys.js';

class MemStorage implements KeyValueStorage {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

describe('unsent saves in storage', () => {
  it('round-trips edits, missing coordinates included', () => {
    const st = new MemStorage();
    const list: PendingSave[] = [
      { project: '/p/a.kps', sampleId: 3, edits: [{ index: 1, x: 10.5, y: 4, state: 'labelled' }], label: 'nudge x' },
      { project: '/p/a.kps', sampleId: 3, edits: [{ index: 2, x: NaN, y: NaN, state: 'missing' }], label: 'delete y' },
    ];
    savePending(st, list);
    const back = loadPending(st);
    expect(back).toHaveLength(2);
    expect(back[0]).toEqual(list[0]);
    expect(back[1].edits[0].state).toBe('missing');
    expect(Number.isNaN(back[1].edits[0].x)).toBe(true);
    savePending(st, []);
    expect(st.getItem(PENDING_STORAGE_KEY)).toBeNull();
  });

  it('skips malformed entries instead of failing', () => {
    const st = new MemStorage();
    st.setItem(PENDING_STORAGE_KEY, JSON.stringify([{ project: 1 }, { project: '/p', sampleId: 2, edits: [{ index: 0, state: 'bogus' }] }, { project: '/p', sampleId: 2, edits: [{ index: 0, x: 1, y: 2, state: 'occluded' }], label: 'o' }]));
    expect(loadPending(st)).toEqual([{ project: '/p', sampleId: 2, edits: [{ index: 0, x: 1, y: 2, state: 'occluded' }], label: 'o' }]);
    st.setItem(PENDING_STORAGE_KEY, '{broken');
    expect(loadPending(st)).toEqual([]);
  });

  it('the save queue lists the data of the saves not yet acknowledged', async () => {
    const q = new SaveQueue<number>({ timers: { setTimeout: () => 1, clearTimeout: () => undefined } });
    void q.enqueue({ label: 'a', data: { n: 1 }, run: async () => { throw new Error('offline'); } });
    void q.enqueue({ label: 'b', data: { n: 2 }, run: async () => 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(q.pendingData()).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('saves refused because another project is open', () => {
  it('are recognised by the conflict naming the edit\'s project, and only those', () => {
    const err = (code: string, file?: string) => Object.assign(new Error('x'), { shape: { code, message: 'x', ...(file ? { file } : {}) } });
    expect(isOtherProjectError(err('conflict', '/p/a.kps'), '/p/a.kps')).toBe(true);
    expect(isOtherProjectError(err('conflict', '/p/b.kps'), '/p/a.kps')).toBe(false);
    expect(isOtherProjectError(err('conflict'), '/p/a.kps')).toBe(false);
    expect(isOtherProjectError(err('bad-input', '/p/a.kps'), '/p/a.kps')).toBe(false);
    expect(isOtherProjectError(new Error('network down'), '/p/a.kps')).toBe(false);
  });
});
