// Draws gallery thumbnails on canvas: the sample's pixels (pixel-crisp) with keypoints and edges in the schema's colours.
// Images are loaded once per sample id and kept in a bounded cache, so scrolling back and forth does not refetch.
import type { KeypointSchema, SampleSummary } from '../../src-main/core/types.js';

// About 8 screens of 96x96 faces; more only adds decoded bitmaps for the garbage collector to walk.
const MAX_CACHED = 600;

/** A bounded cache of loaded thumbnail images by sample id (insertion order = age). */
export class ImageCache {
  private images = new Map<number, HTMLImageElement>();
  constructor(private readonly url: (id: number) => string) {}

  /** The image for `id`; `onReady` runs once it has loaded (at once if it already has). */
  get(id: number, onReady: (img: HTMLImageElement) => void): () => void {
    let img = this.images.get(id);
    if (!img) {
      img = new Image();
      img.decoding = 'async';
      img.src = this.url(id);
      this.images.set(id, img);
      if (this.images.size > MAX_CACHED) {
        const oldest = this.images.keys().next().value;
        if (oldest !== undefined) this.images.delete(oldest);
      }
    } else {
      // Refresh its age.
      this.images.delete(id);
      this.images.set(id, img);
    }
    if (img.complete && img.naturalWidth > 0) {
      onReady(img);
      return () => {};
    }
    const done = () => onReady(img);
    img.addEventListener('load', done, { once: true });
    return () => img.removeEventListener('load', done);
  }

  /** Forget an image (its pixels may have changed, e.g. after a re-import). */
  drop(id: number): void {
    this.images.delete(id);
  }
}

/** The pixel-centre convention: image pixel i covers [i - 0.5, i + 0.5], so canvas x = (x + 0.5) * scale + offset. */
export function thumbTransform(width: number, height: number, size: number): { scale: number; ox: number; oy: number } {
  const scale = size / Math.max(width, height, 1);
  return { scale, ox: (size - width * scale) / 2, oy: (size - height * scale) / 2 };
}

/**
 * Draws one thumbnail into the square of `size` CSS px whose left edge is at `left` CSS px; returns the number of
 * keypoints drawn. `img` null draws the black frame and the keypoints only (the pixels follow when they load).
 */
export function drawThumb(
  ctx: CanvasRenderingContext2D,
  left: number,
  size: number,
  dpr: number,
  sample: SampleSummary,
  schema: KeypointSchema,
  img: HTMLImageElement | null,
): number {
  const px = Math.round(size * dpr);
  ctx.setTransform(1, 0, 0, 1, Math.round(left * dpr), 0);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, px, px);
  ctx.clip();
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, px, px);
  const w = Math.max(1, sample.width || img?.naturalWidth || 1);
  const h = Math.max(1, sample.height || img?.naturalHeight || 1);
  const { scale, ox, oy } = thumbTransform(w, h, px);
  if (img) {
    // 96x96 faces upscaled pixel-crisp, as in the editor.
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.drawImage(img, ox, oy, w * scale, h * scale);
  }
  const at = (v: number, o: number) => (v + 0.5) * scale + o;
  const r = Math.max(1.5 * dpr, Math.min(px / 45, 4 * dpr));
  ctx.lineWidth = Math.max(1, r * 0.45);
  ctx.globalAlpha = 0.6;
  for (const [a, b] of schema.edges) {
    const ka = sample.keypoints[a];
    const kb = sample.keypoints[b];
    if (!ka || !kb || !Number.isFinite(ka.x) || !Number.isFinite(kb.x)) continue;
    ctx.strokeStyle = schema.keypoints[a]?.color ?? '#0f0';
    ctx.beginPath();
    ctx.moveTo(at(ka.x, ox), at(ka.y, oy));
    ctx.lineTo(at(kb.x, ox), at(kb.y, oy));
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  let drawn = 0;
  sample.keypoints.forEach((k, i) => {
    if (!Number.isFinite(k.x) || !Number.isFinite(k.y)) return;
    const color = schema.keypoints[i]?.color ?? '#0f0';
    ctx.beginPath();
    ctx.arc(at(k.x, ox), at(k.y, oy), r, 0, Math.PI * 2);
    if (k.state === 'occluded') {
      // Occluded: a ring in the keypoint's colour.
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(1, r * 0.6);
      ctx.stroke();
    } else {
      ctx.fillStyle = color;
      ctx.fill();
      ctx.strokeStyle = '#000';
      ctx.lineWidth = Math.max(1, r * 0.35);
      ctx.stroke();
    }
    drawn++;
  });
  ctx.restore();
  return drawn;
}
