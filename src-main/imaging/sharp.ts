// sharp (libvips), loaded on first use: workers and CLI paths that never touch pixels do not load it. Only the
// imaging modules call it (test/unit/architecture.test.ts checks that).

/** A file path, or the encoded bytes of an image. */
export type ImageInput = string | Uint8Array;

export async function loadSharp() {
  return (await import('sharp')).default;
}

/** A Buffer over the same memory (no copy). */
export function bufferOf(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A path as it is, bytes as a Buffer over the same memory. */
export function sharpInput(input: ImageInput): string | Buffer {
  return typeof input === 'string' ? input : bufferOf(input);
}
