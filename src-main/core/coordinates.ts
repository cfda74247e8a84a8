// The one rule for how far outside its image a keypoint may lie: used by every importer and by labels.set.
//
// A face cropped tight (or warped, as in the Kaggle-layout proxy data, which holds x = 103.26 on a 96 px
// image) can put a real landmark a little outside the frame, so points just outside are legal. Anything
// further out is a broken file or a bad edit, and one such value (say 1e300) would poison every mean in
// the statistics, so it is refused rather than stored.

/** Allowed distance outside the image, as a fraction of the image's size along that axis (10% of the width for x). */
export const COORDINATE_MARGIN = 0.1;

/**
 * The closed range allowed for one axis of an image `size` pixels long: the image spans [-0.5, size - 0.5]
 * (pixel centres at 0 .. size - 1), widened by COORDINATE_MARGIN * size on both sides.
 */
export function coordinateRange(size: number): { min: number; max: number } {
  const margin = COORDINATE_MARGIN * size;
  return { min: -0.5 - margin, max: size - 0.5 + margin };
}

/** Shortest readable text for a coordinate in a message: 1e+309 stays "Infinity", not JSON's "null". */
export function formatCoordinateValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const s = String(v);
  return s.length > 24 ? v.toPrecision(6) : s;
}

/**
 * Null when (x, y) is finite and within the margin of a `width` x `height` image; otherwise what is wrong,
 * as a phrase for an error message ("x 500 is outside -10.1..105.1 for a 96x96 image ...").
 */
export function coordinateProblem(x: number, y: number, width: number, height: number): string | null {
  const rx = coordinateRange(width);
  const ry = coordinateRange(height);
  const bad: string[] = [];
  const span = (r: { min: number; max: number }) => `${Number(r.min.toFixed(3))}..${Number(r.max.toFixed(3))}`;
  if (!Number.isFinite(x) || x < rx.min || x > rx.max) bad.push(`x ${formatCoordinateValue(x)} is outside ${span(rx)}`);
  if (!Number.isFinite(y) || y < ry.min || y > ry.max) bad.push(`y ${formatCoordinateValue(y)} is outside ${span(ry)}`);
  if (bad.length === 0) return null;
  return `${bad.join(' and ')} for a ${width}x${height} image (keypoints may lie at most ${COORDINATE_MARGIN * 100}% of the image size outside it)`;
}
