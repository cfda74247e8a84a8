// Synthetic schemas and samples for store tests: small, deterministic, no real data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Keypoint, KeypointSchema } from '../../../src-main/core/types.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';

export const schema5: KeypointSchema = {
  id: 'test-5',
  title: 'Five test points',
  keypoints: [
    { name: 'left_eye', group: 'eye', side: 'left', color: '#f00' },
    { name: 'right_eye', group: 'eye', side: 'right', color: '#0f0' },
    { name: 'nose_tip', group: 'nose', side: 'center', color: '#00f' },
    { name: 'mouth_left', group: 'mouth', side: 'left', color: '#ff0' },
    { name: 'mouth_right', group: 'mouth', side: 'right', color: '#0ff' },
  ],
  flipPairs: [
    [0, 1],
    [3, 4],
  ],
  edges: [[3, 4]],
};

/** Deterministic pseudo-random numbers (mulberry32) so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An embedded 8x6 grey sample whose pixel i is (seed + i) mod 256; `missing` lists keypoint indices left missing. */
export function embeddedSample(record: number, missing: number[] = [], opts: { source?: string; k?: number; w?: number; h?: number } = {}): ImportedSample {
  const w = opts.w ?? 8;
  const h = opts.h ?? 6;
  const k = opts.k ?? 5;
  const pixels = new Uint8Array(w * h);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (record * 7 + i) % 256;
  const keypoints: Keypoint[] = [];
  for (let i = 0; i < k; i++) {
    keypoints.push(missing.includes(i) ? { x: NaN, y: NaN, state: 'missing' } : { x: record + i * 0.25, y: 2 * record - i * 0.5, state: 'labelled' });
  }
  return {
    source: opts.source ?? '/data/training.csv',
    record,
    image: { kind: 'embedded', width: w, height: h, channels: 1, pixels },
    groupId: null,
    keypoints,
  };
}

export function tempDir(prefix = 'kps-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
