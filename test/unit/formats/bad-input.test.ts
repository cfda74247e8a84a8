// Bad input for every importer: each must throw an ImportError naming the file, the record or line, and the problem, and return nothing.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImportError } from '../../../src-main/core/errors.js';
import { ioProblem, quietContext } from '../../../src-main/formats/common.js';
import { importers } from '../../../src-main/formats/index.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { asfText, cocoDoc, greyPixels, kaggleHeader, kaggleRow, ptsText, tempDir, triSchema, writePng, writeText } from './fixtures.js';

const kaggle = loadBuiltinSchema('kaggle-15');
const ctx = quietContext();
const coords = (base: number) => Array.from({ length: 30 }, (_, i) => base + i / 4);

/** Await the import and return its ImportError; fail the test if it resolved (i.e. returned samples). */
async function importError(run: Promise<ImportedSample[]>): Promise<ImportError> {
  let returned: ImportedSample[] | null = null;
  try {
    returned = await run;
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    return err as ImportError;
  }
  throw new Error(`expected an ImportError, but the importer returned ${returned?.length} samples`);
}

function expectWhere(err: ImportError, file: string, record: number | undefined, problem: RegExp) {
  expect(err.file).toBe(file);
  expect(err.record).toBe(record);
  expect(err.message).toContain(file);
  if (record !== undefined) expect(err.message).toMatch(new RegExp(`(record|line) ${record}\\b`));
  expect(err.message).toMatch(problem);
  expect(err.toShape()).toMatchObject({ code: 'bad-input', file });
}

describe('Kaggle CSV bad input', () => {
  it('a row with a short pixel string names the record and the pixel count', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), kaggleRow(coords(10), greyPixels(1)), kaggleRow(coords(11), greyPixels(2, 9000)), ''].join('\n'));
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, 2, /\(line 3\) column Image has 9000 pixels; expected 9216 \(96x96\)/);
  });

  it('a non-numeric coordinate names the record, the column and the text', async () => {
    const dir = tempDir();
    const bad: (number | string)[] = coords(10);
    bad[3] = 'abc';
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), kaggleRow(bad, greyPixels(1)), ''].join('\n'));
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, 1, /column right_eye_center_y: "abc" is not a number/);
  });

  it('hex, Infinity and blanks inside a number are not accepted as coordinates', async () => {
    for (const text of ['0x10', 'Infinity', '1 2', '--1']) {
      const dir = tempDir();
      const bad: (number | string)[] = coords(10);
      bad[0] = text;
      const file = writeText(join(dir, 'labels.csv'), [kaggleHeader(kaggle, false), kaggleRow(bad), ''].join('\n'));
      const err = await importError(importers['kaggle-labels'](file, kaggle, ctx));
      expectWhere(err, file, 1, /column left_eye_center_x: .* is not a number/);
    }
  });

  it('a wrong header says which column is wrong', async () => {
    const dir = tempDir();
    const header = kaggleHeader(kaggle).replace('right_eye_center_x', 'right_eye_centre_x');
    const file = writeText(join(dir, 'training.csv'), [header, kaggleRow(coords(10), greyPixels(1)), ''].join('\n'));
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, undefined, /wrong header: column 3 is "right_eye_centre_x" but should be "right_eye_center_x"/);
  });

  it('a test.csv given as training data gets a wrong-header error that names the right format', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'test.csv'), ['ImageId,Image', `1,${greyPixels(1).join(' ')}`, ''].join('\n'));
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, undefined, /wrong header: has 2 columns, expected 31\. This is a Kaggle test\.csv .* kaggle-test-csv/);
  });

  it('an empty file is refused as empty', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'training.csv'), '');
    for (const format of ['kaggle-csv', 'kaggle-test-csv', 'kaggle-labels'] as const) {
      const err = await importError(importers[format](file, kaggle, ctx));
      expectWhere(err, file, undefined, /is empty/);
    }
  });

  it('a file cut mid-row (inside the pixels) names the last record', async () => {
    const dir = tempDir();
    const full = [kaggleHeader(kaggle), kaggleRow(coords(10), greyPixels(1)), kaggleRow(coords(11), greyPixels(2)), kaggleRow(coords(12), greyPixels(3))].join('\n');
    const file = writeText(join(dir, 'training.csv'), full.slice(0, full.length - 20000));
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, 3, /\(line 4\) column Image has \d+ pixels; expected 9216/);
  });

  it('a file cut mid-row (inside the coordinates) says the row is cut short', async () => {
    const dir = tempDir();
    const full = [kaggleHeader(kaggle), kaggleRow(coords(10), greyPixels(1)), kaggleRow(coords(11), greyPixels(2))].join('\n');
    const cut = full.slice(0, full.lastIndexOf('\n') + 60);
    const file = writeText(join(dir, 'training.csv'), cut);
    const err = await importError(importers['kaggle-csv'](file, kaggle, ctx));
    expectWhere(err, file, 2, /has \d+ of 31 columns; the row is cut short/);
  });

  it('a grey level above 255 or with a decimal point is refused', async () => {
    const dir = tempDir();
    const px = greyPixels(1).map(String);
    px[100] = '256';
    const file = writeText(join(dir, 'training.csv'), [kaggleHeader(kaggle), `${kaggleRow(coords(1))},${px.join(' ')}`, ''].join('\n'));
    expectWhere(await importError(importers['kaggle-csv'](file, kaggle, ctx)), file, 1, /pixel 101 is 256; grey levels must be integers from 0 to 255/);
    px[100] = '25.5';
    writeText(file, [kaggleHeader(kaggle), `${kaggleRow(coords(1))},${px.join(' ')}`, ''].join('\n'));
    expectWhere(await importError(importers['kaggle-csv'](file, kaggle, ctx)), file, 1, /unexpected character "\." after pixel 100/);
  });

  it('x without y is refused rather than guessed', async () => {
    const dir = tempDir();
    const half: (number | null)[] = coords(10);
    half[21] = null; // nose_tip_y
    const file = writeText(join(dir, 'labels.csv'), [kaggleHeader(kaggle, false), kaggleRow(half), ''].join('\n'));
    expectWhere(await importError(importers['kaggle-labels'](file, kaggle, ctx)), file, 1, /nose_tip: nose_tip_y is empty but nose_tip_x is 15; give both or neither/);
  });

  it('a repeated ImageId in test.csv is refused', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'test.csv'), ['ImageId,Image', `7,${greyPixels(1).join(' ')}`, `7,${greyPixels(2).join(' ')}`, ''].join('\n'));
    expectWhere(await importError(importers['kaggle-test-csv'](file, kaggle, ctx)), file, 2, /ImageId 7 repeats record 1/);
  });
});

describe('point files and COCO bad input', () => {
  it('a .pts with fewer points than n_points', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'face.png'), 20, 20);
    const file = writeText(join(dir, 'face.pts'), ptsText([[2, 3], [4, 5]], 3));
    const err = await importError(importers.pts(dir, triSchema, ctx));
    expectWhere(err, file, 6, /has 2 points but n_points says 3/);
    expect(err.message).toContain('line 6');
  });

  it('a .pts with a word where a number should be names the line', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'face.png'), 20, 20);
    const file = writeText(join(dir, 'face.pts'), 'version: 1\nn_points: 3\n{\n1 2\n3 x\n5 6\n}\n');
    expectWhere(await importError(importers.pts(dir, triSchema, ctx)), file, 5, /"3 x" is not two numbers/);
  });

  it('a .pts without an image beside it', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'lonely.pts'), ptsText([[2, 3], [4, 5], [6, 7]]));
    expectWhere(await importError(importers.pts(dir, triSchema, ctx)), file, undefined, /no image beside it: looked for lonely with \.jpg/);
  });

  it('an .asf whose host image is missing names the .asf, the line and the image', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, '01_01.asf'), asfText([[0.2, 0.3], [0.6, 0.3], [0.4, 0.5]], '01_01.jpg'));
    const err = await importError(importers.asf(dir, triSchema, ctx));
    expectWhere(err, file, 16, /host image "01_01\.jpg" does not exist \(looked for .*01_01\.jpg\)/);
  });

  it('an .asf with the wrong point count for the schema', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 10, 10);
    const file = writeText(join(dir, 'a.asf'), asfText([[0.2, 0.3], [0.6, 0.3]], 'a.png'));
    expectWhere(await importError(importers.asf(dir, triSchema, ctx)), file, 4, /has 2 points but the project schema tri-3 has 3 keypoints/);
  });

  it('a COCO file with keypoints of the wrong length names the annotation', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 30, 20);
    const file = writeText(
      join(dir, 'coco.json'),
      cocoDoc(triSchema, [{ id: 1, file_name: 'a.png', width: 30, height: 20 }], [
        { id: 10, image_id: 1, keypoints: [1, 2, 2, 3, 4, 2, 5, 6, 2] },
        { id: 11, image_id: 1, keypoints: [1, 2, 2, 3, 4, 2] },
      ]),
    );
    const err = await importError(importers.coco(file, triSchema, ctx));
    expectWhere(err, file, 2, /annotation id 11: "keypoints" has 6 numbers; expected 9/);
  });

  it('a COCO file that is not JSON', async () => {
    const dir = tempDir();
    const file = writeText(join(dir, 'coco.json'), '{"images": [');
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, undefined, /is not valid JSON/);
  });

  it('a COCO image whose size differs from its JSON entry', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'images'));
    await writePng(join(dir, 'images', 'a.png'), 30, 20);
    const file = writeText(join(dir, 'coco.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'a.png', width: 40, height: 20 }], [{ id: 5, image_id: 1, keypoints: [1, 2, 2, 3, 4, 2, 5, 6, 2] }]));
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, 1, /the JSON says 40x20 but .*a\.png is 30x20/);
  });

  it('a path that does not exist, for every format', async () => {
    const missing = join(tempDir(), 'nowhere', 'data');
    for (const format of ['kaggle-csv', 'kaggle-test-csv', 'kaggle-labels', 'pts', 'asf', 'coco'] as const) {
      const err = await importError(importers[format](missing, format.startsWith('kaggle') ? kaggle : triSchema, ctx));
      expectWhere(err, missing, undefined, /does not exist/);
    }
  });

  it('a 0-byte image beside a .pts', async () => {
    const dir = tempDir();
    const image = join(dir, 'face.jpg');
    writeFileSync(image, '');
    const pts = writeText(join(dir, 'face.pts'), ptsText([[2, 3], [4, 5], [6, 7]]));
    const err = await importError(importers.pts(dir, triSchema, ctx));
    expectWhere(err, pts, undefined, /image .*face\.jpg is empty \(0 bytes\)/);
  });

  it('a 0-byte image with no labels names the image itself', async () => {
    const dir = tempDir();
    const image = join(dir, 'blank.jpg');
    writeFileSync(image, '');
    expectWhere(await importError(importers.pts(dir, triSchema, ctx)), image, undefined, /is empty \(0 bytes\)/);
  });

  it('a non-image file named .jpg (as a COCO image and as an .asf host)', async () => {
    const dir = tempDir();
    writeText(join(dir, 'fake.jpg'), 'this is not a JPEG, just text\n');
    const coco = writeText(join(dir, 'coco.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'fake.jpg', width: 10, height: 10 }], [{ id: 1, image_id: 1, keypoints: [1, 2, 2, 3, 4, 2, 5, 6, 2] }]));
    const err = await importError(importers.coco(coco, triSchema, ctx));
    expectWhere(err, coco, 1, /image .*fake\.jpg is not a readable image/);
    const asf = writeText(join(dir, 'fake.asf'), asfText([[0.2, 0.3], [0.6, 0.3], [0.4, 0.5]], 'fake.jpg'));
    const err2 = await importError(importers.asf(asf, triSchema, ctx));
    expectWhere(err2, asf, 16, /host image "fake\.jpg" is not a readable image/);
  });
});

/** A named pipe at `path` (mkfifo): nothing ever writes to it, so a plain read would wait for ever. */
function makeFifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** The importer settles (with an error) well before the test's own timeout, or this throws. */
async function importErrorWithin(run: Promise<ImportedSample[]>, ms = 5000): Promise<ImportError> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the import did not settle within ${ms} ms (blocked on a read?)`)), ms);
  });
  try {
    return await Promise.race([importError(run), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const triPoints = (kp: number[][]) => kp.flatMap(([x, y]) => [x, y, 2]);

describe('COCO categories and keypoint names (issue 12, item 3)', () => {
  async function cocoWith(categories: unknown[], annotations: Record<string, unknown>[]): Promise<string> {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 30, 20);
    return writeText(join(dir, 'coco.json'), JSON.stringify({ images: [{ id: 1, file_name: 'a.png', width: 30, height: 20 }], annotations, categories }));
  }
  const names = triSchema.keypoints.map((k) => k.name);
  const ann = (extra: Record<string, unknown>) => ({ id: 7, image_id: 1, keypoints: triPoints([[1, 2], [3, 4], [5, 6]]), ...extra });

  it('a category without "id" while annotations name category_id 1 is refused, naming the category', async () => {
    const file = await cocoWith([{ name: 'face', keypoints: names }], [ann({ category_id: 1 })]);
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, 1, /annotation id 7 has category_id 1 but category "face" \(id missing\) has no "id"/);
  });

  it('a category id "1" (a string) against category_id 1 (a number) is refused, not silently dropped', async () => {
    const file = await cocoWith([{ id: '1', name: 'face', keypoints: names }], [ann({ category_id: 1 })]);
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, 1, /category_id 1 \(a number\) but category "face" \(id "1"\) is a string/);
  });

  it('an annotation whose category_id is no category at all is refused', async () => {
    const file = await cocoWith([{ id: 1, name: 'face', keypoints: names }], [ann({ category_id: 3 })]);
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, 1, /category_id 3, which is no category in "categories"/);
  });

  it('annotations of another real category (a face box) are still skipped', async () => {
    const file = await cocoWith([{ id: 1, name: 'face', keypoints: names }, { id: 2, name: 'box' }], [ann({ category_id: 2, keypoints: undefined }), ann({ id: 8, category_id: 1 })]);
    const samples = await importers.coco(file, triSchema, ctx);
    expect(samples.map((s) => s.record)).toEqual([2]);
  });

  it('unknown keypoint names are refused, naming the category and the names that do not match', async () => {
    const file = await cocoWith([{ id: 1, name: 'face', keypoints: ['left_eye', 'r_eye', 'nose_tip'] }], [ann({ category_id: 1 })]);
    const err = await importError(importers.coco(file, triSchema, ctx));
    expectWhere(err, file, undefined, /category "face" \(id 1\): 2 of its 3 keypoint names are not in the project schema tri-3: "r_eye", "nose_tip"; the schema's right_eye, nose are not in the category/);
  });

  it('a name given twice (partly swapped names) is refused instead of falling back to position order', async () => {
    const file = await cocoWith([{ id: 1, name: 'face', keypoints: ['left_eye', 'left_eye', 'nose'] }], [ann({ category_id: 1 })]);
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, undefined, /category "face" \(id 1\): keypoint name "left_eye" appears twice \(positions 1 and 2\)/);
    const twice = await cocoWith([{ id: 1, name: 'face', keypoints: ['left_eye', 'nose', 'nose'] }], [ann({ category_id: 1 })]);
    expectWhere(await importError(importers.coco(twice, triSchema, ctx)), twice, undefined, /category "face" \(id 1\)/);
  });

  it('the same names in another order are mapped by name', async () => {
    const file = await cocoWith([{ id: 1, name: 'face', keypoints: ['nose', 'left_eye', 'right_eye'] }], [ann({ category_id: 1 })]);
    const [s] = await importers.coco(file, triSchema, ctx);
    expect(s.keypoints.map((k) => [k.x, k.y])).toEqual([[3, 4], [5, 6], [1, 2]]);
  });

  it('1e309 in a COCO file is reported as beyond the range of a number, not as "null"', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 30, 20);
    const file = writeText(
      join(dir, 'coco.json'),
      `{"images":[{"id":1,"file_name":"a.png"}],"annotations":[{"id":4,"image_id":1,"category_id":1,"keypoints":[1e309,2,2,3,4,2,5,6,2]}],"categories":[{"id":1,"name":"face","keypoints":${JSON.stringify(names)}}]}`,
    );
    const err = await importError(importers.coco(file, triSchema, ctx));
    expectWhere(err, file, 1, /keypoint 1 has coordinates beyond the range of a number \(Infinity, 2\)/);
    expect(err.message).not.toContain('null');
  });
});

describe('coordinates outside the image (issue 12, item 4)', () => {
  const csvWith = (value: string, column = 0) => {
    const dir = tempDir();
    const cells: (number | string)[] = coords(10);
    cells[column] = value;
    return writeText(join(dir, 'labels.csv'), [kaggleHeader(kaggle, false), kaggleRow(coords(20)), kaggleRow(cells), ''].join('\n'));
  };

  it('CSV: 500, -15 and 1e300 on a 96x96 image are refused naming the file, record and keypoint', async () => {
    for (const [value, column, re] of [
      ['500', 0, /\(line 3\) keypoint left_eye_center: x 500 is outside -10\.1\.\.105\.1 for a 96x96 image/],
      ['-15', 3, /\(line 3\) keypoint right_eye_center: y -15 is outside -10\.1\.\.105\.1/],
      ['1e300', 21, /\(line 3\) keypoint nose_tip: y 1e\+300 is outside/],
    ] as const) {
      const file = csvWith(value, column);
      expectWhere(await importError(importers['kaggle-labels'](file, kaggle, ctx)), file, 2, re);
    }
  });

  it('CSV: 1e309 is named as too large, not as some other text', async () => {
    const file = csvWith('1e309', 0);
    expectWhere(await importError(importers['kaggle-labels'](file, kaggle, ctx)), file, 2, /column left_eye_center_x: "1e309" is too large for a number/);
  });

  it('CSV: points just outside the frame, within the documented margin, import as given', async () => {
    const file = csvWith('-5.5', 0);
    const samples = await importers['kaggle-labels'](csvWith('103.2607', 1), kaggle, ctx);
    expect(samples[1].keypoints[0].y).toBe(103.2607);
    expect((await importers['kaggle-labels'](file, kaggle, ctx))[1].keypoints[0].x).toBe(-5.5);
  });

  it('.pts: (-300, 99999) is refused naming the .pts, its line and the keypoint', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'face.png'), 40, 30);
    const file = writeText(join(dir, 'face.pts'), ptsText([[2, 3], [-300, 99999], [6, 7]]));
    const err = await importError(importers.pts(dir, triSchema, ctx));
    expectWhere(err, file, 5, /point 2 \(keypoint right_eye\) "-300 99999" lies outside the image: x -301 is outside -4\.5\.\.43\.5 and y 99998 is outside -3.5..32.5 for a 40x30 image/);
  });

  it('COCO: a point outside its image is refused naming the annotation, image and keypoint', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 30, 20);
    const file = writeText(join(dir, 'coco.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'a.png', width: 30, height: 20 }], [{ id: 9, image_id: 1, keypoints: triPoints([[1, 2], [3, 4], [5, 60]]) }]));
    expectWhere(await importError(importers.coco(file, triSchema, ctx)), file, 1, /annotation id 9 \(image id 1\): keypoint nose: y 60 is outside -2\.5\.\.21\.5 for a 30x20 image/);
  });

  it('.asf: relative coordinates of 1.5 are refused once the image size is known', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 10, 10);
    const file = writeText(join(dir, 'a.asf'), asfText([[0.2, 0.3], [1.5, 0.3], [0.4, 0.5]], 'a.png'));
    expectWhere(await importError(importers.asf(dir, triSchema, ctx)), file, 10, /point 1 \(relative 1\.5, 0\.3\): keypoint right_eye: x 15 is outside -1\.5\.\.10\.5 for a 10x10 image/);
  });
});

describe('files that are not regular files, and other messages (issue 12, items 6 and more)', () => {
  it('a named pipe as the import file is refused at once, for every format', async () => {
    const dir = tempDir();
    for (const [format, name] of [['kaggle-csv', 'a.csv'], ['kaggle-test-csv', 'b.csv'], ['kaggle-labels', 'c.csv'], ['coco', 'd.json'], ['pts', 'e.pts'], ['asf', 'f.asf']] as const) {
      const fifo = makeFifo(join(dir, name));
      const err = await importErrorWithin(importers[format](fifo, format.startsWith('kaggle') ? kaggle : triSchema, ctx));
      expectWhere(err, fifo, undefined, /is a named pipe \(FIFO\), not a regular file/);
    }
  });

  it('a named pipe inside a .pts folder (as a .pts or as an image) is refused by name', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 20, 20);
    const fifo = makeFifo(join(dir, 'a.pts'));
    expectWhere(await importErrorWithin(importers.pts(dir, triSchema, ctx)), fifo, undefined, /named pipe/);
    const dir2 = tempDir();
    writeText(join(dir2, 'b.pts'), ptsText([[2, 3], [4, 5], [6, 7]]));
    makeFifo(join(dir2, 'b.png'));
    const err = await importErrorWithin(importers.pts(dir2, triSchema, ctx));
    expectWhere(err, join(dir2, 'b.pts'), undefined, /image .*b\.png is a named pipe/);
  });

  it('a COCO image that is a named pipe is refused, not waited on', async () => {
    const dir = tempDir();
    makeFifo(join(dir, 'a.png'));
    const file = writeText(join(dir, 'coco.json'), cocoDoc(triSchema, [{ id: 1, file_name: 'a.png', width: 30, height: 20 }], [{ id: 9, image_id: 1, keypoints: triPoints([[1, 2], [3, 4], [5, 6]]) }]));
    expectWhere(await importErrorWithin(importers.coco(file, triSchema, ctx)), file, 1, /image .*a\.png is a named pipe/);
  });

  it('CR-only line endings are named as such (CSV and .pts), not as a 64 kB header', async () => {
    const dir = tempDir();
    const rows = [kaggleHeader(kaggle, false), ...Array.from({ length: 3000 }, (_, i) => kaggleRow(coords(i % 50)))];
    const csv = writeText(join(dir, 'labels.csv'), rows.join('\r'));
    expectWhere(await importError(importers['kaggle-labels'](csv, kaggle, ctx)), csv, undefined, /CR-only line endings/);
    await writePng(join(dir, 'face.png'), 20, 20);
    const pts = writeText(join(dir, 'face.pts'), ptsText([[2, 3], [4, 5], [6, 7]]).replace(/\n/g, '\r'));
    expectWhere(await importError(importers.pts(dir, triSchema, ctx)), pts, undefined, /CR-only line endings/);
  });

  it('UTF-16 files get an encoding hint (CSV with and without a BOM, .pts, COCO)', async () => {
    const dir = tempDir();
    const text = [kaggleHeader(kaggle, false), kaggleRow(coords(10)), ''].join('\n');
    const bom = join(dir, 'bom.csv');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expectWhere(await importError(importers['kaggle-labels'](bom, kaggle, ctx)), bom, undefined, /is UTF-16 text \(byte-order mark FF FE\); save it as UTF-8/);
    const bare = join(dir, 'bare.csv');
    writeFileSync(bare, Buffer.from(text, 'utf16le'));
    expectWhere(await importError(importers['kaggle-labels'](bare, kaggle, ctx)), bare, undefined, /looks like UTF-16 text without a byte-order mark/);
    await writePng(join(dir, 'face.png'), 20, 20);
    const pts = join(dir, 'face.pts');
    writeFileSync(pts, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(ptsText([[2, 3], [4, 5], [6, 7]]), 'utf16le').swap16()]));
    expectWhere(await importError(importers.pts(dir, triSchema, ctx)), pts, undefined, /UTF-16 text \(byte-order mark FE FF\)/);
    const coco = join(dir, 'coco.json');
    writeFileSync(coco, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(cocoDoc(triSchema, [], []), 'utf16le')]));
    expectWhere(await importError(importers.coco(coco, triSchema, ctx)), coco, undefined, /UTF-16/);
  });

  it('.pts folders follow symbolic links to files and folders (a link loop is walked once)', async () => {
    const real = tempDir();
    await writePng(join(real, 'a.png'), 20, 20);
    writeText(join(real, 'a.pts'), ptsText([[2, 3], [4, 5], [6, 7]]));
    mkdirSync(join(real, 'sub'));
    await writePng(join(real, 'sub', 'b.png'), 20, 20);
    writeText(join(real, 'sub', 'b.pts'), ptsText([[3, 3], [4, 5], [6, 7]]));
    const dir = tempDir();
    symlinkSync(join(real, 'a.png'), join(dir, 'a.png'));
    symlinkSync(join(real, 'a.pts'), join(dir, 'a.pts'));
    symlinkSync(join(real, 'sub'), join(dir, 'linked'));
    symlinkSync(dir, join(dir, 'linked', 'loop'));
    const samples = await importers.pts(dir, triSchema, ctx);
    expect(samples.map((s) => s.source.slice(dir.length + 1))).toEqual(['a.pts', 'linked/b.pts']);
    expect(samples[1].keypoints[0]).toEqual({ x: 2, y: 2, state: 'labelled' });
  });

  it('an .asf point count in hex (or with an exponent) is refused', async () => {
    const dir = tempDir();
    await writePng(join(dir, 'a.png'), 10, 10);
    for (const count of ['0x3', '3e0', '+3']) {
      const file = writeText(join(dir, 'a.asf'), asfText([[0.2, 0.3], [0.6, 0.3], [0.4, 0.5]], 'a.png').replace('\n3\n', `\n${count}\n`));
      expectWhere(await importError(importers.asf(dir, triSchema, ctx)), file, 4, /expected the number of points as a decimal integer/);
    }
    const pts = writeText(join(tempDir(), 'x.pts'), ptsText([[2, 3], [4, 5], [6, 7]]).replace('n_points: 3', 'n_points: 0x3'));
    expectWhere(await importError(importers.pts(pts, triSchema, ctx)), pts, 2, /n_points must be a positive decimal integer/);
  });

  it('a JPEG cut at 2 kB (or cut short near its end) is refused as damaged, naming the .pts and the image', async () => {
    const dir = tempDir();
    // A noisy picture, so that the JPEG is well over 2 kB.
    const noise = Buffer.from(Array.from({ length: 200 * 160 * 3 }, (_, i) => (i * 2654435761) >>> 24));
    const image = join(dir, 'face.jpg');
    await sharp(noise, { raw: { width: 200, height: 160, channels: 3 } }).jpeg().toFile(image);
    const full = readFileSync(image);
    expect(full.length).toBeGreaterThan(8192);
    const pts = writeText(join(dir, 'face.pts'), ptsText([[2, 3], [4, 5], [6, 7]]));
    for (const cut of [2048, full.length - 64]) {
      writeFileSync(image, full.subarray(0, cut));
      const err = await importError(importers.pts(dir, triSchema, ctx));
      expectWhere(err, pts, undefined, new RegExp(`image .*face\\.jpg is damaged or cut short \\(${cut} bytes`));
    }
    writeFileSync(image, full);
    expect((await importers.pts(dir, triSchema, ctx))[0].image.width).toBe(200);
  });

  it('file system errors read as sentences: permission denied, input/output error', () => {
    const err = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    expect(ioProblem(err('EACCES'))).toBe("cannot be read: permission denied (check the file's permissions)");
    expect(ioProblem(err('EPERM'))).toMatch(/permission denied/);
    expect(ioProblem(err('EIO'))).toMatch(/input\/output error/);
    expect(ioProblem(err('ENOENT'))).toBe('does not exist');
  });
});
