// Pixel statistics of file-backed samples, measured with sharp in the background after import; and undoState.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { createProject, openProject } from '../../../src-main/store/project.js';
import type { ProjectStore } from '../../../src-main/store/types.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { embeddedSample, schema5, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
let store: ProjectStore;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('kps-filepx-'));
  store = createProject(join(dir, 'p.kps'), schema5);
});
afterEach(() => {
  store.close();
  cleanup();
});

async function png(name: string, channels: 1 | 3, fill: number[]): Promise<string> {
  const data = Buffer.alloc(16 * channels);
  for (let i = 0; i < data.length; i++) data[i] = fill[i % channels];
  const path = join(dir, name);
  await sharp(data, { raw: { width: 4, height: 4, channels } }).png().toFile(path);
  return path;
}

function fileSample(record: number, path: string): ImportedSample {
  return { source: join(dir, 'set.pts'), record, image: { kind: 'file', path, width: 4, height: 4, channels: 3 }, groupId: null, keypoints: embeddedSample(1).keypoints };
}

describe('file-backed pixel statistics', () => {
  it('measures the images after import and includes them in stats, skipping unreadable files', async () => {
    const a = await png('a.png', 1, [10]);
    const b = await png('b.png', 1, [200]);
    const c = await png('c.png', 3, [0, 50, 100]);
    store.importSamples([fileSample(1, a), fileSample(2, b), fileSample(3, c), fileSample(4, join(dir, 'gone.png'))], 'import');
    // The import started a measurement; this call runs after it and finds nothing left to read but the missing file.
    const second = await store.measureFilePixels();
    expect(second.measured).toBe(0);
    expect(second.failed).toBe(1);
    const st = store.stats();
    // Grey images read as three equal channels, so their means are their grey levels.
    expect(st.pixel).toEqual({ min: 0, max: 200, mean: expect.closeTo((10 + 200 + 50) / 3, 9), sampled: 3 });
  });

  it('measures at most the requested number of images, spread over the project', async () => {
    const paths = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => png(`g${i}.png`, 1, [i * 10])));
    // Rows written directly, so that no background measurement (started by importSamples) runs first.
    store.close();
    const raw = new Database(join(dir, 'p.kps'));
    const ins = raw.prepare(`INSERT INTO samples(source, record, image_kind, image_path, width, height, channels, revision, labelled_count, missing_count, occluded_count)
      VALUES ('s', ?, 'file', ?, 4, 4, 3, 1, 0, 5, 0)`);
    paths.forEach((p, i) => ins.run(i + 1, p));
    raw.close();
    store = openProject(join(dir, 'p.kps'));
    expect(store.stats().pixel).toBeNull();
    expect(await store.measureFilePixels(3)).toEqual({ measured: 3, failed: 0 });
    // Evenly spread: images 0, 2 and 4, of grey levels 0, 20 and 40.
    expect(store.stats().pixel).toEqual({ min: 0, max: 40, mean: 20, sampled: 3 });
    expect(await store.measureFilePixels(3)).toEqual({ measured: 0, failed: 0 });
    expect(await store.measureFilePixels(6)).toEqual({ measured: 3, failed: 0 });
    expect(store.stats().pixel).toEqual({ min: 0, max: 50, mean: 25, sampled: 6 });
  });
});

describe('undoState', () => {
  it('names what undo and redo would act on', () => {
    const imp = store.importSamples([embeddedSample(1), embeddedSample(2)], 'import').actionId!;
    const importUndo = { actionId: imp, label: expect.stringMatching(/^Import 2 samples from /) as unknown as string };
    expect(store.undoState()).toEqual({ undo: importUndo, redo: null });
    const a = store.setLabels(1, [{ index: 2, x: 1, y: 1, state: 'labelled' }], 'annotator').actionId;
    const b = store.tagSamples([1, 2], ['reviewed'], [], 'annotator').actionId!;
    expect(store.undoState()).toEqual({ undo: { actionId: b, label: 'Tag reviewed (2 samples)' }, redo: null });
    store.undo();
    expect(store.undoState()).toEqual({ undo: { actionId: a, label: 'Move nose_tip' }, redo: { actionId: b, label: 'Tag reviewed (2 samples)' } });
    store.undo();
    // The import is the next action undo would revert.
    expect(store.undoState()).toEqual({ undo: importUndo, redo: { actionId: a, label: 'Move nose_tip' } });
  });
});
