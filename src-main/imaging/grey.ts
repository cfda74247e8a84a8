// The one grey decoding of image files: upright by EXIF orientation, alpha dropped, 8-bit grey, for training, prediction and previews alike.
import type { Metadata } from 'sharp';
import { KpsError } from '../core/errors.js';

/** Row-major 8-bit grey levels, `pixels[y * width + x]`, in the upright frame. */
export interface GreyImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** A file path, or the encoded bytes of an image. */
export type ImageInput = string | Uint8Array;

export interface DecodeGreyOptions {
  /** Resize the upright image to exactly this size (sharp's default Lanczos-3, `fit: 'fill'`), for previews. */
  resize?: { width: number; height: number };
  /** What the image is, for the error message, e.g. `the image of sample 12` (default `the image`). */
  what?: string;
}

function sourceOf(input: ImageInput): string {
  return typeof input === 'string' ? input : '<buffer>';
}

function sharpInput(input: ImageInput): string | Buffer {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

function readError(input: ImageInput, what: string | undefined, err: unknown): KpsError {
  const source = sourceOf(input);
  const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new KpsError('bad-input', `${source}: cannot read ${what ?? 'the image'} (${why})`, { file: source });
}

/** Width and height as a viewer shows the image: EXIF orientations 5-8 swap the stored width and height. */
export function uprightDims(meta: Pick<Metadata, 'width' | 'height' | 'orientation'>): { width: number; height: number } {
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
}

/** Upright size and channel count of an image from its header (no pixel decoding). */
export async function uprightSize(input: ImageInput, what?: string): Promise<{ width: number; height: number; channels: number }> {
  const { default: sharp } = await import('sharp');
  let meta: Metadata;
  try {
    meta = await sharp(sharpInput(input)).metadata();
  } catch (err) {
    throw readError(input, what, err);
  }
  const { width, height } = uprightDims(meta);
  if (!(width > 0) || !(height > 0)) throw new KpsError('bad-input', `${sourceOf(input)}: cannot read the size of ${what ?? 'the image'}`, { file: sourceOf(input) });
  return { width, height, channels: meta.channels ?? 3 };
}

/**
 * Decodes an image to 8-bit grey: rotated/flipped upright by its EXIF orientation (so pixels, sizes and coordinates
 * are those a viewer shows), alpha removed (not composited), colour converted by libvips' b-w colourspace, 16-bit
 * inputs scaled to 8 bits. Any failure is a bad-input error naming the file.
 */
export async function decodeGrey(input: ImageInput, opts: DecodeGreyOptions = {}): Promise<GreyImage> {
  // Imported on first use: workers and CLI paths that never decode a file do not load libvips.
  const { default: sharp } = await import('sharp');
  let data: Buffer;
  let info: { width: number; height: number; channels: number };
  try {
    let img = sharp(sharpInput(input)).rotate().removeAlpha().toColourspace('b-w');
    if (opts.resize) img = img.resize(opts.resize.width, opts.resize.height, { fit: 'fill' });
    ({ data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw readError(input, opts.what, err);
  }
  if (info.channels !== 1 || data.length !== info.width * info.height) {
    throw new KpsError('internal', `${sourceOf(input)}: grey decoding gave ${info.channels} channels and ${data.length} bytes for ${info.width} x ${info.height}`, { file: sourceOf(input) });
  }
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
