// Caches of sample details and decoded images around the current sample, so opening the next one needs no round trip.
import type { KeypointSchema, SampleDetail } from '../../src-main/core/types.js';
import type { ApiClient } from '../../src-main/api/ops.js';

export interface LoadedSample<TImage> {
  detail: SampleDetail;
  /** Decoded pixels, or null for label-only samples (no image) or when the image failed to load. */
  image: TImage | null;
  imageError: string | null;
}

/** Fetches and decodes the image at a URL (in the browser: an HTMLImageElement after decode()). */
export type ImageLoader<TImage> = (url: string) => Promise<TImage>;

const MAX_ENTRIES = 24;

/** LRU of loaded samples (details and decoded images); a pending load is shared by everyone who asks. */
export class SampleCache<TImage> {
  private entries = new Map<number, Promise<LoadedSample<TImage>>>();
  private schema: Promise<KeypointSchema> | null = null;
  private schemaProject: string | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly loadImage: ImageLoader<TImage>,
  ) {}

  /** The open project's schema (cached per project path). */
  async getSchema(): Promise<KeypointSchema> {
    const info = await this.api.call('project.info', {});
    if (!info) throw new Error('No project is open.');
    if (!this.schema || this.schemaProject !== info.path) {
      this.schemaProject = info.path;
      this.schema = Promise.resolve(info.schema);
      this.entries.clear();
    }
    return this.schema;
  }

  /** Path of the project the cached schema belongs to (known after getSchema). */
  projectPath(): string | null {
    return this.schemaProject;
  }

  /** Synchronously available when loaded before: the editor then draws without waiting. */
  peek(id: number): Promise<LoadedSample<TImage>> | undefined {
    return this.entries.get(id);
  }

  get(id: number): Promise<LoadedSample<TImage>> {
    const hit = this.entries.get(id);
    if (hit) {
      // Refresh its place in the LRU.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const p = this.load(id);
    this.entries.set(id, p);
    // A failed load must not stick in the cache.
    p.catch(() => {
      if (this.entries.get(id) === p) this.entries.delete(id);
    });
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
    return p;
  }

  /** Replaces the cached detail (after an edit or a fresh read) and keeps the decoded image. */
  async update(detail: SampleDetail): Promise<void> {
    const prev = this.entries.get(detail.id);
    if (!prev) return;
    const prevLoaded = await prev.catch(() => null);
    if (!prevLoaded) return;
    if (this.entries.get(detail.id) === prev) this.entries.set(detail.id, Promise.resolve({ ...prevLoaded, detail }));
  }

  invalidate(ids: number[] | null): void {
    if (ids === null) {
      this.entries.clear();
      return;
    }
    for (const id of ids) this.entries.delete(id);
  }

  prefetch(ids: number[]): void {
    for (const id of ids) if (!this.entries.has(id)) void this.get(id).catch(() => undefined);
  }

  private async load(id: number): Promise<LoadedSample<TImage>> {
    const detail = await this.api.call('sample.get', { id });
    if (detail.image.kind === 'none') return { detail, image: null, imageError: null };
    const url = this.api.imageUrl(id);
    try {
      return { detail, image: await this.loadImage(url), imageError: null };
    } catch {
      // The labels still load: the editor shows them over a blank image and says why.
      return { detail, image: null, imageError: `The image of sample ${id} could not be loaded (${url}).` };
    }
  }
}
