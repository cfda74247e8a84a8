// Issue 11 item 5: a repeated import is detected and refused until the caller chooses skip, replace-labels or add; an import is one undoable action.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Service } from '../../../src-main/service/service.js';
import type { ImportResult, JobStatus, OnRepeat } from '../../../src-main/api/ops.js';
import { importers } from '../../../src-main/formats/index.js';
import { listBuiltinSchemas, resolveSchema } from '../../../src-main/formats/schemas.js';
import { fakeDeps, tempDir } from './fakes.js';

const NAMES = [
  'left_eye_center', 'right_eye_center', 'left_eye_inner_corner', 'left_eye_outer_corner', 'right_eye_inner_corner',
  'right_eye_outer_corner', 'left_eyebrow_inner_end', 'left_eyebrow_outer_end', 'right_eyebrow_inner_end',
  'right_eyebrow_outer_end', 'nose_tip', 'mouth_left_corner', 'mouth_right_corner', 'mouth_center_top_lip', 'mouth_center_bottom_lip',
];

/** A Kaggle labels-only CSV of `n` rows; keypoint k of row r sits at (base + r + k, base + k). */
function labelsCsv(path: string, n: number, base: number): string {
  const header = NAMES.flatMap((k) => [`${k}_x`, `${k}_y`]).join(',');
  const rows = Array.from({ length: n }, (_, r) => NAMES.flatMap((_, k) => [base + r + k, base + k]).join(','));
  writeFileSync(path, [header, ...rows].join('\n') + '\n');
  return path;
}

let tmp: ReturnType<typeof tempDir>;
let service: Service;

async function runImport(path: string, onRepeat?: OnRepeat): Promise<JobStatus> {
  const { jobId } = await service.call('import.start', { path, format: 'kaggle-labels', ...(onRepeat ? { onRepeat } : {}) });
  return service.call('job.wait', { jobId });
}

async function count(): Promise<number> {
  return (await service.call('samples.list', { limit: 1 })).total;
}

async function firstX(): Promise<number | null> {
  const { items } = await service.call('samples.list', { limit: 1 });
  return (await service.call('sample.get', { id: items[0].id })).keypoints[0].x;
}

beforeEach(async () => {
  tmp = tempDir();
  service = new Service({ mode: 'web', deps: { ...fakeDeps(), importers, listSchemas: listBuiltinSchemas, resolveSchema } });
  await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
});

afterEach(async () => {
  await service.shutdown();
  tmp.cleanup();
});

describe('repeated import', () => {
  it('refuses the same file again with a conflict naming the earlier import, and writes nothing', async () => {
    const file = labelsCsv(join(tmp.dir, 'labels.csv'), 5, 10);
    expect((await runImport(file)).state).toBe('done');
    const again = await runImport(file);
    expect(again.state).toBe('failed');
    expect(again.error?.code).toBe('conflict');
    expect(again.error?.file).toBe(file);
    expect(again.error?.repeat).toMatchObject({ sampleCount: 5, path: file, format: 'kaggle-labels', match: 'content' });
    expect(again.error?.message).toMatch(/already imported on .*5 samples.*skip, replace-labels or add/);
    expect(await count()).toBe(5);
  });

  it('a changed file at the same path is not a repeat', async () => {
    const file = labelsCsv(join(tmp.dir, 'labels.csv'), 5, 10);
    await runImport(file);
    labelsCsv(file, 3, 20);
    expect((await runImport(file)).state).toBe('done');
    expect(await count()).toBe(8);
  });

  it('skip imports nothing; add imports new copies', async () => {
    const file = labelsCsv(join(tmp.dir, 'labels.csv'), 5, 10);
    await runImport(file);
    const skipped = await runImport(file, 'skip');
    expect(skipped.state).toBe('done');
    expect(skipped.result).toMatchObject({ count: 0, repeat: 'skip', actionId: null });
    expect(await count()).toBe(5);
    const added = await runImport(file, 'add');
    expect(added.result).toMatchObject({ count: 5, repeat: 'add' });
    expect(await count()).toBe(10);
  });

  it('replace-labels updates the matching samples in one undoable action and adds none', async () => {
    const file = join(tmp.dir, 'labels.csv');
    labelsCsv(file, 5, 10);
    await runImport(file);
    expect(await firstX()).toBe(10);
    // Nothing differs from the stored labels: no action is written.
    const same = await runImport(file, 'replace-labels');
    expect(same.result).toMatchObject({ repeat: 'replace-labels', updated: 0, unmatched: 0, actionId: null });

    // Labels edited here, then the file's labels taken again.
    const { items } = await service.call('samples.list', { limit: 10 });
    await service.call('labels.set', { sampleId: items[0].id, edits: [{ index: 0, x: 50, y: 50, state: 'labelled' }] });
    expect(await firstX()).toBe(50);
    const replaced = await runImport(file, 'replace-labels');
    const r = replaced.result as ImportResult;
    expect(r).toMatchObject({ repeat: 'replace-labels', updated: 1, unmatched: 0, count: 0 });
    expect(await firstX()).toBe(10);
    expect(await count()).toBe(5);

    const undone = await service.call('history.undo', {});
    expect(undone.actionId).toBe(r.actionId);
    expect(undone.label).toBe('Replace labels from labels.csv');
    expect(await firstX()).toBe(50);
    await service.call('history.redo', {});
    expect(await firstX()).toBe(10);
  });

  it('an import is one action that undo reverts (saying what it undid) and redo re-applies', async () => {
    const file = labelsCsv(join(tmp.dir, 'labels.csv'), 5, 10);
    await runImport(file);
    const added = await runImport(file, 'add');
    expect(await count()).toBe(10);

    const undone = await service.call('history.undo', {});
    expect(undone.actionId).toBe((added.result as ImportResult).actionId);
    expect(undone.label).toBe('Import 5 samples from labels.csv');
    expect(undone.sampleIds).toHaveLength(5);
    expect(await count()).toBe(5);
    await service.call('history.redo', {});
    expect(await count()).toBe(10);

    await service.call('history.undo', {});
    await service.call('history.undo', {});
    expect(await count()).toBe(0);
    // Once undone, the first import no longer counts as a repeat: importing the file again is plain.
    expect((await runImport(file)).state).toBe('done');
    expect(await count()).toBe(5);
  });
});
