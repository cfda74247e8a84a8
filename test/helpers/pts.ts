// Test helpers for real photo labels: `.pts` files read by the importer's own parser, and box overlap.
import { readFileSync } from 'node:fs';
import { parsePts } from '../../src-main/formats/pts.js';
import { loadBuiltinSchema } from '../../src-main/formats/schemas.js';

/** A `.pts` file's points as flat [x0, y0, ...] 0-based pixels, parsed as the importer does for `schemaId`. */
export function readPtsFlat(file: string, schemaId: string): number[] {
  return parsePts(file, readFileSync(file, 'utf8'), loadBuiltinSchema(schemaId)).flatMap((k) => [k.x, k.y]);
}

/** The same points as {x, y}. */
export function readPtsPoints(file: string, schemaId: string): { x: number; y: number }[] {
  const flat = readPtsFlat(file, schemaId);
  return Array.from({ length: flat.length / 2 }, (_, i) => ({ x: flat[2 * i], y: flat[2 * i + 1] }));
}

export interface Box { x0: number; y0: number; x1: number; y1: number }

/** The box of a flat [x0, y0, ...] point list. */
export function boxOfFlat(flat: ArrayLike<number>): Box {
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    xs.push(flat[i]);
    ys.push(flat[i + 1]);
  }
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** Intersection over union of a corner box and a detector box {x, y, width, height}. */
export function iouWithFace(b: Box, f: { x: number; y: number; width: number; height: number }): number {
  const ix = Math.max(0, Math.min(b.x1, f.x + f.width) - Math.max(b.x0, f.x));
  const iy = Math.max(0, Math.min(b.y1, f.y + f.height) - Math.max(b.y0, f.y));
  const inter = ix * iy;
  return inter / ((b.x1 - b.x0) * (b.y1 - b.y0) + f.width * f.height - inter);
}
