// Loads a photo (file path or encoded bytes) into interleaved 8-bit pixels, upright according to its EXIF orientation.
import sharp from 'sharp';
import { KpsError } from '../../core/errors.js';

/** Decoded photo: `data[(y * width + x) * channels + c]`, channels 1 (grey) or 3 (RGB). */
export interface PhotoImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  /** File path, or `<buffer>` for bytes. */
  source: string;
}

export type PhotoInput = string | Uint8Array | PhotoImage;

export function isPhotoImage(v: unknown): v is PhotoImage {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'data' in v && 'width' in v && 'height' in v && 'channels' in v;
}

/**
 * Decodes a JPEG, PNG, WebP, TIFF, ... with sharp. The EXIF orientation is applied, so coordinates refer to the
 * photo as a viewer shows it; alpha is dropped; colour photos come back RGB, grey ones grey. Not imaging/grey.ts's
 * decodeGrey, because the face detector needs the colour; both apply the same orientation, so sizes and coordinates
 * agree. (This one decodes with `failOn: 'error'`, decodeGrey with sharp's default, stricter `'warning'`.)
 */
export async function loadPhoto(input: PhotoInput): Promise<PhotoImage> {
  if (isPhotoImage(input)) return input;
  const source = typeof input === 'string' ? input : '<buffer>';
  try {
    const img = sharp(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength), { failOn: 'error' }).rotate();
    const meta = await img.metadata();
    const grey = meta.channels === 1 || (meta.channels === 2 && meta.space === 'b-w');
    const { data, info } = await img
      .removeAlpha()
      .toColourspace(grey ? 'b-w' : 'srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after decoding`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels, source };
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw new KpsError('bad-input', `${source}: cannot read the photo (${why})`, { file: source });
  }
}

/** Grey levels in [0, 1] (Rec. 601 luma for colour), the model's input domain. */
export function toGreyFloat(img: PhotoImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  if (img.channels === 1) {
    for (let i = 0; i < n; i++) out[i] = d[i] / 255;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2]) / 255;
  }
  return out;
}
