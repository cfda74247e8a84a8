// The CLI forms scripts rely on: kps train --json (last line), kps runs, kps evaluate, kps submit, kps predict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireDataDir } from '../../helpers/data.js';
import { boxOfFlat, iouWithFace, readPtsFlat } from '../../helpers/pts.js';

let dir: string;
let project: string;
let data: string;

interface Predictions {
  run: string;
  images: { file: string; width: number; height: number; usedFallback: boolean; face: { x: number; y: number; width: number; height: number; score: number } | null; keypoints: { name: string; x: number; y: number }[] }[];
}

function kps(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/cli/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  data = join(requireDataDir(), 'kaggle-proxy');
  dir = mkdtempSync(join(tmpdir(), 'kps-train-cli-'));
  // A 120-row excerpt (in the temporary folder only) keeps each command short.
  const lines = readFileSync(join(data, 'training.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'excerpt.csv'), lines.slice(0, 121).join('\n') + '\n');
  project = join(dir, 'p.kps');
  expect(kps('new', project, '--schema', 'kaggle-15').code).toBe(0);
  expect(kps('import', project, join(dir, 'excerpt.csv'), '--format', 'kaggle-csv').code).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kps train and friends', { timeout: 600_000 }, () => {
  let runId = '';
  it('kps train --json ends with a summary line; without --json it prints the run id', () => {
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ inputSize: 32, width: 0.5, batch: 16 }));
    const r = kps('train', project, '--epochs', '2', '--config', join(dir, 'cfg.json'), '--seed', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(last.status).toBe('done');
    expect(typeof last.run).toBe('string');
    expect(typeof last.backend).toBe('string');
    expect(last.epochs).toBe(2);
    expect(last.best_val_rmse_px).toBeGreaterThan(0);
    expect(JSON.parse(lines[0]).epoch).toBe(1);
    runId = last.run as string;
    const plain = kps('train', project, '--epochs', '1', '--config', join(dir, 'cfg.json'));
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out.trim()).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
  });

  it('kps runs lists both runs; kps evaluate reports pixels per split', () => {
    const runs = JSON.parse(kps('runs', project, '--json').out) as { id: string }[];
    expect(runs.map((r) => r.id)).toContain(runId);
    expect(runs).toHaveLength(2);
    const ev = kps('evaluate', project, '--run', runId);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out).toMatch(/RMSE px/);
    expect(ev.out).toMatch(/mean-shape baseline/);
    expect(ev.out).toMatch(/left_eye_center/);
  });

  it('kps submit writes RowId,Location for every lookup row; kps predict writes keypoints per image', () => {
    const out = join(dir, 'submission.csv');
    const r = kps('submit', project, '--run', runId, '--test', join(data, 'test.csv'), '--lookup', join(data, 'IdLookupTable.csv'), '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    const lookupRows = readFileSync(join(data, 'IdLookupTable.csv'), 'utf8').trim().split('\n').length - 1;
    expect(rows[0]).toBe('RowId,Location');
    expect(rows.length - 1).toBe(lookupRows);
    expect(rows.slice(1).every((l) => /^\d+,\d+(\.\d+)?(e-?\d+)?$/.test(l))).toBe(true);
    expect(JSON.parse(r.out.trim().split('\n').at(-1)!)).toEqual({ run: runId, images: 224, rows: lookupRows, out });
    // kps submit goes through the service's runs.submit op, which never replaces a file unless asked.
    writeFileSync(out, 'an earlier submission');
    const again = kps('submit', project, '--run', runId, '--test', join(data, 'test.csv'), '--lookup', join(data, 'IdLookupTable.csv'), '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/submission\.csv already exists; pass --overwrite to replace it/);
    expect(readFileSync(out, 'utf8')).toBe('an earlier submission');
    const replaced = kps('submit', project, '--run', runId, '--test', join(data, 'test.csv'), '--lookup', join(data, 'IdLookupTable.csv'), '--out', out, '--overwrite');
    expect(replaced.code, replaced.err).toBe(0);
    expect(replaced.out).toMatch(new RegExp(`Wrote ${lookupRows} rows for 224 test images to .*submission\\.csv`));
    expect(readFileSync(out, 'utf8').trim().split('\n').length - 1).toBe(lookupRows);

    const bad = kps('train', project, '--epochs', 'many');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/epochs must be a positive integer/);
    expect(existsSync(out)).toBe(true);

    const photo = join(requireDataDir(), 'imm-face-db', '01-1m.jpg');
    const predOut = join(dir, 'predictions.json');
    // An earlier predictions file is replaced by a rename (a new file), not rewritten in place.
    writeFileSync(predOut, 'an earlier file');
    const inodeBefore = statSync(predOut).ino;
    const p = kps('predict', project, '--run', runId, photo, '--out', predOut, '--no-detect', '--json');
    expect(p.code, p.err).toBe(0);
    expect(statSync(predOut).ino).not.toBe(inodeBefore);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const preds = JSON.parse(readFileSync(predOut, 'utf8')) as Predictions;
    expect(preds.run).toBe(runId);
    expect(preds.images[0].width).toBe(640);
    expect(preds.images[0].keypoints).toHaveLength(15);
    // The whole 640x480 photo was the model's input: the points span it, mapped back from the 32x32 crop.
    for (const k of preds.images[0].keypoints) {
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.x).toBeLessThanOrEqual(639);
    }
  });

  it('kps predict with face detection on a real photo: the face found is the annotated one, and every point lies in it', () => {
    const photo = join(requireDataDir(), 'imm-face-db', '01-1m.jpg');
    const truth = boxOfFlat(readPtsFlat(join(requireDataDir(), 'imm-face-db', '01-1m.pts'), 'imm-58'));
    const predOut = join(dir, 'predictions-detect.json');
    const p = kps('predict', project, '--run', runId, photo, '--out', predOut, '--json');
    expect(p.code, p.err).toBe(0);
    const img = (JSON.parse(readFileSync(predOut, 'utf8')) as Predictions).images[0];
    // --out *.csv: the same figures, one row per point.
    const csvOut = join(dir, 'predictions-detect.csv');
    expect(kps('predict', project, '--run', runId, photo, '--out', csvOut).code).toBe(0);
    const rows = readFileSync(csvOut, 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0].slice(0, 4)).toEqual(['file', 'keypoint', 'x', 'y']);
    expect(rows.slice(1).map((r) => [r[0], r[1], Number(r[2]), Number(r[3]), Number(r[10])])).toEqual(img.keypoints.map((k) => [photo, k.name, k.x, k.y, img.face!.score]));
    expect(img.usedFallback).toBe(false);
    const f = img.face;
    expect(f).not.toBeNull();
    // The detector's box and the box of the 58 annotated landmarks are the same face: they overlap by IoU >= 0.3.
    const iou = iouWithFace(truth, f!);
    expect(iou, JSON.stringify({ face: f, truth })).toBeGreaterThanOrEqual(0.3);
    expect(img.keypoints).toHaveLength(15);
    for (const k of img.keypoints) {
      expect(k.x, k.name).toBeGreaterThanOrEqual(f!.x);
      expect(k.x, k.name).toBeLessThanOrEqual(f!.x + f!.width);
      expect(k.y, k.name).toBeGreaterThanOrEqual(f!.y);
      expect(k.y, k.name).toBeLessThanOrEqual(f!.y + f!.height);
    }
  });
});
