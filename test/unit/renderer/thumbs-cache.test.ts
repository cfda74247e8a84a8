// Unit tests of the gallery's thumbnail cache: batching, newest wishes first, LRU bound, fallbacks when a batch fails or leaves ids out.
import { describe, expect, it } from 'vitest';
import type { ThumbItem } from '../../../src-main/api/ops.js';
import { ThumbCache, type ThumbCacheOptions } from '../../../src-renderer/gallery/thumbCache.js';

interface Call {
  ids: number[];
  resolve(items: ThumbItem[]): void;
  reject(err: Error): void;
}

function harness(opts: Partial<ThumbCacheOptions> = {}) {
  const calls: Call[] = [];
  let changes = 0;
  const cache = new ThumbCache({
    fetchBatch: (ids) => new Promise<ThumbItem[]>((resolve, reject) => calls.push({ ids, resolve, reject })),
    fileUrl: (id) => `/image/${id}?size=512`,
    onChange: () => changes++,
    batchSize: 3,
    parallel: 1,
    ...opts,
  });
  const bmp = (id: number): ThumbItem => ({ id, kind: 'bmp', width: 1, height: 1, bmp: `B${id}` });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { cache, calls, bmp, settle, changes: () => changes };
}

describe('ThumbCache', () => {
  it('fetches in batches, one at a time here, and serves data URLs once a batch lands', async () => {
    const h = harness();
    h.cache.want([1, 2, 3, 4, 5]);
    expect(h.calls.map((c) => c.ids)).toEqual([[1, 2, 3]]);
    expect(h.cache.src(1)).toBeUndefined();
    h.calls[0].resolve([h.bmp(1), h.bmp(2), { id: 3, kind: 'file' }]);
    await h.settle();
    expect(h.cache.src(1)).toBe('data:image/bmp;base64,B1');
    expect(h.cache.src(3)).toBe('/image/3?size=512');
    expect(h.changes()).toBe(1);
    // The next batch starts when the first is done.
    expect(h.calls.map((c) => c.ids)).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('replaces the wish list: rows the view has left are never fetched', async () => {
    const h = harness();
    h.cache.want([1, 2, 3, 4, 5, 6]);
    h.cache.want([20, 21, 2]); // scrolled on; 2 is in flight already
    h.calls[0].resolve([h.bmp(1), h.bmp(2), h.bmp(3)]);
    await h.settle();
    expect(h.calls.map((c) => c.ids)).toEqual([[1, 2, 3], [20, 21]]);
  });

  it('shows no-pixel samples as null and falls back to the image route for ids left out or a failed batch', async () => {
    const h = harness({ parallel: 2 });
    h.cache.want([1, 2, 3, 4, 5, 6]);
    h.calls[0].resolve([{ id: 1, kind: 'none' }, h.bmp(2)]);
    h.calls[1].reject(new Error('unknown operation'));
    await h.settle();
    expect(h.cache.src(1)).toBeNull();
    expect(h.cache.src(2)).toBe('data:image/bmp;base64,B2');
    expect(h.cache.src(3)).toBe('/image/3?size=512');
    for (const id of [4, 5, 6]) expect(h.cache.src(id)).toBe(`/image/${id}?size=512`);
  });

  it('keeps at most `capacity` entries, dropping the least recently used', async () => {
    const h = harness({ capacity: 3, batchSize: 2 });
    h.cache.want([1, 2]);
    h.calls[0].resolve([h.bmp(1), h.bmp(2)]);
    await h.settle();
    h.cache.src(1); // 1 is now more recent than 2
    h.cache.want([3, 4]);
    h.calls[1].resolve([h.bmp(3), h.bmp(4)]);
    await h.settle();
    expect(h.cache.size).toBe(3);
    expect(h.cache.src(2)).toBeUndefined();
    expect(h.cache.src(1)).toBe('data:image/bmp;base64,B1');
  });

  it('ignores a batch that lands after clear() (another project was opened)', async () => {
    const h = harness();
    h.cache.want([1, 2]);
    h.cache.clear();
    h.calls[0].resolve([h.bmp(1), h.bmp(2)]);
    await h.settle();
    expect(h.cache.src(1)).toBeUndefined();
    expect(h.cache.size).toBe(0);
    // Wanted again, it is fetched again.
    h.cache.want([1]);
    expect(h.calls.at(-1)?.ids).toEqual([1]);
  });
});
