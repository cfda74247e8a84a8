// `kps import` warns when photos that are not 96x96 enter a Kaggle project; `kps export` fails naming such a sample
// (and the flag that helps), or skips or crops them with --other-sizes, and exports subsets (--ids, --split, --tag).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireDataDir } from '../../helpers/data.js';

const MAIN = join(repoRoot, 'src-main', 'cli', 'main.ts');

function kps(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rowsOf = (f: string) => readFileSync(f, 'utf8').trim().split('\n').slice(1);

let dir: string;
let project: string;

beforeAll(() => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-cli-fit-'));
  project = join(dir, 'k.kps');
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  writeFileSync(join(dir, 'tiny.csv'), lines.slice(0, 6).join('\n') + '\n');
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  copyFileSync(join(data, 'imm-face-db', '01-1m.jpg'), join(photos, '01-1m.jpg'));
  const pts = readFileSync(join(data, 'imm-face-db', '01-1m.pts'), 'utf8').split('\n').filter((l) => /^\s*[\d.]+\s+[\d.]+\s*$/.test(l));
  writeFileSync(join(photos, '01-1m.pts'), `version: 1\nn_points: 15\n{\n${pts.slice(0, 15).join('\n')}\n}\n`);
  expect(kps('new', project, '--schema', 'kaggle-15').code).toBe(0);
  const csv = kps('import', project, join(dir, 'tiny.csv'), '--format', 'kaggle-csv');
  expect(csv.code, csv.stderr).toBe(0);
  expect(csv.stderr).not.toMatch(/warning/);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kps import / export with images that are not 96x96', () => {
  it('import prints a warning naming the photo, and succeeds', () => {
    const r = kps('import', project, join(dir, 'photos'), '--format', 'pts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Imported 1 samples/);
    expect(r.stderr).toMatch(/^warning: sample 6 \(.*01-1m\.pts\) is 640x480: a Kaggle CSV export holds 96x96 grey images only/m);
  });

  it('export fails naming the sample and --other-sizes; skip and crop work; subsets choose the rows', () => {
    const out = join(dir, 'a.csv');
    const fail = kps('export', project, out, '--format', 'kaggle-csv');
    expect(fail.code).not.toBe(0);
    expect(fail.stderr).toMatch(/sample 6 \(.*01-1m\.pts, record 1\) is 640x480; .*Pass --other-sizes skip or --other-sizes crop/);
    expect(existsSync(out)).toBe(false);

    const skip = kps('export', project, out, '--format', 'kaggle-csv', '--other-sizes', 'skip');
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stdout).toMatch(/^Exported 5 samples to .*; skipped 1 not 96x96 \(ids 6\)$/m);
    expect(rowsOf(out)).toHaveLength(5);

    const crop = kps('export', project, out, '--format', 'kaggle-csv', '--other-sizes', 'crop', '--overwrite');
    expect(crop.code, crop.stderr).toBe(0);
    expect(crop.stdout).toMatch(/; cropped 1 to 96x96 grey$/m);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(6);
    expect(rows[5].split(',')[30].split(' ')).toHaveLength(96 * 96);

    const sub = kps('export', project, join(dir, 'ids.csv'), '--format', 'kaggle-csv', '--ids', '2,4-5', '--json');
    expect(sub.code, sub.stderr).toBe(0);
    expect(JSON.parse(sub.stdout)).toMatchObject({ written: 3, selected: 3, subset: '3 selected ids' });
    expect(rowsOf(join(dir, 'ids.csv'))).toEqual(rowsOf(out).filter((_, i) => [1, 3, 4].includes(i)));

    const none = kps('export', project, join(dir, 'none.csv'), '--format', 'kaggle-csv', '--split', 'test');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/export subset \(stored split test\) matches no sample; nothing was written/);
    const bad = kps('export', project, join(dir, 'none.csv'), '--format', 'coco', '--run-split', 'nocolon');
    expect(bad.stderr).toMatch(/--run-split "nocolon": give <run id>:<train\|val\|test>/);
  });
});
