// IMM / AAM-API `.asf` shape files: import a folder of them (each names its host image).
//
// Layout: `#` comment lines; the number of points; one line per point
// `path type x y point_index connects_from connects_to [user columns]`; then the host image's file name.
// x and y are relative to the image width and height. Convention chosen: x_px = x_rel * width and
// y_px = y_rel * height are taken as 0-based pixel-centre coordinates with no half-pixel shift. The
// IMM face database supports this: its point files (converted from the same .asf source) hold whole
// pixel numbers, i.e. the annotators clicked pixel centres and rel * size gives back the integer
// index. The half-pixel question cannot be settled from the sub-pixel IMM frontal data, and the
// difference (at most 0.5 px on an 800x600 image) is below the annotation noise.
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ImportError } from '../core/errors.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import {
  badNumberProblem,
  checkKeypointInImage,
  excerpt,
  groupIdFromName,
  listFilesRecursive,
  mapLimit,
  parseDecimal,
  readImageInfo,
  readTextFile,
  requirePath,
  throwIfCancelled,
} from './common.js';
import type { ImportedSample, Importer } from './types.js';

export interface AsfShape {
  /** Relative (0..1) coordinates, one per point. */
  points: { x: number; y: number; path: number; connectsTo: number; line: number }[];
  hostImage: string;
  /** 1-based line of the host image name, for error messages. */
  hostLine: number;
}

/** Parse an .asf text; errors name the file and line. */
export function parseAsf(file: string, text: string, schema: KeypointSchema): AsfShape {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const fail = (line: number, problem: string): never => {
    throw new ImportError(file, line, problem, 'line');
  };
  let i = 0;
  const nextContent = (): number => {
    while (i < lines.length && (lines[i].trim() === '' || lines[i].trimStart().startsWith('#'))) i++;
    return i;
  };
  nextContent();
  if (i >= lines.length) fail(Math.max(1, lines.length), text.trim() === '' ? 'the file is empty' : 'no point count (only comments)');
  const countText = lines[i].trim();
  // Decimal digits only: Number() would also take "0x3a" or "5.8e1".
  const n = /^\d{1,9}$/.test(countText) ? Number(countText) : NaN;
  if (!Number.isInteger(n) || n <= 0) fail(i + 1, `expected the number of points as a decimal integer, found ${JSON.stringify(countText.slice(0, 40))}`);
  if (n !== schema.keypoints.length) fail(i + 1, `has ${n} points but the project schema ${schema.id} has ${schema.keypoints.length} keypoints`);
  i++;
  const points: AsfShape['points'] = [];
  for (let k = 0; k < n; k++) {
    nextContent();
    if (i >= lines.length) fail(lines.length, `has ${k} point lines but says ${n} (the file is cut short?)`);
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length < 7) fail(i + 1, `point ${k}: expected "path type x y point# from to", found ${cols.length} columns`);
    const nums = cols.slice(0, 7).map((c) => parseDecimal(c));
    const bad = nums.findIndex((v) => v === null);
    if (bad >= 0) fail(i + 1, `point ${k}: column ${bad + 1} ${badNumberProblem(cols[bad])}`);
    const [path, , x, y, index, , to] = nums as number[];
    if (index !== k) fail(i + 1, `point line ${k + 1} has point number ${index}; expected ${k}`);
    if (!Number.isInteger(to) || to < 0 || to >= n) fail(i + 1, `point ${k}: connects to ${to}, outside 0..${n - 1}`);
    // Relative coordinates; a point a little outside the frame is legal, a wild value is a broken file.
    if (x < -1 || x > 2 || y < -1 || y > 2) fail(i + 1, `point ${k}: relative coordinates (${x}, ${y}) are far outside 0..1`);
    points.push({ x, y, path, connectsTo: to, line: i + 1 });
    i++;
  }
  nextContent();
  if (i >= lines.length) fail(lines.length, 'no host image file name after the points');
  const hostImage = lines[i].trim();
  return { points, hostImage, hostLine: i + 1 };
}

/** A folder (searched recursively) of `.asf` files, or one `.asf` file; host images resolved beside each file. */
export const importAsf: Importer = async (path, schema, ctx) => {
  const root = resolve(path);
  const { isDir } = await requirePath(root, 'a folder of .asf files, or an .asf file');
  const files = isDir ? (await listFilesRecursive(root, ctx)).filter((f) => extname(f).toLowerCase() === '.asf') : [root];
  if (!isDir && extname(root).toLowerCase() !== '.asf') throw new ImportError(root, undefined, 'is not a folder or an .asf file');
  if (files.length === 0) throw new ImportError(root, undefined, 'has no .asf files');

  const shapes: { file: string; shape: AsfShape; image: string }[] = [];
  for (const file of files) {
    throwIfCancelled(ctx);
    const shape = parseAsf(file, await readTextFile(file, ctx, { lineBased: true }), schema);
    const image = isAbsolute(shape.hostImage) ? shape.hostImage : join(dirname(file), shape.hostImage);
    shapes.push({ file, shape, image });
  }
  let done = 0;
  return mapLimit(shapes, 8, async ({ file, shape, image }): Promise<ImportedSample> => {
    throwIfCancelled(ctx);
    let info;
    try {
      info = await readImageInfo(image, undefined, ctx);
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      throw new ImportError(file, shape.hostLine, `host image ${excerpt(shape.hostImage, 60)} ${err.message.slice(image.length + 2)} (looked for ${image})`, 'line');
    }
    ctx.progress(++done, shapes.length, 'reading images');
    const keypoints: Keypoint[] = shape.points.map((p, k) => {
      const kp: Keypoint = { x: p.x * info.width, y: p.y * info.height, state: 'labelled' };
      checkKeypointInImage(kp, schema.keypoints[k].name, info.width, info.height, { file, record: p.line, unit: 'line', prefix: `point ${k} (relative ${p.x}, ${p.y}): ` });
      return kp;
    });
    return {
      source: file,
      record: 1,
      image: { kind: 'file', path: image, width: info.width, height: info.height, channels: info.channels },
      groupId: groupIdFromName(file),
      keypoints,
    };
  });
};
