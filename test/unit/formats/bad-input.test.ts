// Bad input for every importer: each must throw an ImportError naming the file, the record or line, and the problem, and return nothing.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportError } from '../../../src-main/core/errors.js';
import { quietContext } from '../../../src-main/formats/common.js';
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
