// Kaggle submission writer: RowId,Location from a lookup table and predictions, with errors naming the lookup record.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportError } from '../../../src-main/core/errors.js';
import { writeKaggleSubmission } from '../../../src-main/formats/kaggle-submission.js';
import { tempDir, triSchema, writeText } from './fixtures.js';

const prediction = (base: number) => Array.from({ length: 30 }, (_, i) => base + i * 0.5);

describe('writeKaggleSubmission', () => {
  it('writes one RowId,Location line per lookup row with the predicted value of that feature', async () => {
    const dir = tempDir();
    const lookup = writeText(
      join(dir, 'IdLookupTable.csv'),
      'RowId,ImageId,FeatureName,Location\r\n1,1,left_eye_center_x,\r\n2,1,nose_tip_y,\r\n3,2,mouth_center_bottom_lip_y\r\n4,2,right_eye_center_x,\r\n',
    );
    const preds = new Map([['1', prediction(10)], ['2', prediction(20.1)]]);
    const out = join(dir, 'sub', 'submission.csv');
    const res = await writeKaggleSubmission(lookup, preds, out);
    expect(res).toEqual({ rows: 4, path: out });
    // nose_tip_y is coordinate 21, mouth_center_bottom_lip_y 29, right_eye_center_x 2.
    expect(readFileSync(out, 'utf8')).toBe(`RowId,Location\n1,10\n2,${10 + 21 * 0.5}\n3,${20.1 + 29 * 0.5}\n4,${20.1 + 2 * 0.5}\n`);
  });

  it('clips into a range when asked', async () => {
    const dir = tempDir();
    const lookup = writeText(join(dir, 'l.csv'), 'RowId,ImageId,FeatureName,Location\n1,1,left_eye_center_x,\n2,1,left_eye_center_y,\n');
    const p = prediction(0);
    p[0] = -3;
    p[1] = 120;
    const out = join(dir, 's.csv');
    await writeKaggleSubmission(lookup, new Map([['1', p]]), out, { clip: [0, 96] });
    expect(readFileSync(out, 'utf8')).toBe('RowId,Location\n1,0\n2,96\n');
  });

  it('an image without a prediction names the lookup file and record, and writes nothing', async () => {
    const dir = tempDir();
    const lookup = writeText(join(dir, 'l.csv'), 'RowId,ImageId,FeatureName,Location\n1,1,left_eye_center_x,\n2,7,left_eye_center_x,\n');
    const out = join(dir, 's.csv');
    const err = await writeKaggleSubmission(lookup, new Map([['1', prediction(1)]]), out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toBe(`${lookup}, record 2: (line 3) ImageId "7" has no prediction (predictions cover 1 images)`);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown feature name names the record', async () => {
    const dir = tempDir();
    const lookup = writeText(join(dir, 'l.csv'), 'RowId,ImageId,FeatureName,Location\n1,1,left_ear_x,\n');
    await expect(writeKaggleSubmission(lookup, new Map([['1', prediction(1)]]), join(dir, 's.csv'))).rejects.toThrow(
      /record 1: \(line 2\) FeatureName "left_ear_x" is not a keypoint coordinate of schema kaggle-15/,
    );
  });

  it('a NaN prediction, a wrong-length prediction and a wrong header are refused', async () => {
    const dir = tempDir();
    const lookup = writeText(join(dir, 'l.csv'), 'RowId,ImageId,FeatureName,Location\n1,1,left_eye_center_y,\n');
    const p = prediction(1);
    p[1] = NaN;
    await expect(writeKaggleSubmission(lookup, new Map([['1', p]]), join(dir, 's.csv'))).rejects.toThrow(/ImageId 1, left_eye_center_y is NaN, not a number/);
    await expect(writeKaggleSubmission(lookup, new Map([['1', [1, 2]]]), join(dir, 's.csv'))).rejects.toThrow(/has 2 numbers; expected 30/);
    const bad = writeText(join(dir, 'b.csv'), 'Id,ImageId,FeatureName,Location\n1,1,left_eye_center_y,\n');
    await expect(writeKaggleSubmission(bad, new Map([['1', prediction(1)]]), join(dir, 's.csv'))).rejects.toThrow(/wrong header: column 1 is "Id" but should be "RowId"/);
  });

  it('works with another schema by its keypoint names', async () => {
    const dir = tempDir();
    const lookup = writeText(join(dir, 'l.csv'), 'RowId,ImageId,FeatureName,Location\n1,a,nose_y,\n');
    const out = join(dir, 's.csv');
    await writeKaggleSubmission(lookup, new Map([['a', [1, 2, 3, 4, 5, 6]]]), out, { schema: triSchema });
    expect(readFileSync(out, 'utf8')).toBe('RowId,Location\n1,6\n');
  });
});
