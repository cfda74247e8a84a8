// The one image-to-screen transform of the editor: screen = offset + scale * (image + 0.5), image pixel centres at integers.

/** Maps 0-based image pixel coordinates (pixel centres at integers) to CSS pixels of the stage container. */
export interface ViewTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 64;
/** Each `+`/`-` or wheel notch multiplies the scale by this. */
export const ZOOM_STEP = 1.25;

export function imageToScreen(t: ViewTransform, p: Point): Point {
  return { x: t.offsetX + t.scale * (p.x + 0.5), y: t.offsetY + t.scale * (p.y + 0.5) };
}

export function screenToImage(t: ViewTransform, p: Point): Point {
  return { x: (p.x - t.offsetX) / t.scale - 0.5, y: (p.y - t.offsetY) / t.scale - 0.5 };
}

/** The screen rectangle covered by the whole image: its left edge is pixel 0's left edge, x = -0.5 in image terms. */
export function imageRect(t: ViewTransform, image: Size): { x: number; y: number; width: number; height: number } {
  return { x: t.offsetX, y: t.offsetY, width: t.scale * image.width, height: t.scale * image.height };
}

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** The whole image centred in the view with a margin; `margin` is in CSS pixels on each side. */
export function fitTransform(image: Size, view: Size, margin = 12): ViewTransform {
  if (image.width <= 0 || image.height <= 0 || view.width <= 0 || view.height <= 0) {
    return { scale: 1, offsetX: 0, offsetY: 0 };
  }
  const availW = Math.max(1, view.width - 2 * margin);
  const availH = Math.max(1, view.height - 2 * margin);
  const scale = clampScale(Math.min(availW / image.width, availH / image.height));
  return {
    scale,
    offsetX: (view.width - scale * image.width) / 2,
    offsetY: (view.height - scale * image.height) / 2,
  };
}

/** Zooms to `newScale` keeping the image point under the screen point `anchor` fixed (wheel zoom about the cursor). */
export function zoomAbout(t: ViewTransform, newScale: number, anchor: Point): ViewTransform {
  const scale = clampScale(newScale);
  const img = screenToImage(t, anchor);
  return {
    scale,
    offsetX: anchor.x - scale * (img.x + 0.5),
    offsetY: anchor.y - scale * (img.y + 0.5),
  };
}

/** One zoom step in (`steps` > 0) or out (`steps` < 0) about `anchor`. */
export function zoomBy(t: ViewTransform, steps: number, anchor: Point): ViewTransform {
  return zoomAbout(t, t.scale * Math.pow(ZOOM_STEP, steps), anchor);
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { scale: t.scale, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy };
}

/**
 * Remembered zoom: kept relative to the fitted view (zoom factor and the image point at the view centre),
 * so it carries over between samples and window sizes of different dimensions.
 */
export interface RememberedZoom {
  /** Scale divided by the fit scale. */
  factor: number;
  /** Image point at the view centre, as a fraction of the image size (0..1). */
  centreU: number;
  centreV: number;
}

export function rememberZoom(t: ViewTransform, image: Size, view: Size): RememberedZoom {
  const fit = fitTransform(image, view);
  const centre = screenToImage(t, { x: view.width / 2, y: view.height / 2 });
  return {
    factor: t.scale / fit.scale,
    centreU: (centre.x + 0.5) / image.width,
    centreV: (centre.y + 0.5) / image.height,
  };
}

export function restoreZoom(z: RememberedZoom, image: Size, view: Size): ViewTransform {
  const fit = fitTransform(image, view);
  if (!Number.isFinite(z.factor) || z.factor <= 0) return fit;
  const scale = clampScale(fit.scale * z.factor);
  const cx = z.centreU * image.width - 0.5;
  const cy = z.centreV * image.height - 0.5;
  return {
    scale,
    offsetX: view.width / 2 - scale * (cx + 0.5),
    offsetY: view.height / 2 - scale * (cy + 0.5),
  };
}

/** Rounds to 1/100 pixel: finer than any annotator can place, and free of float noise such as 30.000000001. */
export function roundCoord(v: number): number {
  return Math.round(v * 100) / 100;
}
