// End to end (issue 11 item 7): each run keeps its own split; the runs table names split and keypoint set, and Compare filters by the run's split.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

describe("a run's own split in the runs table and Compare", () => {
  let s: Studio;
  let csvDir: string;
  let noseRun: string;
  let fullRun: string;

  beforeAll(async () => {
    const lines = readFileSync(join(requireDataDir(), 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    csvDir = mkdtempSync(join(tmpdir(), 'kps-e2e-split-'));
    const csv = join(csvDir, 'tiny.csv');
    writeFileSync(csv, lines.slice(0, 41).join('\n') + '\n');
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: csv, format: 'kaggle-csv' }] }, viewport: { width: 1400, height: 900 } });
    // Two tiny runs that differ in what a reader of the table must see: a nose-tip net on a group split, and a 15-point net on a random one.
    const train = async (config: Record<string, unknown>, name: string) => {
      const started = await s.api.call('train.start', { config: { inputSize: 32, batch: 16, epochs: 1, ...config }, name, backend: 'wasm' });
      const end = await s.api.call('job.wait', { jobId: started.jobId });
      if (end.state !== 'done') throw new Error(`run ${name} ended ${end.state}: ${end.error?.message ?? end.message}`);
      return started.runId;
    };
    noseRun = await train({ model: 'smallnet', split: 'group:0.2:0.2' }, 'nose on groups');
    fullRun = await train({ model: 'kpnet', width: 0.5, split: 'random:0.25:0.2' }, 'full on random');
  });
  afterAll(async () => {
    await s?.close();
    if (csvDir) rmSync(csvDir, { recursive: true, force: true });
  });

  it('stores each run its split per sample; the samples themselves stay unassigned', async () => {
    const { api } = s;
    for (const id of [noseRun, fullRun]) {
      const split = await api.call('runs.split', { id });
      const preds = await api.call('predictions.get', { runId: id });
      expect(split.samples.map((e) => e.sampleId)).toEqual(preds.map((p) => p.sampleId));
      expect(split.counts.train + split.counts.val + split.counts.test).toBe(40);
    }
    expect((await api.call('runs.split', { id: fullRun })).counts.test).toBe(10);
    expect((await api.call('runs.split', { id: noseRun })).counts.test).toBe(8);
    expect((await api.call('stats.get', {})).splits.unassigned).toBe(40);
  });

  it('shows each run\'s split and keypoint set in the runs table', async () => {
    const { page, api } = s;
    await page.click('[data-testid="nav-runs"]');
    const cell = async (run: string, testid: string) => (await page.textContent(`[data-testid="run-row"][data-run-id="${run}"] [data-testid="${testid}"]`))?.trim();
    await page.waitForSelector(`[data-testid="run-row"][data-run-id="${fullRun}"]`);
    const nose = await api.call('runs.get', { id: noseRun });
    const names = (await api.call('project.info', {}))!.schema.keypoints.map((k) => k.name);
    expect(nose.config.keypointIndices.map((i) => names[i])).toEqual(['nose_tip']);
    expect(await cell(noseRun, 'run-keypoints')).toBe('nose_tip');
    expect(await cell(noseRun, 'run-split')).toBe('by group · 20% test · 20% val');
    expect((await api.call('runs.get', { id: fullRun })).config).toMatchObject({ keypointIndices: names.map((_, i) => i), split: 'random:0.25:0.2' });
    expect(await cell(fullRun, 'run-keypoints')).toBe('all 15');
    expect(await cell(fullRun, 'run-split')).toBe('random · 25% test · 20% val');
  });

  it("filters Compare by the run's own split: the test filter lists the run's test samples and their mean error only", async () => {
    const { page, api } = s;
    const split = await api.call('runs.split', { id: fullRun });
    const preds = await api.call('predictions.get', { runId: fullRun });
    await page.click(`[data-testid="run-row"][data-run-id="${fullRun}"] [data-testid="run-compare"]`);
    await page.waitForSelector(`[data-testid="compare-view"][data-run-id="${fullRun}"] [data-testid="compare-item"]`);
    for (const side of ['test', 'val', 'train'] as const) {
      await page.selectOption('[data-testid="compare-split"]', side);
      const ids = split.samples.filter((e) => e.split === side).map((e) => e.sampleId);
      await page.waitForSelector(`[data-testid="compare-view"][data-rows="${ids.length}"]`);
      const shown = await page.$$eval('[data-testid="compare-item"]', (els) => els.map((e) => Number(e.getAttribute('data-sample-id'))));
      expect([...shown].sort((a, b) => a - b)).toEqual(ids);
      const errs = preds.filter((p) => ids.includes(p.sampleId)).map((p) => p.error as number);
      const mean = Number(await page.getAttribute('[data-testid="compare-mean"]', 'data-mean'));
      expect(mean).toBeCloseTo(errs.reduce((a, e) => a + e, 0) / errs.length, 3);
    }
    expect(await page.textContent('[data-testid="compare-split"] option[value="test"]')).toBe(`test (${split.counts.test})`);
    expect(s.pageErrors).toEqual([]);
  });
});
