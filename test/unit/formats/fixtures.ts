// Synthetic fixtures made in code for the format tests: temp folders, Kaggle CSV rows, PNG images, .pts, .asf and COCO texts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { validateSchema } from '../../../src-main/core/schema.js';
import type { KeypointSchema } from '../../../src-main/core/types.js';
import { coordinateColumns } from '../../../src-main/formats/kaggle-csv.js';

export function tempDir(prefix = 'kps-fmt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A small user-style schema: two eyes and a nose tip. */
export const triSchema: KeypointSchema = validateSchema({
  id: 'tri-3',
  title: 'Three points',
  keypoints: [
    { name: 'left_eye', group: 'eye', side: 'left', color: '#29b6f6' },
    { name: 'right_eye', group: 'eye', side: 'right', color: '#ff7043' },
    { name: 'nose', group: 'nose', side: 'center', color: '#fdd835' },
  ],
  flipPairs: [[0, 1]],
  edges: [[0, 2], [1, 2]],
});

/** Deterministic grey levels 0..255 for a 96x96 Kaggle image. */
export function greyPixels(seed: number, count = 96 * 96): number[] {
  return Array.from({ length: count }, (_, i) => (i * 7 + seed * 31) % 256);
}

export function kaggleHeader(schema: KeypointSchema, withImage = true): string {
  return [...coordinateColumns(schema), ...(withImage ? ['Image'] : [])].join(',');
}

/** One CSV row: coordinates (null = empty cell) then, when given, the Image cell. */
export function kaggleRow(coords: (number | string | null)[], pixels?: number[]): string {
  const cells = coords.map((c) => (c === null ? '' : String(c)));
  if (pixels) cells.push(pixels.join(' '));
  return cells.join(',');
}

export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

/** A small RGB (or grey) PNG with a gradient, written with sharp. */
export async function writePng(path: string, width: number, height: number, channels: 1 | 3 = 3): Promise<string> {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  await sharp(data, { raw: { width, height, channels } }).png().toFile(path);
  return path;
}

export async function writeJpeg(path: string, width: number, height: number): Promise<string> {
  const data = Buffer.alloc(width * height * 3, 128);
  await sharp(data, { raw: { width, height, channels: 3 } }).jpeg().toFile(path);
  return path;
}

/** `.pts` text from 1-based points; `nPoints` may differ from the list to make broken files. */
export function ptsText(points: [number, number][], nPoints = points.length): string {
  return `version: 1\nn_points: ${nPoints}\n{\n${points.map(([x, y]) => `${x} ${y}`).join('\n')}\n}\n`;
}

/** `.asf` text in the IMM layout from relative points (one closed path) and a host image name. */
export function asfText(points: [number, number][], host: string): string {
  const n = points.length;
  const rows = points.map(([x, y], i) => `0 \t0 \t${x.toFixed(8)} \t${y.toFixed(8)} \t${i} \t${(i + n - 1) % n} \t${(i + 1) % n}\t0.000000\t0.000000\t0.000000`);
  return ['#', '# number of model points', '#', String(n), '', '#', '# model points', '#', ...rows, '', '#', '# host image', '#', host, ''].join('\n');
}

export interface CocoFixtureImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

/** A COCO keypoints document with one category holding `schema`'s keypoints. */
export function cocoDoc(schema: KeypointSchema, images: CocoFixtureImage[], annotations: { id: number; image_id: number; keypoints: number[] }[]): string {
  return JSON.stringify({
    images,
    annotations: annotations.map((a) => ({ ...a, category_id: 1, num_keypoints: a.keypoints.filter((_, i) => i % 3 === 2 && a.keypoints[i] > 0).length })),
    categories: [{ id: 1, name: 'face', keypoints: schema.keypoints.map((k) => k.name), skeleton: [] }],
  });
}
