// Opening a sample in the editor: the cached copy (details and decoded image) at once, then a quiet check against the
// store. Only the latest open shows: an answer for a sample the user has already left is dropped.
import type { KeypointSchema, SampleDetail } from '../../src-main/core/types.js';
import { api, errorMessage } from '../lib/api';
import { cache, loadSchema } from './pageState.js';

export interface SampleLoaderHooks {
  /** The project's schema, null until loaded (with the first sample, and again after another project opens). */
  schema(): KeypointSchema | null;
  /** The schema arrived; `resumed`: samples with saves kept from before a reload, being sent now. */
  schemaLoaded(schema: KeypointSchema, resumed: number[]): void;
  show(d: SampleDetail, image: HTMLImageElement | null, imageError: string | null): void;
  /** The first copy of sample `id` is on screen. */
  shown(id: number): Promise<void>;
  failed(message: string): void;
  /** The sample on screen (null: none). */
  onScreen(): SampleDetail | null;
  /** Local edits not yet acknowledged, or a drag: a newer copy from the store must not replace them. */
  busy(): boolean;
}

export class SampleLoader {
  private seq = 0;
  private readonly hooks: SampleLoaderHooks;

  constructor(hooks: SampleLoaderHooks) {
    this.hooks = hooks;
  }

  async open(id: number): Promise<void> {
    const h = this.hooks;
    const mine = ++this.seq;
    try {
      if (!h.schema()) {
        const { schema, resumed } = await loadSchema();
        h.schemaLoaded(schema, resumed);
      }
      const loaded = await cache.get(id);
      if (mine !== this.seq) return;
      h.show(loaded.detail, loaded.image, loaded.imageError);
      await h.shown(id);
      // A cached copy may be older than the store (edits from another window, the gallery's bulk actions): check quietly.
      void this.refresh(id, mine);
    } catch (err) {
      if (mine !== this.seq) return;
      h.failed(`Could not open sample ${id}: ${errorMessage(err)}`);
    }
  }

  /** Reads sample `id` from the store and shows it where its revision or tags differ from the copy on screen. */
  async refresh(id: number, mine = this.seq): Promise<void> {
    const h = this.hooks;
    try {
      const fresh = await api.call('sample.get', { id });
      const shown = h.onScreen();
      if (mine !== this.seq || shown?.id !== id) return;
      // Local edits not yet acknowledged win: the store will have them shortly.
      if (h.busy()) return;
      if (fresh.revision !== shown.revision || JSON.stringify(fresh.tags) !== JSON.stringify(shown.tags)) {
        const loaded = await cache.get(id);
        void cache.update(fresh);
        if (mine !== this.seq) return;
        h.show(fresh, loaded.image, loaded.imageError);
      }
    } catch {
      // The first load succeeded; a failed re-check changes nothing on screen.
    }
  }
}
