// Keypoint edits the editor makes (move, nudge, delete, occlude, place), as pure functions producing service edits.
import type { Keypoint, KeypointState } from '../../src-main/core/types.js';
import type { KeypointEdit } from '../../src-main/api/ops.js';
import { roundCoord, type Size } from './transform.js';

export const NUDGE_SMALL = 0.5;
export const NUDGE_BIG = 5;

/** Keeps a point inside the image: pixel centres run 0..w-1, pixel edges -0.5..w-0.5. */
export function clampToImage(x: number, y: number, image: Size): { x: number; y: number } {
  return {
    x: Math.min(image.width - 0.5, Math.max(-0.5, x)),
    y: Math.min(image.height - 0.5, Math.max(-0.5, y)),
  };
}

/**
 * Why a typed position cannot be stored, or null when it can: typed numbers are refused outside the image rather than
 * clamped (x = 200 on a 96 px face used to become 95.5 without a word).
 */
export function outsideImage(x: number, y: number, image: Size): string | null {
  const bad = [x < -0.5 || x > image.width - 0.5 ? `x = ${x}` : '', y < -0.5 || y > image.height - 0.5 ? `y = ${y}` : ''].filter(Boolean);
  if (bad.length === 0) return null;
  return `${bad.join(' and ')} ${bad.length === 1 ? 'is' : 'are'} outside the image (x from -0.5 to ${image.width - 0.5}, y from -0.5 to ${image.height - 0.5}): not saved`;
}

export function hasPosition(kp: Keypoint): boolean {
  return kp.state !== 'missing' && Number.isFinite(kp.x) && Number.isFinite(kp.y);
}

/**
 * Move (drag, click, typed numbers): keeps an occluded point occluded, makes a missing one labelled.
 * Pointer positions are rounded to 1/100 px (`round`); typed numbers and nudges keep the precision they have.
 */
export function moveEdit(index: number, kp: Keypoint, x: number, y: number, image: Size, round = true): KeypointEdit {
  const p = clampToImage(round ? roundCoord(x) : x, round ? roundCoord(y) : y, image);
  const state: KeypointState = kp.state === 'occluded' ? 'occluded' : 'labelled';
  return { index, x: p.x, y: p.y, state };
}

/** Arrow-key nudge; null for a missing keypoint (nothing to nudge). */
export function nudgeEdit(index: number, kp: Keypoint, dx: number, dy: number, image: Size): KeypointEdit | null {
  if (!hasPosition(kp)) return null;
  // Float sums such as 65.8378 + 0.5 are kept as they are: rounding here would shift the other decimals of imported values.
  return moveEdit(index, kp, kp.x + dx, kp.y + dy, image, false);
}

export function deleteEdit(index: number): KeypointEdit {
  return { index, x: NaN, y: NaN, state: 'missing' };
}

/** `O`: labelled <-> occluded; a missing keypoint has no position, so it cannot be occluded. */
export function toggleOccludedEdit(index: number, kp: Keypoint): KeypointEdit | null {
  if (!hasPosition(kp)) return null;
  return { index, x: kp.x, y: kp.y, state: kp.state === 'occluded' ? 'labelled' : 'occluded' };
}

/** Applies edits to a local copy so the canvas shows them before the service acknowledges. */
export function applyEdits<K extends Keypoint>(kps: readonly K[], edits: readonly KeypointEdit[], extra?: Partial<K>): K[] {
  const out = kps.map((k) => ({ ...k }));
  for (const e of edits) {
    out[e.index] = { ...out[e.index], ...extra, x: e.state === 'missing' ? NaN : e.x, y: e.state === 'missing' ? NaN : e.y, state: e.state };
    // A model's confidence goes with its value; any other edit leaves none behind (the value is no longer the model's).
    const kp = out[e.index] as K & { confidence?: number };
    if (e.confidence !== undefined) kp.confidence = e.confidence;
    else delete kp.confidence;
  }
  return out;
}

export function sameKeypoint(a: Keypoint, b: Keypoint): boolean {
  const eq = (u: number, v: number) => (Number.isNaN(u) && Number.isNaN(v)) || u === v;
  return a.state === b.state && eq(a.x, b.x) && eq(a.y, b.y);
}

/** Parses a number typed in the keypoint list; null when it is not a finite number. */
export function parseCoord(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

export function formatCoord(v: number): string {
  return Number.isFinite(v) ? String(roundCoord(v)) : '';
}
