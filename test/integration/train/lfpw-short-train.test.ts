// Issue 8 item 6: an end-to-end short training run on lfpw-train beats the mean shape on detector crops. The user's
// path: a project of 60 LFPW photos (ibug-68), faces found by the detector, `train.start` with the defaults (the
// photo default, face68) cut to two epochs, then `runs.evaluate`, whose crops are the stored detector boxes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import type { EvaluationReport } from '../../../src-main/train/runs.js';

const PHOTOS = 60;
let dir: string;
let service: Service;

beforeAll(async () => {
  const lfpw = join(requireDataDir(), 'lfpw-train');
  dir = mkdtempSync(join(tmpdir(), 'kps-lfpw-short-'));
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  // Every 13th photo of the sorted set: spread over it, not its first few.
  const names = readdirSync(lfpw).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 13 === 0).slice(0, PHOTOS);
  for (const n of names) {
    copyFileSync(join(lfpw, n), join(photos, n));
    copyFileSync(join(lfpw, n.replace('.jpg', '.pts')), join(photos, n.replace('.jpg', '.pts')));
  }
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: join(dir, 'lfpw.kps'), schema: 'ibug-68' });
  expect((await service.call('job.wait', await service.call('import.start', { path: photos, format: 'pts' }))).state).toBe('done');
}, 300_000);

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a short training run on lfpw-train', { timeout: 600_000 }, () => {
  it('beats the mean shape on the detector crops of its test faces, with the defaults', async () => {
    const started = await service.call('train.start', { config: { epochs: 2, split: 'random:0.2:0.1' }, backend: 'wasm' });
    const end = await service.call('job.wait', { jobId: started.jobId });
    expect(end.state, JSON.stringify(end.error ?? null)).toBe('done');
    expect((await service.call('runs.get', { id: started.runId })).model).toBe('face68');
    const report = (await service.call('job.wait', await service.call('runs.evaluate', { id: started.runId }))).result as EvaluationReport;
    expect(report.test.samples).toBeGreaterThanOrEqual(8);
    const test = report.test.rmse_px as number;
    const mean = report.baseline.test_rmse_px as number;
    expect(Number.isFinite(test) && Number.isFinite(mean)).toBe(true);
    expect(test).toBeLessThan(mean);
    // By a wide margin where the detector found the right face: on 12 test faces one miss (a face the detector placed
    // elsewhere: 79 px off when this was written) dominates the test RMSE, so the margin is asked of the validation
    // split and of the share of test faces within 10% NME.
    expect(report.val.rmse_px as number).toBeLessThan(0.6 * (report.baseline.val_rmse_px as number));
    expect(report.test.headline?.metric).toBe('nme_outer');
    const within10 = report.test.face?.ced?.fraction[report.test.face.ced.nme.findIndex((t) => Math.abs(t - 0.1) < 1e-9)];
    expect(within10).toBeGreaterThanOrEqual(0.7);
  });
});
