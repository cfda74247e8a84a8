// Service: op validation, project lifecycle, import/export jobs with events, edits, undo/redo, images — over a real temp store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Service } from '../../../src-main/service/service.js';
import type { EventName, JobStatus } from '../../../src-main/api/ops.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { fakeDeps, H, tempDir, W } from './fakes.js';

let tmp: ReturnType<typeof tempDir>;
let service: Service;
let events: { event: EventName; payload: unknown }[];

async function expectError(p: Promise<unknown>, code: string, text?: RegExp): Promise<KpsError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KpsError);
  expect((err as KpsError).code).toBe(code);
  if (text) expect((err as KpsError).message).toMatch(text);
  return err as KpsError;
}

async function importN(n: number): Promise<JobStatus> {
  const file = join(tmp.dir, `data-${n}.txt`);
  writeFileSync(file, String(n));
  const { jobId } = await service.call('import.start', { path: file, format: 'kaggle-csv' });
  return service.call('job.wait', { jobId });
}

beforeEach(() => {
  tmp = tempDir();
  service = new Service({ mode: 'web', deps: fakeDeps() });
  events = [];
  service.onAny((event, payload) => events.push({ event, payload }));
});

afterEach(async () => {
  await service.shutdown();
  tmp.cleanup();
});

describe('Service call validation', () => {
  it('rejects unknown operations as not-found', async () => {
    await expectError(service.callUnknown('project.explode', {}), 'not-found', /unknown operation "project.explode"/);
  });

  it('rejects a request of the wrong shape as bad-input, naming the field', async () => {
    await expectError(service.callUnknown('project.open', { path: 42 }), 'bad-input', /"path" must be a non-empty string/);
    await expectError(service.callUnknown('import.start', { path: '/x', format: 'jpeg' }), 'bad-input', /"format" must be one of/);
    await expectError(service.callUnknown('sample.get', []), 'bad-input', /must be a JSON object/);
    await expectError(
      service.callUnknown('labels.set', { sampleId: 1, edits: [{ index: 0, x: 'a', y: 1, state: 'labelled' }] }),
      'bad-input',
      /edits\[0\]\.x and \.y must be numbers/,
    );
  });

  it('needs an open project for data operations', async () => {
    await expectError(service.call('stats.get', {}), 'no-project', /no project is open/);
    expect(await service.call('project.info', {})).toBeNull();
  });

  it('reports app info with the mode', async () => {
    const info = await service.call('app.info', {});
    expect(info.mode).toBe('web');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists the built-in schemas', async () => {
    const ids = (await service.call('schema.list', {})).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['kaggle-15', 'imm-58', 'imm-frontal-73', 'ibug-68']));
  });
});

describe('Service projects', () => {
  it('creates, reopens and closes a project, emitting project.changed', async () => {
    const path = join(tmp.dir, 'p.kps');
    const info = await service.call('project.create', { path, schema: 'kaggle-15' });
    expect(info).toMatchObject({ path, name: 'p', sampleCount: 0 });
    expect(info.schema.keypoints).toHaveLength(15);
    expect(existsSync(path)).toBe(true);
    await service.call('project.close', {});
    expect(await service.call('project.info', {})).toBeNull();
    const reopened = await service.call('project.open', { path });
    expect(reopened.schema.id).toBe('kaggle-15');
    const changes = events.filter((e) => e.event === 'project.changed').map((e) => (e.payload as { project: { path: string } | null }).project);
    expect(changes).toEqual([expect.objectContaining({ path }), null, expect.objectContaining({ path })]);
  });

  it('refuses to overwrite an existing file and to open a missing one', async () => {
    const path = join(tmp.dir, 'p.kps');
    await service.call('project.create', { path, schema: 'kaggle-15' });
    await expectError(service.call('project.create', { path, schema: 'kaggle-15' }), 'conflict', /already exists/);
    await expectError(service.call('project.open', { path: join(tmp.dir, 'nope.kps') }), 'not-found', /nope\.kps: no such project file/);
  });

  it('accepts a custom schema object and rejects an invalid one', async () => {
    const schema = {
      id: 'three',
      title: 'Three points',
      keypoints: [
        { name: 'a', group: 'eye', side: 'left', color: '#f00' },
        { name: 'b', group: 'eye', side: 'right', color: '#0f0' },
        { name: 'c', group: 'nose', side: 'center', color: '#00f' },
      ],
      flipPairs: [[0, 1]],
      edges: [[0, 2]],
    };
    const info = await service.call('project.create', { path: join(tmp.dir, 'c.kps'), schema } as never);
    expect(info.schema.keypoints.map((k) => k.name)).toEqual(['a', 'b', 'c']);
    await expectError(
      service.call('project.create', { path: join(tmp.dir, 'd.kps'), schema: { ...schema, flipPairs: [[0, 9]] } } as never),
      'bad-input',
      /flipPairs\[0\] = \[0,9\]: indices must be integers from 0 to 2/,
    );
    expect(existsSync(join(tmp.dir, 'd.kps'))).toBe(false);
  });

  it('validates a custom schema object as a schema file is validated: no newlines or control characters in names', async () => {
    const keypoints = [
      { name: 'a', group: 'eye', side: 'left', color: '#f00' },
      { name: 'b\nc_x,1', group: 'eye', side: 'right', color: '#0f0' },
    ];
    const schema = { id: 'two', keypoints, flipPairs: [], edges: [] };
    await expectError(service.call('project.create', { path: join(tmp.dir, 'n.kps'), schema } as never), 'bad-input', /keypoints\[1\]\.name must be 1-64 letters/);
    const title = { ...schema, title: 'Two\r\nSet-Cookie: x', keypoints: [keypoints[0], { ...keypoints[1], name: 'b' }] };
    await expectError(service.call('project.create', { path: join(tmp.dir, 'n.kps'), schema: title } as never), 'bad-input', /"title" must be at most 120 characters on one line/);
    expect(existsSync(join(tmp.dir, 'n.kps'))).toBe(false);
    // Without a title the id stands in, as before.
    const ok = await service.call('project.create', { path: join(tmp.dir, 'n.kps'), schema: { ...title, title: undefined } } as never);
    expect(ok.schema.title).toBe('two');
  });
});

describe('Service jobs: import and export', () => {
  beforeEach(async () => {
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    events = [];
  });

  it('imports as a job: id at once, progress, job.ended with the result, dataset.changed', async () => {
    const file = join(tmp.dir, 'd.txt');
    writeFileSync(file, '40');
    const ref = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    expect(typeof ref.jobId).toBe('string');
    // The job has not run yet when the id comes back.
    expect((await service.call('project.info', {}))!.sampleCount).toBe(0);
    const final = await service.call('job.wait', ref);
    expect(final.state).toBe('done');
    expect(final.result).toMatchObject({ count: 40 });
    expect((await service.call('project.info', {}))!.sampleCount).toBe(40);
    const names = events.map((e) => e.event);
    expect(names).toContain('job.progress');
    expect(names.indexOf('dataset.changed')).toBeLessThan(names.lastIndexOf('job.ended'));
    const ended = events.find((e) => e.event === 'job.ended')!.payload as JobStatus;
    expect(ended).toMatchObject({ jobId: ref.jobId, kind: 'import', state: 'done' });
    expect((await service.call('job.get', ref)).state).toBe('done');
    expect((await service.call('job.list', {})).map((j) => j.jobId)).toContain(ref.jobId);
  });

  it('a failing import ends failed with the file and record, and writes nothing', async () => {
    const file = join(tmp.dir, 'bad.txt');
    writeFileSync(file, 'bad 12');
    const { jobId } = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    const final = await service.call('job.wait', { jobId });
    expect(final.state).toBe('failed');
    expect(final.error).toEqual({ code: 'bad-input', message: `${file}, record 12: non-numeric coordinate "abc"`, file, record: 12 });
    expect((await service.call('project.info', {}))!.sampleCount).toBe(0);
    expect(events.some((e) => e.event === 'dataset.changed')).toBe(false);
  });

  it('a missing path or unavailable format fails at once', async () => {
    await expectError(service.call('import.start', { path: join(tmp.dir, 'none.csv'), format: 'kaggle-csv' }), 'not-found', /none\.csv: no such file/);
    writeFileSync(join(tmp.dir, 'x.txt'), '1');
    await expectError(service.call('import.start', { path: join(tmp.dir, 'x.txt'), format: 'coco' }), 'bad-input', /"coco" is not available/);
  });

  it('cancels a running import: state cancelled, nothing written', async () => {
    const file = join(tmp.dir, 'slow.txt');
    writeFileSync(file, 'slow');
    const { jobId } = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    await new Promise((r) => setTimeout(r, 30));
    const status = await service.call('job.cancel', { jobId });
    expect(status.state).toBe('cancelled');
    expect(status.error?.code).toBe('cancelled');
    expect((await service.call('project.info', {}))!.sampleCount).toBe(0);
  });

  it('exports as a job through the exporter', async () => {
    await importN(3);
    const out = join(tmp.dir, 'out.txt');
    const { jobId } = await service.call('export.start', { out, format: 'kaggle-csv' });
    const final = await service.call('job.wait', { jobId });
    expect(final.state).toBe('done');
    expect(final.result).toMatchObject({ written: 3, out });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('never replaces an existing file unless the request says overwrite', async () => {
    await importN(3);
    const out = join(tmp.dir, '.bashrc');
    writeFileSync(out, 'export PATH=$HOME/bin:$PATH\n');
    const err = await expectError(service.call('export.start', { out, format: 'kaggle-csv' }), 'conflict', /\.bashrc already exists; export again with overwrite to replace it/);
    expect(err.file).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
    expect((await service.call('job.list', {})).filter((j) => j.kind === 'export')).toEqual([]);
    await expectError(service.call('export.start', { out, format: 'kaggle-csv', overwrite: 'yes' } as never), 'bad-input', /"overwrite" must be true or false/);
    // A folder with files in it is refused too.
    const folder = join(tmp.dir, 'pts-out');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    await expectError(service.call('export.start', { out: folder, format: 'kaggle-csv' }), 'conflict', /pts-out already exists/);
    const { jobId } = await service.call('export.start', { out, format: 'kaggle-csv', overwrite: true });
    expect((await service.call('job.wait', { jobId })).state).toBe('done');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('an import stuck in a read that never returns still cancels, closes and shuts down at once', async () => {
    const file = join(tmp.dir, 'hang.txt');
    writeFileSync(file, 'hang');
    const first = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    const status = await service.call('job.cancel', { jobId: first.jobId });
    expect(status.state).toBe('cancelled');
    expect((await service.call('project.info', {}))!.sampleCount).toBe(0);
    const second = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    await service.call('project.close', {});
    expect((await service.call('job.get', { jobId: second.jobId })).state).toBe('cancelled');
    await service.call('project.open', { path: join(tmp.dir, 'p.kps') });
    // Opening (here: creating) another project cancels the stuck import instead of waiting for it.
    const stuck = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    await service.call('project.create', { path: join(tmp.dir, 'q.kps'), schema: 'kaggle-15' });
    expect((await service.call('job.get', { jobId: stuck.jobId })).state).toBe('cancelled');
    const third = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    await service.shutdown();
    expect((await service.call('job.get', { jobId: third.jobId })).state).toBe('cancelled');
  }, 5000);

  it('closing the project cancels its running jobs', async () => {
    const file = join(tmp.dir, 'slow.txt');
    writeFileSync(file, 'slow');
    const { jobId } = await service.call('import.start', { path: file, format: 'kaggle-csv' });
    await service.call('project.close', {});
    expect((await service.call('job.get', { jobId })).state).toBe('cancelled');
  });
});

describe('Service edits, undo and redo', () => {
  beforeEach(async () => {
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    await importN(5);
    events = [];
  });

  it('labels.set refuses coordinates outside the image beyond the margin (±1e308 too) with a bad-input error, and the statistics stay sane', async () => {
    const id = (await service.call('samples.ids', {})).ids[0];
    for (const [x, y, re] of [
      [1e308, 2, /edits\[0\] \(keypoint left_eye_center of sample \d+\): x 1e\+308 is outside -1\.3\.\.8\.3 for a 8x6 image/],
      [2, -1e308, /y -1e\+308 is outside -1\.1\.\.6\.1/],
      [9, 2, /x 9 is outside -1\.3\.\.8\.3/],
    ] as const) {
      const err = await expectError(service.call('labels.set', { sampleId: id, edits: [{ index: 0, x, y, state: 'labelled' }] }), 'bad-input', re);
      expect(err.toShape().code).toBe('bad-input');
    }
    // Just outside the frame, within the margin (10% of 8 px): accepted.
    await service.call('labels.set', { sampleId: id, edits: [{ index: 0, x: 8.2, y: -1, state: 'labelled' }] });
    expect((await service.call('sample.get', { id })).keypoints[0]).toMatchObject({ x: 8.2, y: -1 });
    const stats = await service.call('stats.get', {});
    // None of the refused values reached a mean or a range.
    expect(JSON.stringify(stats)).not.toMatch(/e\+30\d/);
  });

  it('sets labels durably, emits dataset.changed, and undo/redo walk the journal', async () => {
    const ids = (await service.call('samples.ids', {})).ids;
    expect(ids).toHaveLength(5);
    const id = ids[2];
    const before = await service.call('sample.get', { id });
    expect(before.keypoints[2].state).toBe('missing');
    // Inside the 8x6 fake image (labels.set refuses points far outside it).
    const res = await service.call('labels.set', { sampleId: id, edits: [{ index: 2, x: 5.5, y: 4.25, state: 'labelled' }] });
    expect(res.actionId).toBeGreaterThan(0);
    expect(events).toContainEqual({ event: 'dataset.changed', payload: { sampleIds: [id], reason: 'labels' } });
    const after = await service.call('sample.get', { id });
    expect(after.keypoints[2]).toMatchObject({ x: 5.5, y: 4.25, state: 'labelled', provenance: 'annotator' });
    const history = await service.call('sample.history', { id });
    expect(history.some((h) => h.kind === 'keypoint' && h.index === 2)).toBe(true);

    const undone = await service.call('history.undo', {});
    expect(undone.sampleIds).toEqual([id]);
    const restored = await service.call('sample.get', { id });
    expect(restored.keypoints[2].state).toBe('missing');
    expect(Number.isNaN(restored.keypoints[2].x)).toBe(true);
    await service.call('history.redo', {});
    expect((await service.call('sample.get', { id })).keypoints[2]).toMatchObject({ x: 5.5, y: 4.25 });
  });

  it('refuses an edit made in another project, naming it, and writes nothing', async () => {
    const id = (await service.call('samples.ids', {})).ids[0];
    const open = (await service.call('project.info', {}))!.path;
    const before = await service.call('sample.get', { id });
    const err = await expectError(
      service.call('labels.set', { sampleId: id, edits: [{ index: 0, x: 1, y: 1, state: 'labelled' }], project: '/elsewhere/other.kps' }),
      'conflict',
      /^\/elsewhere\/other\.kps: this edit of sample \d+ belongs to that project, but .* is open; nothing was written$/,
    );
    expect(err.toShape().file).toBe('/elsewhere/other.kps');
    expect(await service.call('sample.get', { id })).toEqual(before);
    // The open project's own path is accepted.
    expect((await service.call('labels.set', { sampleId: id, edits: [{ index: 0, x: 1, y: 1, state: 'labelled' }], project: open })).actionId).toBeGreaterThan(0);
  });

  it('rejects an out-of-range keypoint index with a clear message', async () => {
    const id = (await service.call('samples.ids', {})).ids[0];
    await expectError(
      service.call('labels.set', { sampleId: id, edits: [{ index: 15, x: 1, y: 1, state: 'labelled' }] }),
      'bad-input',
      /keypoint index 15 is out of range \(the schema has 15\)/,
    );
  });

  it('tags, splits and deletes samples, each undoable', async () => {
    const ids = (await service.call('samples.ids', {})).ids;
    await service.call('samples.tag', { ids: ids.slice(0, 2), add: ['needs review'] });
    expect((await service.call('samples.list', { tag: 'needs review' })).total).toBe(2);
    await service.call('samples.setSplit', { ids: [ids[0]], split: 'test' });
    expect((await service.call('samples.ids', { split: 'test' })).ids).toEqual([ids[0]]);
    await service.call('samples.delete', { ids: [ids[4]] });
    expect((await service.call('samples.list', {})).total).toBe(4);
    await service.call('history.undo', {});
    expect((await service.call('samples.list', {})).total).toBe(5);
    const reasons = events.filter((e) => e.event === 'dataset.changed').map((e) => (e.payload as { reason: string }).reason);
    expect(reasons).toEqual(['tag', 'split', 'delete', 'undo']);
  });

  it('serves embedded pixels as a PNG with the stored values', async () => {
    const id = (await service.call('samples.ids', {})).ids[1];
    const img = await service.image(id);
    expect(img.contentType).toBe('image/png');
    const meta = await sharp(img.body).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([W, H, 1]);
    const { data } = await sharp(img.body).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    // Sample index 1 of the synthetic set: (i * 7 + x * 3 + y * 11) % 256
    expect(data[2 * W + 3]).toBe((1 * 7 + 3 * 3 + 2 * 11) % 256);
    // Cached: the same bytes and etag again.
    expect((await service.image(id)).etag).toBe(img.etag);
    await expectError(service.image(999_999), 'not-found');
  });
});

describe('Service extension ops', () => {
  it('augment.preview is served through the service (loaded on first call)', async () => {
    await service.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
    await importN(4);
    const res = await service.call('augment.preview', { count: 3, seed: 7, encoding: 'array', params: 'none' } as never);
    const samples = (res as { samples: { width: number; height: number; pixels: number[] }[] }).samples;
    expect(samples).toHaveLength(3);
    expect(samples[0].pixels).toHaveLength(samples[0].width * samples[0].height);
    await expectError(service.call('augment.preview', { count: 0 } as never), 'bad-input', /count must be an integer from 1 to/);
  });
});
