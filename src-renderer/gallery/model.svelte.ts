// Gallery data: the filtered, sorted id list (samples.ids) and summaries fetched lazily a page at a time (samples.list).
import type { SampleSummary } from '../../src-main/core/types.js';
import { REVIEW_TAG_NAMES } from '../../src-main/core/tags.js';
import { api, errorMessage } from '../lib/api.js';
import { defaultFilter, parseFilter, toQuery, type GalleryFilter } from './query.js';
import { emptySelection, type Selection } from './selection.js';

export const PAGE_SIZE = 120;
const FILTER_KEY = 'kps.gallery.filter';

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

class GalleryModel {
  filter = $state<GalleryFilter>(parseFilter(session()?.getItem(FILTER_KEY) ?? null));
  /** Sample ids in the current filter and sort order: the editor's `order`. */
  ids = $state<number[]>([]);
  /** Bumped when summaries arrive, so views re-read `summary()`. */
  version = $state(0);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Tags seen in loaded summaries, offered as filter and bulk-action suggestions. */
  knownTags = $state<string[]>([...REVIEW_TAG_NAMES]);
  /** Focus and selection survive a trip to the editor and back. */
  sel = $state<Selection>(emptySelection());
  scrollTop = 0;
  /** Sample to focus when the gallery is shown again (the one the editor was on). */
  pendingFocusId: number | null = null;

  private summaries = new Map<number, SampleSummary>();
  /** Pages being fetched, by page index, for the current generation. */
  private inflight = new Set<number>();
  /** Pages fetched for the current generation (stale ones still show until refetched). */
  private fresh = new Set<number>();
  private generation = 0;
  private tagSet = new Set<string>(REVIEW_TAG_NAMES);

  summary(id: number): SampleSummary | undefined {
    return this.summaries.get(id);
  }

  setFilter(patch: Partial<GalleryFilter>): void {
    this.filter = { ...this.filter, ...patch };
    session()?.setItem(FILTER_KEY, JSON.stringify(this.filter));
    void this.reload(true);
  }

  resetFilter(): void {
    this.filter = defaultFilter();
    session()?.setItem(FILTER_KEY, JSON.stringify(this.filter));
    void this.reload(true);
  }

  /** Refetches the id list; with `dropSummaries` false the old summaries keep showing until their pages come back. */
  async reload(dropSummaries = false): Promise<void> {
    const gen = ++this.generation;
    this.inflight.clear();
    this.fresh.clear();
    if (dropSummaries) this.summaries.clear();
    this.loading = true;
    try {
      const { ids } = await api.call('samples.ids', toQuery(this.filter));
      if (gen !== this.generation) return;
      this.ids = ids;
      this.error = null;
      this.loaded = true;
    } catch (err) {
      if (gen !== this.generation) return;
      this.error = errorMessage(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
    this.version++;
  }

  /** Makes sure the summaries for positions [start, end) are loaded or on their way. */
  ensure(start: number, end: number): void {
    if (!this.loaded) return;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor(Math.max(start, end - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (p * PAGE_SIZE >= this.ids.length) break;
      if (this.fresh.has(p) || this.inflight.has(p)) continue;
      void this.fetchPage(p);
    }
  }

  private async fetchPage(page: number): Promise<void> {
    const gen = this.generation;
    this.inflight.add(page);
    try {
      const res = await api.call('samples.list', { ...toQuery(this.filter), offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (gen !== this.generation) return;
      let newTag = false;
      for (const s of res.items) {
        this.summaries.set(s.id, s);
        for (const t of s.tags) {
          if (!this.tagSet.has(t)) {
            this.tagSet.add(t);
            newTag = true;
          }
        }
      }
      if (newTag) this.knownTags = [...this.tagSet].sort();
      this.fresh.add(page);
      this.version++;
    } catch (err) {
      if (gen === this.generation) this.error = errorMessage(err);
    } finally {
      if (gen === this.generation) this.inflight.delete(page);
    }
  }

  /** Drop everything (another project was opened); a list being fetched is fetched again, from the new project. */
  clear(): void {
    const wasLoading = this.loading;
    this.generation++;
    this.loading = false;
    this.summaries.clear();
    this.inflight.clear();
    this.fresh.clear();
    this.ids = [];
    this.sel = emptySelection();
    this.scrollTop = 0;
    this.loaded = false;
    this.tagSet = new Set<string>(REVIEW_TAG_NAMES);
    this.knownTags = [...this.tagSet];
    this.version++;
    // The project.changed event and the answer to project.open both clear: the second must not leave an empty grid.
    if (wasLoading) void this.reload();
  }
}

export const gallery = new GalleryModel();
