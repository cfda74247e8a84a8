// Encoding and resizing pixels (sharp): PNG of raw pixels (grey stays one channel), upright JPEG or PNG of a photo for
// the screen, and raw resizes. With imaging/grey.ts and imaging/decode.ts, the only place that calls sharp.
import { bufferOf, loadSharp, sharpInput, type ImageInput } from './sharp.js';

/** Raw 8-bit pixels, row-major, channels interleaved. */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** A PNG of raw pixels; one-channel pixels stay a one-channel (grey) PNG instead of being widened to RGB. */
export async function encodePng(px: RawPixels, opts: { compressionLevel?: number } = {}): Promise<Buffer> {
  const sharp = await loadSharp();
  let img = sharp(bufferOf(px.data), { raw: { width: px.width, height: px.height, channels: px.channels } });
  if (px.channels === 1) img = img.toColourspace('b-w');
  return img.png(opts.compressionLevel !== undefined ? { compressionLevel: opts.compressionLevel } : {}).toBuffer();
}

/** Raw pixels resized to exactly width x height (sharp's default Lanczos-3, `fit: 'fill'`), same channel count. */
export async function resizeRaw(px: RawPixels, width: number, height: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let img = sharp(bufferOf(px.data), { raw: { width: px.width, height: px.height, channels: px.channels } }).resize(width, height, { fit: 'fill' });
  if (px.channels === 1) img = img.toColourspace('b-w');
  const out = await img.raw().toBuffer();
  const expected = width * height * px.channels;
  if (out.length !== expected) throw new Error(`resize gave ${out.length} values, expected ${expected}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export interface UprightOptions {
  format: 'jpeg' | 'png';
  /** JPEG quality (default 85). */
  quality?: number;
  /** `fill`: exactly this size; `inside`: the largest size that fits, aspect kept. Absent: the upright size. */
  resize?: { width: number; height: number; fit: 'fill' | 'inside' };
}

/**
 * An image file (or its bytes) for the screen: upright by its EXIF orientation (the encoded output drops the tag,
 * and labels are in the upright frame), in colour, optionally resized. Errors are sharp's, for the caller to name.
 */
export async function encodeUpright(src: ImageInput, opts: UprightOptions): Promise<Buffer> {
  const sharp = await loadSharp();
  let img = sharp(sharpInput(src)).rotate();
  if (opts.resize) img = img.resize({ width: opts.resize.width, height: opts.resize.height, fit: opts.resize.fit });
  return opts.format === 'jpeg' ? img.jpeg({ quality: opts.quality ?? 85 }).toBuffer() : img.png().toBuffer();
}
