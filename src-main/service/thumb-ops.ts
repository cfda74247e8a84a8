// Batched gallery thumbnails (thumbs.batch): many embedded samples' pixels in one call as tiny uncompressed BMPs, so a scrolling gallery needs no request or PNG per image.
import { KpsError } from '../core/errors.js';
import type { ThumbItem } from '../api/ops.js';
import { registerOp } from './registry.js';

/**
 * An 8-bit grey BMP (BITMAPINFOHEADER, 256-entry grey palette, bottom-up rows padded to 4 bytes) of `grey` (row-major,
 * width*height bytes). Browsers decode it with no inflate step, and the renderer shows it as a data: URL with no work.
 */
export function greyBmp(width: number, height: number, grey: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new KpsError('internal', `greyBmp: bad size ${width}x${height}`);
  if (grey.length !== width * height) throw new KpsError('internal', `greyBmp: ${grey.length} pixels for a ${width}x${height} image`);
  const stride = (width + 3) & ~3;
  const offset = 14 + 40 + 256 * 4;
  const size = offset + stride * height;
  const out = Buffer.alloc(size);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(size, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22); // positive: bottom-up, the form every decoder accepts
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(8, 28);
  out.writeUInt32LE(stride * height, 34);
  out.writeUInt32LE(256, 46);
  for (let i = 0; i < 256; i++) out[54 + i * 4] = out[55 + i * 4] = out[56 + i * 4] = i;
  for (let y = 0; y < height; y++) out.set(grey.subarray(y * width, (y + 1) * width), offset + (height - 1 - y) * stride);
  return out;
}

/** Ids per call: a gallery page; 512 embedded 96x96 faces are about 7 MB of base64. */
export const THUMBS_MAX_IDS = 512;

registerOp(
  'thumbs.batch',
  (req, ctx) => {
    const store = ctx.store();
    const items: ThumbItem[] = req.ids.map((id) => {
      let image;
      try {
        image = store.getSample(id).image;
      } catch (err) {
        // A sample deleted since the gallery listed it: say so for this id and serve the rest of the batch.
        if (err instanceof KpsError && err.code === 'not-found') return { id, kind: 'none' };
        throw err;
      }
      if (image.kind !== 'embedded') return { id, kind: image.kind === 'file' ? 'file' : 'none' };
      const pixels = store.getPixels(id);
      if (!pixels) return { id, kind: 'none' };
      if (pixels.length !== image.width * image.height) {
        throw new KpsError('internal', `sample ${id}: ${pixels.length} stored pixels for a ${image.width}x${image.height} image`);
      }
      return { id, kind: 'bmp', width: image.width, height: image.height, bmp: greyBmp(image.width, image.height, pixels).toString('base64') };
    });
    return { items };
  },
  (r, op) => {
    const ids = r.ids;
    if (!Array.isArray(ids) || ids.length > THUMBS_MAX_IDS || !ids.every((v) => Number.isInteger(v) && (v as number) >= 0)) {
      throw new KpsError('bad-input', `${op}: ids must be an array of at most ${THUMBS_MAX_IDS} sample ids (non-negative integers)`);
    }
  },
);
