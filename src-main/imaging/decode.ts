// Decoding besides the grey one (imaging/grey.ts): colour for the face detector, raw channels for pixel statistics,
// and the header and whole-file checks an import makes. With grey.ts and encode.ts, the only place that calls sharp.
import { loadSharp, sharpInput, type ImageInput } from './sharp.js';

/** What an image's header says, without decoding pixels. */
export interface ImageHeader {
  /** Stored (not upright) width and height; see grey.ts uprightDims. */
  width: number;
  height: number;
  channels: number | undefined;
  orientation: number | undefined;
  /** sharp's format name: jpeg, png, webp, tiff, ... */
  format: string | undefined;
}

/** Reads the header; throws sharp's error for bytes that are not an image it knows. */
export async function imageHeader(src: ImageInput): Promise<ImageHeader> {
  const sharp = await loadSharp();
  const m = await sharp(sharpInput(src)).metadata();
  return { width: m.width, height: m.height, channels: m.channels, orientation: m.orientation, format: m.format };
}

/**
 * Decodes the whole image once at 1/8 scale (JPEG shrink-on-load keeps that to a few milliseconds) with sharp's
 * `failOn: 'truncated'`: throws for a file cut short, so an import refuses it instead of showing a grey half-image.
 */
export async function decodesToEnd(src: ImageInput): Promise<void> {
  const sharp = await loadSharp();
  await sharp(sharpInput(src), { failOn: 'truncated' }).resize(8, 8, { fit: 'fill', fastShrinkOnLoad: true }).raw().toBuffer();
}

/**
 * Decodes to 8-bit RGB, or grey for a grey file: upright by the EXIF orientation (as decodeGrey, so sizes and
 * coordinates agree), alpha dropped, with `failOn: 'error'` (decodeGrey keeps sharp's stricter default, 'warning').
 * The face detector needs the colour. Throws sharp's error, for the caller to name the file.
 */
export async function decodeColour(src: ImageInput): Promise<{ data: Uint8Array; width: number; height: number; channels: 1 | 3 }> {
  const sharp = await loadSharp();
  const img = sharp(sharpInput(src), { failOn: 'error' }).rotate();
  const meta = await img.metadata();
  const grey = meta.channels === 1 || (meta.channels === 2 && meta.space === 'b-w');
  const { data, info } = await img
    .removeAlpha()
    .toColourspace(grey ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after decoding`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
}

/** Every channel of the stored pixels as they are in the file (no orientation, no colour conversion). */
export async function storedChannels(path: string): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const { data } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
