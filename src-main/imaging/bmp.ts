// Uncompressed 8-bit grey BMP encoding (gallery thumbnails: browsers decode it with no inflate step).
import { KpsError } from '../core/errors.js';

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
