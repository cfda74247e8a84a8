// Label QC through the service on real faces with injected errors: qc.run, qc.list (recall), dismiss/restore (persisted), --run evidence, changes.summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDataDir } from '../../helpers/data.js';
import { Service } from '../../../src-main/service/service.js';
import '../../../src-main/service/handlers/qc.js';
import { injectKaggleErrors, type InjectedError } from '../../../src-main/qc/inject.js';
import { loadBuiltinSchema } from '../../../src-main/formats/schemas.js';
import { recallAt } from '../../../src-main/qc/recall.js';
import type { QcJobResult } from '../../../src-main/service/handlers/qc.js';

let dir: string;
let service: Service;
let errors: InjectedError[];
const ROWS = 400;

beforeAll(async () => {
  const data = requireDataDir();
  dir = mkdtempSync(join(tmpdir(), 'kps-qc-svc-'));
  // A 400-row excerpt of kaggle-proxy with seeded errors, written to the temporary folder only.
  const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n');
  const injected = injectKaggleErrors(lines.slice(0, ROWS + 1).join('\n') + '\n', loadBuiltinSchema('kaggle-15'), 'training.csv', { seed: 3 });
  errors = injected.errors;
  writeFileSync(join(dir, 'training.csv'), injected.csv);
  service = await Service.create({ mode: 'web' });
  await service.call('project.create', { path: join(dir, 'p.kps'), schema: 'kaggle-15' });
  const { jobId } = await service.call('import.start', { path: join(dir, 'training.csv'), format: 'kaggle-csv' });
  expect((await service.call('job.wait', { jobId })).state).toBe('done');
}, 120_000);

afterAll(async () => {
  await service?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('qc through the service', () => {
  it('qc.list is empty before any run', async () => {
    const list = await service.call('qc.list', {});
    expect(list.report).toBeNull();
    expect(list.items).toEqual([]);
  });

  it('shape and swap tests alone rank the injected errors near the top', async () => {
    const { jobId } = await service.call('qc.run', { noModel: true });
    const job = await service.call('job.wait', { jobId });
    expect(job.state).toBe('done');
    const result = job.result as QcJobResult;
    expect(result.items).toBe(ROWS);
    expect(result.evidence.model).toBe('none');
    const list = await service.call('qc.list', {});
    expect(list.total).toBe(ROWS);
    expect(list.stale).toBe(false);
    const scores = list.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // source as the importer stored it (the file imported); record is the 1-based data row in it.
    expect(new Set(list.items.map((i) => i.source)).size).toBe(1);
    expect(list.items[0].source).toMatch(/training\.csv$/);
    expect(new Set(list.items.map((i) => i.record))).toEqual(new Set(Array.from({ length: ROWS }, (_, i) => i + 1)));
    const ranked = list.items.map((i) => i.record);
    const [r10, r20] = recallAt(ranked, errors, ROWS, [0.1, 0.2]);
    // Measured 0.85 and 0.975 on this excerpt (seed 3, 40 errors) without any model; the bounds leave a little room.
    expect(errors).toHaveLength(40);
    expect(r10.recall).toBeGreaterThanOrEqual(0.8);
    expect(r20.recall).toBeGreaterThanOrEqual(0.95);
    // Every injected swap is found and named as one.
    for (const e of errors.filter((x) => x.kind === 'swap')) {
      const item = list.items.find((i) => i.record === e.record)!;
      expect(item.kinds).toContain('swap');
      expect(item.reasons.some((r) => r.startsWith('left/right swap'))).toBe(true);
      expect(list.items.indexOf(item)).toBeLessThan(ROWS * 0.1);
    }
  }, 120_000);

  it('a dismissed sample leaves the queue, stays out after reopening and after a new run, and can be restored', async () => {
    const before = await service.call('qc.list', { limit: 3 });
    const top = before.items[0].sample;
    expect((await service.call('qc.dismiss', { sampleIds: [top] })).dismissed).toEqual([top]);
    let list = await service.call('qc.list', {});
    expect(list.items.some((i) => i.sample === top)).toBe(false);
    expect(list.dismissedCount).toBe(1);
    expect(list.total).toBe(ROWS - 1);
    await service.call('project.close', {});
    await service.call('project.open', { path: join(dir, 'p.kps') });
    const { jobId } = await service.call('qc.run', { noModel: true });
    expect((await service.call('job.wait', { jobId })).state).toBe('done');
    list = await service.call('qc.list', { includeDismissed: true, limit: 5 });
    const again = list.items.find((i) => i.sample === top);
    expect(again?.dismissed).toBe(true);
    expect((await service.call('qc.list', {})).items.some((i) => i.sample === top)).toBe(false);
    await service.call('qc.restore', { sampleIds: [top] });
    list = await service.call('qc.list', {});
    expect(list.items[0].sample).toBe(top);
    expect(list.dismissedCount).toBe(0);
  }, 120_000);

  it('rejects a dismissal of a sample that does not exist, naming it', async () => {
    await expect(service.call('qc.dismiss', { sampleIds: [999_999] })).rejects.toThrow(/999999/);
    await expect(service.call('qc.dismiss', { sampleIds: [] })).rejects.toThrow(/sampleIds/);
  });

  it('an edit after the report marks the queue stale; changes.summary counts edits, fills and removals by provenance', async () => {
    const id = (await service.call('samples.list', { minMissing: 1, limit: 1 })).items[0].id;
    // Tags, review marks and splits change no label: the report still ranks what is stored.
    await service.call('samples.tag', { ids: [id], add: ['reviewed', 'needs review'] });
    await service.call('samples.setSplit', { ids: [id], split: 'test' });
    const tagged = await service.call('sample.get', { id });
    expect(tagged.tags).toEqual(expect.arrayContaining(['reviewed', 'needs review']));
    expect(tagged.split).toBe('test');
    expect((await service.call('qc.list', { limit: 1 })).stale).toBe(false);
    const sample = await service.call('sample.get', { id });
    const missing = sample.keypoints.findIndex((k) => k.state === 'missing');
    const present = sample.keypoints.findIndex((k) => k.state !== 'missing');
    const other = sample.keypoints.findIndex((k, i) => k.state !== 'missing' && i !== present);
    expect(missing).toBeGreaterThanOrEqual(0);
    await service.call('labels.set', {
      sampleId: id,
      actor: 'annotator:alice',
      edits: [
        { index: present, x: sample.keypoints[present].x + 2, y: sample.keypoints[present].y, state: 'labelled' },
        { index: missing, x: 40, y: 40, state: 'labelled' },
        { index: other, x: NaN, y: NaN, state: 'missing' },
      ],
    });
    expect((await service.call('qc.list', { limit: 1 })).stale).toBe(true);
    const summary = await service.call('changes.summary', {});
    expect(summary.samplesChanged).toBe(1);
    expect(summary.edited).toBe(1);
    expect(summary.filled).toBe(1);
    expect(summary.madeMissing).toBe(1);
    expect(summary.byProvenance['annotator:alice']).toEqual({ edited: 1, filled: 1, madeMissing: 1 });
  });
});
