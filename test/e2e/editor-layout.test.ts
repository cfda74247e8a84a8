// End-to-end test of custom layouts: a schema defined in the home view's form (and a bad JSON file refused with a clear
// error), a project created with it, .pts faces imported, and the editor showing and editing that layout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStudio, type Studio } from './harness.js';

interface PageGlobals {
  location: { hash: string };
}

let studio: Studio;
let page: Page;

beforeAll(async () => {
  studio = await startStudio({ viewport: { width: 1280, height: 900 } });
  page = studio.page;
});

afterAll(async () => {
  await studio?.close();
});

describe('custom keypoint layouts', () => {
  it('creates a project from the layout form and edits its samples in the editor', async () => {
    await page.waitForSelector('[data-testid="project-new-path"]', { timeout: 60_000 });
    const projectPath = join(studio.tmp, 'custom.kps');
    await page.fill('[data-testid="project-new-path"]', projectPath);
    await page.selectOption('[data-testid="project-new-schema"]', '__form');
    await page.waitForSelector('[data-testid="schema-form"]');

    // A JSON file with a duplicate name is refused, naming the file and the entry.
    await page.setInputFiles('[data-testid="schema-file"]', {
      name: 'bad-layout.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ id: 'bad', keypoints: ['a', 'b', 'a'] })),
    });
    await page.waitForSelector('[data-testid="schema-error"]');
    expect(await page.textContent('[data-testid="schema-error"]')).toContain('bad-layout.json: keypoints[2].name: "a" is already used by keypoints[0]');

    // The form: names (sides and groups guessed), flip pairs suggested from left/right names, edges as chains.
    await page.fill('[data-testid="schema-id"]', 'four-points');
    await page.fill('[data-testid="schema-title"]', 'Four points');
    await page.fill('[data-testid="schema-names"]', 'left_eye, right_eye, nose_tip\nchin');
    await page.click('[data-testid="schema-add-names"]');
    expect(await page.$$eval('[data-testid="schema-row"]', (rows) => rows.length)).toBe(4);
    await page.click('[data-testid="schema-suggest-pairs"]');
    expect((await page.inputValue('[data-testid="schema-flip-pairs"]')).trim()).toBe('left_eye right_eye');
    await page.fill('[data-testid="schema-edges"]', 'left_eye nose_tip right_eye\nnose_tip chin');
    await page.click('[data-testid="schema-submit"]');
    await page.waitForSelector('[data-testid="project-new-form-schema"]');
    await page.click('[data-testid="project-new"]');
    // The page goes to the import view once it has the created project: navigating before that races its own move there.
    await page.waitForSelector('[data-testid="import-path"]');

    await expect.poll(async () => (await studio.api.call('project.info', {}))?.path, { timeout: 20_000 }).toBe(projectPath);
    const schema = (await studio.api.call('project.info', {}))!.schema;
    expect(schema.id).toBe('four-points');
    expect(schema.keypoints.map((k) => [k.name, k.side])).toEqual([
      ['left_eye', 'left'],
      ['right_eye', 'right'],
      ['nose_tip', 'center'],
      ['chin', 'center'],
    ]);
    expect(schema.flipPairs).toEqual([[0, 1]]);
    expect(schema.edges).toEqual([[0, 2], [2, 1], [2, 3]]);

    // Two synthetic 64x48 faces with .pts files (1-based coordinates) of the four points.
    const dir = join(studio.tmp, 'faces');
    mkdirSync(dir);
    const pts = [
      [20, 15, 44, 15, 32, 26, 32, 40],
      [18, 14, 46, 16, 31, 27, 33, 41],
    ];
    for (let f = 0; f < pts.length; f++) {
      const pixels = Buffer.alloc(64 * 48, 0);
      for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + f * 50) % 256;
      await sharp(pixels, { raw: { width: 64, height: 48, channels: 1 } }).png().toFile(join(dir, `face${f + 1}.png`));
      const p = pts[f];
      writeFileSync(join(dir, `face${f + 1}.pts`), `version: 1\nn_points: 4\n{\n${[0, 2, 4, 6].map((k) => `${p[k]} ${p[k + 1]}`).join('\n')}\n}\n`);
    }
    const { jobId } = await studio.api.call('import.start', { path: dir, format: 'pts' });
    const end = await studio.api.call('job.wait', { jobId });
    expect(end.state).toBe('done');
    const ids = (await studio.api.call('samples.ids', {})).ids;
    expect(ids).toHaveLength(2);
    const first = await studio.api.call('sample.get', { id: ids[0] });

    await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), `#/editor/${ids[0]}`);
    await page.waitForSelector(`[data-testid="editor-stage"][data-sample-id="${ids[0]}"][data-ready="true"]`, { timeout: 20_000 });
    // The editor lists exactly the layout's four keypoints with the stored (0-based) values.
    expect(await page.$$eval('[data-testid^="kp-row-"]', (rows) => rows.length)).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(Number(await page.getAttribute(`[data-testid="kp-row-${i}"]`, 'data-x'))).toBeCloseTo(first.keypoints[i].x, 6);
    }
    expect(await page.textContent('[data-testid="kp-row-3"]')).toContain('chin');

    // Typing a coordinate in the list stores it.
    await page.fill('[data-testid="kp-x-3"]', '30.25');
    await page.press('[data-testid="kp-x-3"]', 'Enter');
    await expect.poll(async () => (await studio.api.call('sample.get', { id: ids[0] })).keypoints[3].x, { timeout: 10_000 }).toBe(30.25);
    expect((await studio.api.call('sample.get', { id: ids[0] })).keypoints[3].y).toBeCloseTo(first.keypoints[3].y, 6);
    expect(studio.pageErrors).toEqual([]);
  });
});
