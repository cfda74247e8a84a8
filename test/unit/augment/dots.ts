// Test helpers for augmentation: draw Gaussian dots at keypoints and find them again by local centroid.

/** A float image in [0, 1] with a Gaussian dot (peak 1) at each point. */
export function dotImage(width: number, height: number, points: { x: number; y: number }[], sigma = 1.3, channels = 1): Float32Array {
  const img = new Float32Array(width * height * channels);
  for (const p of points) {
    const r = Math.ceil(4 * sigma);
    for (let y = Math.max(0, Math.floor(p.y) - r); y <= Math.min(height - 1, Math.ceil(p.y) + r); y++) {
      for (let x = Math.max(0, Math.floor(p.x) - r); x <= Math.min(width - 1, Math.ceil(p.x) + r); x++) {
        const v = Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * sigma * sigma));
        for (let c = 0; c < channels; c++) {
          const i = (y * width + x) * channels + c;
          img[i] = Math.min(1, img[i] + v);
        }
      }
    }
  }
  return img;
}

/**
 * Centroid of the bright blob near (x, y) in channel `channel`: weights are the values above the median of the
 * window's rim (the local background), so brightness and contrast changes do not bias it.
 */
export function centroidNear(img: ArrayLike<number>, width: number, height: number, x: number, y: number, radius = 6, channels = 1, channel = 0): { x: number; y: number } {
  const x0 = Math.round(x) - radius;
  const y0 = Math.round(y) - radius;
  const rim: number[] = [];
  for (let yy = y0; yy <= y0 + 2 * radius; yy++) {
    for (let xx = x0; xx <= x0 + 2 * radius; xx++) {
      if (yy === y0 || yy === y0 + 2 * radius || xx === x0 || xx === x0 + 2 * radius) {
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) rim.push(img[(yy * width + xx) * channels + channel]);
      }
    }
  }
  rim.sort((a, b) => a - b);
  const bg = rim[rim.length >> 1] ?? 0;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let yy = y0; yy <= y0 + 2 * radius; yy++) {
    for (let xx = x0; xx <= x0 + 2 * radius; xx++) {
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
      const w = Math.max(0, img[(yy * width + xx) * channels + channel] - bg);
      sw += w;
      sx += w * xx;
      sy += w * yy;
    }
  }
  return sw > 0 ? { x: sx / sw, y: sy / sw } : { x: NaN, y: NaN };
}
