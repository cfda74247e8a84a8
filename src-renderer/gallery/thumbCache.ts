// Gallery thumbnail URLs: fetched in batches (thumbs.batch) as tiny uncompressed BMPs shown through data: URLs, kept in a bounded LRU.
import type { ThumbItem } from '../../src-main/api/ops.js';

export interface ThumbCacheOptions {
  /** One thumbs.batch call. */
  fetchBatch(ids: number[]): Promise<ThumbItem[]>;
  /** The per-image URL for file-backed samples, and the fallback when a batch fails. */
  fileUrl(id: number): string;
  /** Called after a batch has landed, so the view re-reads src(). */
  onChange(): void;
  /** Entries kept; the least recently used beyond this are dropped. */
  capacity?: number;
  batchSize?: number;
  /** Batches in flight at once. */
  parallel?: number;
}

interface Entry {
  url: string | null;
}

/**
 * Thumbnail URLs by sample id. `want(ids)` names what the view needs, most urgent first; it replaces the previous wish
 * list, so a fast scroll never waits behind batches for rows it has already left.
 */
export class ThumbCache {
  private readonly entries = new Map<number, Entry>();
  private readonly pending = new Set<number>();
  private queue: number[] = [];
  private inflight = 0;
  private disposed = false;
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly parallel: number;

  constructor(private readonly o: ThumbCacheOptions) {
    this.capacity = o.capacity ?? 3000;
    this.batchSize = o.batchSize ?? 96;
    this.parallel = o.parallel ?? 2;
  }

  /** The URL to show: a string; null when the sample has no pixels; undefined while not yet fetched. */
  src(id: number): string | null | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    // Refresh recency: Map order is the LRU order.
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.url;
  }

  get size(): number {
    return this.entries.size;
  }

  want(ids: readonly number[]): void {
    if (this.disposed) return;
    this.queue = ids.filter((id) => !this.entries.has(id) && !this.pending.has(id));
    this.pump();
  }

  /** Drop everything (another project was opened); batches in flight are ignored when they land. */
  clear(): void {
    this.entries.clear();
    this.pending.clear();
    this.queue = [];
    this.generation++;
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }

  private generation = 0;

  private pump(): void {
    while (this.inflight < this.parallel && this.queue.length) {
      const ids = this.queue.splice(0, this.batchSize);
      for (const id of ids) this.pending.add(id);
      this.inflight++;
      const gen = this.generation;
      this.o
        .fetchBatch(ids)
        .then(
          (items) => {
            if (gen !== this.generation) return;
            const got = new Set<number>();
            for (const it of items) {
              if (!this.pending.has(it.id)) continue;
              got.add(it.id);
              // A data: URL costs the page one string concatenation: no blob, no request, no inflate to decode.
              if (it.kind === 'bmp') this.put(it.id, { url: `data:image/bmp;base64,${it.bmp}` });
              else if (it.kind === 'file') this.put(it.id, { url: this.o.fileUrl(it.id) });
              else this.put(it.id, { url: null });
            }
            // An id the answer left out is shown through the per-image route rather than never.
            for (const id of ids) if (!got.has(id)) this.put(id, { url: this.o.fileUrl(id) });
          },
          () => {
            // The batch op failed (e.g. an older service): fall back to one image request per sample, as before.
            if (gen !== this.generation) return;
            for (const id of ids) this.put(id, { url: this.o.fileUrl(id) });
          },
        )
        .finally(() => {
          if (gen === this.generation) for (const id of ids) this.pending.delete(id);
          this.inflight--;
          if (this.disposed) return;
          if (gen === this.generation) this.o.onChange();
          this.pump();
        });
    }
  }

  private put(id: number, e: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, e);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(k);
    }
  }
}
