// Fill mode: walks a sample's missing keypoints in schema order; a click places the current one, Tab/Shift-Tab skip.
import type { Keypoint } from '../../src-main/core/types.js';

export interface FillState {
  /** Index of the keypoint to place next, or null when none is left to place in this pass. */
  current: number | null;
  /** Keypoints skipped with Tab in this pass; they come back after the others. */
  skipped: number[];
}

export function isMissing(kp: Keypoint): boolean {
  return kp.state === 'missing' || !Number.isFinite(kp.x) || !Number.isFinite(kp.y);
}

export function missingIndices(kps: readonly Keypoint[]): number[] {
  const out: number[] = [];
  kps.forEach((kp, i) => {
    if (isMissing(kp)) out.push(i);
  });
  return out;
}

/** Starts a pass at the first missing keypoint in schema order. */
export function startFill(kps: readonly Keypoint[]): FillState {
  const missing = missingIndices(kps);
  return { current: missing.length ? missing[0] : null, skipped: [] };
}

/** The next missing keypoint after `from` in schema order, wrapping around; null when none other is missing. */
function nextMissing(kps: readonly Keypoint[], from: number, direction: 1 | -1, exclude: ReadonlySet<number>): number | null {
  const n = kps.length;
  for (let step = 1; step <= n; step++) {
    const i = (((from + direction * step) % n) + n) % n;
    if (i === from) continue;
    if (isMissing(kps[i]) && !exclude.has(i)) return i;
  }
  return null;
}

/**
 * After the current keypoint was placed (`kps` already holds it), move on: the next missing one after it
 * in schema order, wrapping; skipped ones come back last. Returns current = null when the sample is complete.
 */
export function afterPlace(state: FillState, kps: readonly Keypoint[]): FillState {
  const from = state.current ?? -1;
  const skipped = state.skipped.filter((i) => isMissing(kps[i]));
  const skippedSet = new Set(skipped);
  const next = from >= 0 ? nextMissing(kps, from, 1, skippedSet) : (missingIndices(kps).find((i) => !skippedSet.has(i)) ?? null);
  if (next !== null) return { current: next, skipped };
  // Only skipped ones are left: revisit them in schema order.
  if (skipped.length) return { current: [...skipped].sort((a, b) => a - b)[0], skipped: [] };
  return { current: null, skipped: [] };
}

/** Tab: leave the current keypoint missing for now and go to the next missing one (wrapping). */
export function skipForward(state: FillState, kps: readonly Keypoint[]): FillState {
  if (state.current === null) return state;
  const next = nextMissing(kps, state.current, 1, new Set());
  if (next === null) return state;
  const skipped = state.skipped.includes(state.current) ? state.skipped : [...state.skipped, state.current];
  return { current: next, skipped: skipped.filter((i) => i !== next) };
}

/** Shift-Tab: go back to the previous missing keypoint (wrapping). */
export function skipBackward(state: FillState, kps: readonly Keypoint[]): FillState {
  if (state.current === null) return state;
  const prev = nextMissing(kps, state.current, -1, new Set());
  if (prev === null) return state;
  const skipped = state.skipped.includes(state.current) ? state.skipped : [...state.skipped, state.current];
  return { current: prev, skipped: skipped.filter((i) => i !== prev) };
}

/** True when the sample has nothing left to fill: the editor then moves to the next sample with missing keypoints. */
export function isComplete(kps: readonly Keypoint[]): boolean {
  return missingIndices(kps).length === 0;
}
