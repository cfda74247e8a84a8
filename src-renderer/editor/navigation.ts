// Sample navigation in the editor: next / previous in the gallery's order, next with missing keypoints.

/** The id `step` places after `current` in `order`, or null at either end (no wrap: the end of a list is a signal). */
export function stepInOrder(order: readonly number[], current: number, step: 1 | -1): number | null {
  const i = order.indexOf(current);
  if (i < 0) return order.length ? order[0] : null;
  const j = i + step;
  return j >= 0 && j < order.length ? order[j] : null;
}

/**
 * The next sample after `current` in `order` that has missing keypoints (`hasMissing`), wrapping around once;
 * null when no other sample in the order has any.
 */
export function nextWithMissing(order: readonly number[], current: number, hasMissing: ReadonlySet<number>): number | null {
  const n = order.length;
  const start = order.indexOf(current);
  for (let k = 1; k <= n; k++) {
    const id = order[(((start < 0 ? -1 : start) + k) % n + n) % n];
    if (id !== current && hasMissing.has(id)) return id;
  }
  return null;
}

/** Ids worth preloading around `current`: the neighbours in the order, nearest first. */
export function neighbours(order: readonly number[], current: number, radius = 2): number[] {
  const i = order.indexOf(current);
  if (i < 0) return [];
  const out: number[] = [];
  for (let d = 1; d <= radius; d++) {
    if (i + d < order.length) out.push(order[i + d]);
    if (i - d >= 0) out.push(order[i - d]);
  }
  return out;
}
