// `kps qc` end to end in a child process: JSON array in rank order with sample, source, record, score, reasons; text output; one-line errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireDataDir } from '../../helpers/data.js';
import { injectKaggleErrors, type InjectedError } from '../../../src-main/qc/inject.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { openProject } from '../../../src-main/store/project.js';

const MAIN = join(repoRoot, 'src-main', 'cli', 'main.ts');
function kps(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let project: string;
let errors: InjectedError[];

beforeAll(() => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-qc-cli-'));
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  const injected = injectKaggleErrors(lines.slice(0, 201).join('\n') + '\n', loadBuiltinSchema('kaggle-15'), 'training.csv', { seed: 5 });
  errors = injected.errors;
  writeFileSync(join(dir, 'training.csv'), injected.csv);
  project = join(dir, 'p.kps');
  expect(kps('new', project, '--schema', 'kaggle-15').code).toBe(0);
  expect(kps('import', project, join(dir, 'training.csv'), '--format', 'kaggle-csv').code).toBe(0);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kps qc', () => {
  it('--json prints one JSON array in rank order with sample, source, record, score and reasons', () => {
    const r = kps('qc', project, '--no-model', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const list = JSON.parse(r.stdout) as { sample: number; source: string; record: number; score: number; reasons: string[]; kinds: string[] }[];
    expect(list).toHaveLength(200);
    for (const e of list) {
      expect(Number.isInteger(e.sample)).toBe(true);
      expect(e.source).toMatch(/training\.csv$/);
      expect(e.record).toBeGreaterThanOrEqual(1);
      expect(e.record).toBeLessThanOrEqual(200);
      expect(typeof e.score).toBe('number');
      expect(Array.isArray(e.reasons)).toBe(true);
    }
    const scores = list.map((e) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The first entries are injected errors and say why; the swaps are named as such.
    const injected = new Map(errors.map((e) => [e.record, e.kind]));
    const swaps = errors.filter((e) => e.kind === 'swap').length;
    for (const e of list.slice(0, swaps)) {
      expect(injected.get(e.record)).toBe('swap');
      expect(e.reasons[0]).toMatch(/^left\/right swap/);
    }
  }, 180_000);

  it('prints a readable ranked list by default, and fails with one line for a bad project or run', () => {
    const r = kps('qc', project, '--no-model', '--limit', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^QC of 200 samples \(0 dismissed\); model evidence: none/);
    expect(r.stdout).toMatch(/\n {3}1\. sample \d+ \(.*training\.csv record \d+\)  score \d+\.\d\d\n {8}- left\/right swap/);
    expect(r.stdout).toMatch(/\.\.\. 197 more/);
    const missing = kps('qc', join(dir, 'nope.kps'), '--no-model');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^kps: error: .*nope\.kps/);
    const noRun = kps('qc', project, '--run', 'no-such-run');
    expect(noRun.code).not.toBe(0);
    expect(noRun.stderr).toMatch(/^kps: error: .*no-such-run/);
  }, 180_000);

  it('kps export ends with a summary of what changed since import, by provenance', () => {
    const clean = kps('export', project, join(dir, 'clean.csv'), '--format', 'kaggle-csv');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/\nChanges since import: none\n$/);
    const store = openProject(project);
    try {
      const s = store.getSample(store.sampleIds({})[0]);
      const k = s.keypoints.findIndex((p) => p.state !== 'missing');
      store.setLabels(s.id, [{ index: k, x: s.keypoints[k].x + 1, y: s.keypoints[k].y, state: 'labelled' }], 'annotator:bob');
    } finally {
      store.close();
    }
    const r = kps('export', project, join(dir, 'out.csv'), '--format', 'kaggle-csv');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Changes since import: 1 samples changed; 1 keypoints edited, 0 filled, 0 made missing; 0 samples deleted \(by annotator:bob: 1 edited, 0 filled, 0 made missing\)/);
    const j = kps('export', project, join(dir, 'out2.csv'), '--format', 'kaggle-csv', '--json');
    expect(JSON.parse(j.stdout).changes).toMatchObject({ samplesChanged: 1, edited: 1, filled: 0, madeMissing: 0 });
  }, 180_000);
});
