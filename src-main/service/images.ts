// A sample's pixels as an HTTP-ready image (embedded grey -> PNG via sharp; files as they are), with a small byte-bounded cache.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import { KpsError } from '../core/errors.js';
import type { ProjectStore } from '../store/types.js';

export interface ImageBody {
  contentType: string;
  body: Buffer;
  /** Strong validator for conditional requests: a hash of the bytes. */
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.pgm': 'image/x-portable-graymap',
  '.ppm': 'image/x-portable-pixmap',
};
/** Types every browser can show; others (tiff, pgm...) are converted to PNG before serving. */
const BROWSER_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp']);

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Least-recently-used cache bounded by total bytes. */
class ByteLru {
  private readonly map = new Map<string, ImageBody>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(key: string): ImageBody | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: ImageBody): void {
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.body.length;
      this.map.delete(key);
    }
    this.map.set(key, v);
    this.bytes += v.body.length;
    for (const [k, e] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= e.body.length;
    }
  }
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

export class ImageServer {
  private readonly cache = new ByteLru(64 * 1024 * 1024);

  clear(): void {
    this.cache.clear();
  }

  /**
   * The image of sample `id`. `maxSize` (px, optional) returns a thumbnail whose longer side is at most that,
   * for galleries of large photos; embedded 96x96 faces are small already and served as they are.
   */
  async get(store: ProjectStore, id: number, maxSize?: number): Promise<ImageBody> {
    const key = `${store.path}\u0000${id}\u0000${maxSize ?? 0}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const detail = store.getSample(id);
    const image = detail.image;
    let out: ImageBody;
    if (image.kind === 'embedded') {
      const pixels = store.getPixels(id);
      if (!pixels) throw new KpsError('not-found', `sample ${id} has no stored pixels`);
      if (pixels.length !== image.width * image.height) {
        throw new KpsError('internal', `sample ${id}: ${pixels.length} stored pixels for a ${image.width}x${image.height} image`);
      }
      // Low compression: these are tiny and latency matters more than bytes on a local link.
      const body = await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
        raw: { width: image.width, height: image.height, channels: 1 },
      })
        .toColourspace('b-w')
        .png({ compressionLevel: 2 })
        .toBuffer();
      out = { contentType: 'image/png', body, etag: etagOf(body) };
    } else if (image.kind === 'file') {
      const path = store.getImagePath(id) ?? image.path;
      let raw: Buffer;
      try {
        raw = await readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new KpsError('not-found', `${path}: image file of sample ${id} cannot be read (${code ?? 'error'})`, { file: path });
      }
      const type = contentTypeFor(path);
      const needsResize = maxSize !== undefined && Math.max(image.width, image.height) > maxSize;
      if (needsResize || !BROWSER_TYPES.has(type)) {
        try {
          // Upright: sharp's output drops the EXIF orientation, and labels are in the upright frame. (Not the grey
          // decoding of imaging/grey.ts: the gallery and editor show the photo in colour.)
          let pipeline = sharp(raw).rotate();
          if (needsResize) pipeline = pipeline.resize({ width: maxSize, height: maxSize, fit: 'inside' });
          const body = needsResize ? await pipeline.jpeg({ quality: 85 }).toBuffer() : await pipeline.png().toBuffer();
          out = { contentType: needsResize ? 'image/jpeg' : 'image/png', body, etag: etagOf(body) };
        } catch (err) {
          throw new KpsError('bad-input', `${path}: not a readable image (${(err as Error).message})`, { file: path });
        }
      } else {
        out = { contentType: type, body: raw, etag: etagOf(raw) };
      }
    } else {
      throw new KpsError('not-found', `sample ${id} has labels only and no image`);
    }
    this.cache.set(key, out);
    return out;
  }
}
