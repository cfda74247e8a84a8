// The predictions file's text (kps predict --out, the Photos view's download): JSON as written, CSV with one row per point and RFC 4180 quoting.
import { describe, expect, it } from 'vitest';
import { PREDICTION_COORDINATES, PREDICTIONS_CSV_HEADER, predictionsCsv, predictionsFormatOf, predictionsJson, predictionsText, type PredictionsFile } from '../../../src-main/core/predictions.js';

const file: PredictionsFile = {
  run: 'r1',
  schema: 'kaggle-15',
  coordinates: PREDICTION_COORDINATES,
  images: [
    { file: '/p/a,b "c".jpg', width: 640, height: 480, face: { x: 10.5, y: 20, width: 100, height: 120, score: 0.987654321 }, usedFallback: false, keypoints: [{ name: 'left_eye_center', x: 1.123456789, y: 2 }, { name: 'nose_tip', x: 3, y: -0.5 }] },
    { file: '/p/none.png', width: 96, height: 96, face: null, usedFallback: false, keypoints: [] },
    { file: '/p/fb.jpg', width: 50, height: 40, face: { x: -0.5, y: -5.5, width: 50, height: 50, score: 0 }, usedFallback: true, fallbackReason: 'no face found', keypoints: [{ name: 'nose_tip', x: 24, y: 19 }] },
  ],
};

describe('predictions file text', () => {
  it('writes JSON that reads back to the same file', () => {
    expect(JSON.parse(predictionsJson(file))).toEqual(file);
    expect(predictionsText(file, 'json')).toBe(predictionsJson(file));
  });

  it('writes one CSV row per point with every figure in full precision, quoting a path with a comma or quote', () => {
    const lines = predictionsCsv(file).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(PREDICTIONS_CSV_HEADER.join(','));
    expect(lines.slice(1, -1)).toEqual([
      '"/p/a,b ""c"".jpg",left_eye_center,1.123456789,2,640,480,10.5,20,100,120,0.987654321,false,r1,kaggle-15,',
      '"/p/a,b ""c"".jpg",nose_tip,3,-0.5,640,480,10.5,20,100,120,0.987654321,false,r1,kaggle-15,',
      '/p/none.png,,,,96,96,,,,,,false,r1,kaggle-15,',
      '/p/fb.jpg,nose_tip,24,19,50,40,-0.5,-5.5,50,50,0,true,r1,kaggle-15,',
    ]);
  });

  it('picks CSV for a .csv path and JSON otherwise', () => {
    expect(predictionsFormatOf('/x/out.CSV')).toBe('csv');
    expect(predictionsFormatOf('/x/out.json')).toBe('json');
    expect(predictionsFormatOf('/x/out')).toBe('json');
  });
});
