// COCO keypoints JSON: import one annotation file with its images; export a folder (annotations.json + images/).
//
// COCO keypoints are [x1, y1, v1, x2, y2, v2, ...] with v = 0 not labelled (x = y = 0), 1 labelled
// but not visible, 2 labelled and visible; they map to missing, occluded and labelled. COCO
// coordinates are pixel indices with pixel centres at integers (Detectron2 adds 0.5 to reach its
// continuous frame), which is this project's convention, so no shift is applied.
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ImportError, KpsError, jsonSyntaxProblem } from '../core/errors.js';
import type { Keypoint, KeypointSchema } from '../core/types.js';
import { writeFolderAtomic, writeFileAtomic } from './atomic.js';
import { formatCoordinateValue } from '../core/coordinates.js';
import { labelledBounds } from '../core/geometry.js';
import { abortable, checkKeypointInImage, excerpt, groupIdFromName, mapLimit, missingKeypoint, readImageInfo, readTextFile, requirePath, throwIfCancelled } from './common.js';
import { exportStem, writeSampleImage } from './pts.js';
import type { ExportSample, ExportSource, Exporter, ImportedSample, Importer, JobContext } from './types.js';

export const COCO_ANNOTATION_FILE = 'annotations.json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Anything but a folder counts as found: a pipe or device named .jpg is then refused by name when read. */
async function exists(p: string, ctx: JobContext): Promise<boolean> {
  try {
    return !(await abortable(stat(p), ctx.signal)).isDirectory();
  } catch (err) {
    if (err instanceof KpsError) throw err;
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** Where a COCO file_name points: beside the JSON, in an images/ folder beside it, or the folder above (annotations/ layout). */
async function resolveImage(jsonDir: string, fileName: string, ctx: JobContext): Promise<string | null> {
  const exists_ = (p: string) => exists(p, ctx);
  if (isAbsolute(fileName)) return (await exists_(fileName)) ? fileName : null;
  const candidates = [join(jsonDir, fileName), join(jsonDir, 'images', fileName), join(dirname(jsonDir), 'images', fileName), join(dirname(jsonDir), fileName)];
  if (fileName.includes('/')) candidates.push(join(jsonDir, 'images', basename(fileName)));
  for (const c of candidates) if (await exists_(c)) return c;
  return null;
}

/** How a category is named in messages: its name and id as the file gives them. */
function categoryLabel(category: Record<string, unknown>): string {
  const name = typeof category.name === 'string' ? excerpt(category.name) : '(no name)';
  return `category ${name} (id ${category.id === undefined ? 'missing' : JSON.stringify(category.id)})`;
}

/**
 * Schema index for each of the category's keypoints, by name. The names must be exactly the schema's
 * (in any order): a guess by position would silently put, say, a left eye on a right eye.
 */
function keypointOrder(file: string, schema: KeypointSchema, category: Record<string, unknown>): number[] {
  const names = category.keypoints as unknown[];
  const k = schema.keypoints.length;
  const label = categoryLabel(category);
  if (names.length !== k) {
    throw new ImportError(file, undefined, `${label} has ${names.length} keypoints but the project schema ${schema.id} has ${k}`);
  }
  const byName = new Map(schema.keypoints.map((d, i) => [d.name, i]));
  const unknown = names.filter((n) => typeof n !== 'string' || !byName.has(n));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 4).map((n) => (typeof n === 'string' ? excerpt(n, 30) : JSON.stringify(n)?.slice(0, 30) ?? String(n)));
    const absent = schema.keypoints.map((d) => d.name).filter((n) => !names.includes(n));
    throw new ImportError(
      file,
      undefined,
      `${label}: ${unknown.length} of its ${k} keypoint names ${unknown.length === 1 ? 'is' : 'are'} not in the project schema ${schema.id}: ${shown.join(', ')}${unknown.length > 4 ? ', ...' : ''}` +
        `${absent.length > 0 ? `; the schema's ${absent.slice(0, 4).join(', ')}${absent.length > 4 ? ', ...' : ''} ${absent.length === 1 ? 'is' : 'are'} not in the category` : ''}. Rename them to the schema's names`,
    );
  }
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const earlier = seen.get(n as string);
    if (earlier !== undefined) throw new ImportError(file, undefined, `${label}: keypoint name ${excerpt(n as string, 30)} appears twice (positions ${earlier + 1} and ${i + 1})`);
    seen.set(n as string, i);
  });
  return names.map((n) => byName.get(n as string)!);
}

/**
 * A COCO keypoints JSON (the path) whose images sit beside it or in an `images/` folder. One sample per
 * annotation of the keypoint category; images without any annotation come in as unlabelled samples.
 * Records are annotation numbers (1-based, in file order); unannotated images are numbered after them.
 */
export const importCoco: Importer = async (path, schema, ctx) => {
  const file = resolve(path);
  const { isDir } = await requirePath(file, 'a COCO keypoints .json file');
  if (isDir) throw new ImportError(file, undefined, 'is a folder; give the COCO annotation .json file');
  const text = await readTextFile(file, ctx);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // Not V8's message as is: it quotes up to 20 raw characters of the file (all of a short secret).
    throw new ImportError(file, undefined, `is not valid JSON (${jsonSyntaxProblem(err, text)})`);
  }
  if (!isRecord(doc)) throw new ImportError(file, undefined, 'is not a COCO object (expected { images, annotations, categories })');
  const { images, annotations, categories } = doc;
  if (!Array.isArray(images)) throw new ImportError(file, undefined, 'has no "images" array');
  if (annotations !== undefined && !Array.isArray(annotations)) throw new ImportError(file, undefined, '"annotations" is not an array');
  const anns: unknown[] = (annotations as unknown[] | undefined) ?? [];
  if (!Array.isArray(categories)) throw new ImportError(file, undefined, 'has no "categories" array');
  const kpCategories = categories.filter((c): c is Record<string, unknown> => isRecord(c) && Array.isArray(c.keypoints));
  if (kpCategories.length === 0) throw new ImportError(file, undefined, 'has no category with "keypoints": not a COCO keypoints file');
  if (kpCategories.length > 1) throw new ImportError(file, undefined, `has ${kpCategories.length} keypoint categories; import one layout per project`);
  const category = kpCategories[0];
  const order = keypointOrder(file, schema, category);
  const k = schema.keypoints.length;
  const catLabel = categoryLabel(category);
  const categoryIds = new Set(categories.filter(isRecord).map((c) => c.id).filter((id) => id !== undefined));
  if (category.id !== undefined && typeof category.id !== 'number' && typeof category.id !== 'string') {
    throw new ImportError(file, undefined, `${catLabel}: "id" must be a number`);
  }

  const jsonDir = dirname(file);
  const imageById = new Map<string, { index: number; fileName: string; width: unknown; height: unknown }>();
  images.forEach((img: unknown, index: number) => {
    const where = `images[${index}]`;
    if (!isRecord(img)) throw new ImportError(file, undefined, `${where} is not an object`);
    if (typeof img.id !== 'number' && typeof img.id !== 'string') throw new ImportError(file, undefined, `${where} has no "id"`);
    if (typeof img.file_name !== 'string' || img.file_name === '') throw new ImportError(file, undefined, `${where} (id ${img.id}) has no "file_name"`);
    const key = String(img.id);
    if (imageById.has(key)) throw new ImportError(file, undefined, `${where}: image id ${key} repeats images[${imageById.get(key)!.index}]`);
    imageById.set(key, { index, fileName: img.file_name, width: img.width, height: img.height });
  });

  interface Pending { record: number; imageId: string; keypoints: Keypoint[]; annotationId?: string }
  const pending: Pending[] = [];
  const annotated = new Set<string>();
  anns.forEach((a: unknown, i: number) => {
    const record = i + 1;
    const fail = (problem: string): never => {
      throw new ImportError(file, record, problem);
    };
    if (!isRecord(a)) fail('annotation is not an object');
    const ann = a as Record<string, unknown>;
    const label = `annotation id ${typeof ann.id === 'number' ? ann.id : excerpt(String(ann.id), 20)}`;
    if (ann.category_id !== undefined && ann.category_id !== category.id) {
      // Refuse the mismatches that would otherwise drop every label without a word.
      if (category.id === undefined) fail(`${label} has category_id ${JSON.stringify(ann.category_id)?.slice(0, 20)} but ${catLabel} has no "id" to match it`);
      if (String(ann.category_id) === String(category.id)) {
        fail(`${label} has category_id ${JSON.stringify(ann.category_id)} (a ${typeof ann.category_id}) but ${catLabel} is a ${typeof category.id}; make both numbers`);
      }
      if (!categoryIds.has(ann.category_id)) fail(`${label} has category_id ${JSON.stringify(ann.category_id)?.slice(0, 20)}, which is no category in "categories" (the keypoint ${catLabel.slice('category '.length)})`);
      return; // another category (say, a face box): not ours
    }
    if (!Array.isArray(ann.keypoints)) fail(`${label} has no "keypoints" array`);
    const kp = ann.keypoints as unknown[];
    if (kp.length !== 3 * k) fail(`${label}: "keypoints" has ${kp.length} numbers; expected ${3 * k} (x, y, v for each of the ${k} keypoints of ${schema.id})`);
    const imageId = String(ann.image_id);
    if (!imageById.has(imageId)) fail(`${label}: image_id ${imageId} is not in "images"`);
    const keypoints: Keypoint[] = new Array(k);
    for (let j = 0; j < k; j++) {
      const [x, y, v] = [kp[3 * j], kp[3 * j + 1], kp[3 * j + 2]];
      const show = (v: unknown) => (typeof v === 'number' ? formatCoordinateValue(v) : (JSON.stringify(v) ?? String(v)).slice(0, 20));
      if (typeof x !== 'number' || typeof y !== 'number') fail(`${label}: keypoint ${j + 1} has non-numeric coordinates (${show(x)}, ${show(y)})`);
      if (!Number.isFinite(x) || !Number.isFinite(y)) fail(`${label}: keypoint ${j + 1} has coordinates beyond the range of a number (${show(x)}, ${show(y)})`);
      if (v !== 0 && v !== 1 && v !== 2) fail(`${label}: keypoint ${j + 1} has visibility ${JSON.stringify(v)}; expected 0, 1 or 2`);
      keypoints[order[j]] = v === 0 ? missingKeypoint() : { x: x as number, y: y as number, state: v === 1 ? 'occluded' : 'labelled' };
    }
    annotated.add(imageId);
    pending.push({ record, imageId, keypoints, annotationId: label });
  });
  let extra = anns.length;
  for (const [id] of imageById) {
    if (!annotated.has(id)) pending.push({ record: ++extra, imageId: id, keypoints: schema.keypoints.map(() => missingKeypoint()) });
  }
  pending.sort((a, b) => imageById.get(a.imageId)!.index - imageById.get(b.imageId)!.index || a.record - b.record);

  // Resolve and measure each image once, even when several annotations share it.
  const ids = [...new Set(pending.map((p) => p.imageId))];
  let done = 0;
  const infos = await mapLimit(ids, 8, async (id) => {
    throwIfCancelled(ctx);
    const img = imageById.get(id)!;
    const record = pending.find((p) => p.imageId === id)!.record;
    const where = { file, record };
    const found = await resolveImage(jsonDir, img.fileName, ctx);
    if (!found) throw new ImportError(file, record, `image id ${id}: ${excerpt(img.fileName, 80)} not found beside the JSON or in ${join(jsonDir, 'images')}`);
    const info = await readImageInfo(found, where, ctx);
    if ((typeof img.width === 'number' && img.width !== info.width) || (typeof img.height === 'number' && img.height !== info.height)) {
      // A JSON written from the stored (unrotated) size of an EXIF-rotated photo: its keypoints are in the other frame.
      const rotated = (info.orientation ?? 1) >= 5 && img.width === info.height && img.height === info.width ? ` upright (its EXIF orientation ${info.orientation} swaps the stored ${info.height}x${info.width}; give sizes and keypoints in the upright frame)` : '';
      throw new ImportError(file, record, `image id ${id}: the JSON says ${String(img.width)}x${String(img.height)} but ${found} is ${info.width}x${info.height}${rotated}`);
    }
    ctx.progress(++done, ids.length, 'reading images');
    return [id, { path: found, ...info }] as const;
  });
  const infoById = new Map(infos);
  return pending.map((p): ImportedSample => {
    const info = infoById.get(p.imageId)!;
    p.keypoints.forEach((kp, i) =>
      checkKeypointInImage(kp, schema.keypoints[i].name, info.width, info.height, { file, record: p.record, prefix: `${p.annotationId ?? ''} (image id ${p.imageId}): ` }),
    );
    return {
      source: file,
      record: p.record,
      image: { kind: 'file', path: info.path, width: info.width, height: info.height, channels: info.channels },
      groupId: groupIdFromName(info.path),
      externalId: p.imageId,
      keypoints: p.keypoints,
    };
  });
};

/** COCO visibility and the bbox of the labelled points for one sample. */
export function cocoKeypoints(keypoints: readonly Keypoint[]): { flat: number[]; numKeypoints: number; bbox: [number, number, number, number] } {
  const flat: number[] = [];
  let num = 0;
  for (const kp of keypoints) {
    if (kp.state === 'missing' || !Number.isFinite(kp.x) || !Number.isFinite(kp.y)) {
      flat.push(0, 0, 0);
      continue;
    }
    flat.push(kp.x, kp.y, kp.state === 'occluded' ? 1 : 2);
    num++;
  }
  const b = labelledBounds(keypoints);
  const bbox: [number, number, number, number] = b ? [b.x, b.y, b.width, b.height] : [0, 0, 0, 0];
  return { flat, numKeypoints: num, bbox };
}

/** The COCO document for a project; `place` writes or locates each sample's image and returns its file_name. */
async function buildCocoDoc(
  source: ExportSource,
  ctx: JobContext,
  place: (sample: ExportSample, stem: string) => Promise<string | null>,
  flagPredicted = false,
): Promise<{ doc: Record<string, unknown>; written: number }> {
  const schema = source.schema;
  const total = source.count();
  const used = new Set<string>();
  const images: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  let written = 0;
  for (const sample of source.samples()) {
    throwIfCancelled(ctx);
    const fileName = await place(sample, exportStem(sample, used));
    if (!fileName) {
      throw new KpsError('bad-input', `sample ${sample.id} (${sample.source}, record ${sample.record}) has no image; COCO needs one per sample. Export labels-only data as kaggle-csv`);
    }
    images.push({ id: sample.id, file_name: fileName, width: sample.width, height: sample.height });
    const { flat, numKeypoints, bbox } = cocoKeypoints(sample.keypoints);
    annotations.push({
      id: sample.id,
      image_id: sample.id,
      category_id: 1,
      keypoints: flat,
      num_keypoints: numKeypoints,
      bbox,
      area: bbox[2] * bbox[3],
      iscrowd: 0,
      // Extra fields (pycocotools ignores them): which values a model predicted and no person confirmed, and its confidence.
      ...(flagPredicted
        ? {
            keypoint_predicted: sample.keypoints.map((k, i) => (k.state !== 'missing' && sample.predicted?.[i] ? 1 : 0)),
            keypoint_scores: sample.keypoints.map((k, i) => (k.state !== 'missing' && sample.predicted?.[i] ? (sample.confidence?.[i] ?? null) : null)),
          }
        : {}),
    });
    written++;
    if (written % 32 === 0) ctx.progress(written, total, 'writing');
  }
  const doc = {
    info: { description: `Keypoint Studio export (${schema.title})`, version: '1.0', date_created: new Date().toISOString() },
    licenses: [],
    images,
    annotations,
    categories: [
      {
        id: 1,
        name: 'face',
        supercategory: 'face',
        keypoints: schema.keypoints.map((kp) => kp.name),
        // COCO skeletons are 1-based keypoint numbers.
        skeleton: schema.edges.map(([a, b]) => [a + 1, b + 1]),
      },
    ],
  };
  return { doc, written };
}

/**
 * COCO keypoints export, in one of two shapes:
 * - `out` ends in `.json`: that file alone for projects whose images are files (file_name is the
 *   image's path relative to the JSON's folder, so nothing is copied); embedded pixels (Kaggle) are
 *   written as PNGs into `<name>-images/` beside it.
 * - any other `out`: a self-contained folder with `annotations.json` and `images/` (copies of the
 *   image files; embedded pixels as PNG).
 */
export const exportCoco: Exporter = async (source, out, ctx, options) => {
  const flag = options?.flagPredicted === true;
  const total = source.count();
  const target = resolve(out);
  if (target.toLowerCase().endsWith('.json')) {
    const jsonDir = dirname(target);
    const imagesName = `${basename(target).slice(0, -'.json'.length)}-images`;
    let hasEmbedded = false;
    for (const s of source.samples()) {
      if (s.pixels) {
        hasEmbedded = true;
        break;
      }
    }
    const relativeName = (p: string) => relative(jsonDir, p).split(sep).join('/');
    const build = (imagesDir: string | null) =>
      buildCocoDoc(source, ctx, async (sample, stem) => {
        if (sample.pixels) {
          const name = await writeSampleImage(sample, imagesDir!, stem);
          return name && `${imagesName}/${name}`;
        }
        return sample.imagePath ? relativeName(sample.imagePath) : null;
      }, flag);
    let result: { doc: Record<string, unknown>; written: number };
    if (hasEmbedded) result = await writeFolderAtomic(join(jsonDir, imagesName), (tmp) => build(tmp));
    else result = await build(null);
    await writeFileAtomic(target, JSON.stringify(result.doc));
    ctx.progress(result.written, total, 'done');
    return { written: result.written, files: hasEmbedded ? [target, join(jsonDir, imagesName)] : [target] };
  }
  const { written } = await writeFolderAtomic(target, async (tmp) => {
    const imagesDir = join(tmp, 'images');
    await mkdir(imagesDir);
    const res = await buildCocoDoc(source, ctx, async (sample, stem) => {
      const name = await writeSampleImage(sample, imagesDir, stem);
      return name && `images/${name}`;
    }, flag);
    await writeFileAtomic(join(tmp, COCO_ANNOTATION_FILE), JSON.stringify(res.doc));
    return res;
  });
  ctx.progress(written, total, 'done');
  return { written, files: [join(target, COCO_ANNOTATION_FILE), join(target, 'images')] };
};
