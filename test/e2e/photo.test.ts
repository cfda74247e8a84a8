// End to end (issue 5 item 7): a photo chosen in the page (no path on the server) is uploaded, its face found, and added as a sample to label.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../helpers/data.js';
import { startStudio, type Studio } from './harness.js';

describe('own photos without a run', () => {
  let s: Studio;
  let data: string;
  let csvDir: string;

  beforeAll(async () => {
    data = requireDataDir();
    csvDir = mkdtempSync(join(tmpdir(), 'kps-e2e-photo-'));
    const lines = readFileSync(join(data, 'kaggle-proxy', 'training.csv'), 'utf8').split('\n').slice(0, 6);
    writeFileSync(join(csvDir, 'five.csv'), lines.join('\n') + '\n');
    s = await startStudio({ project: { schema: 'kaggle-15', imports: [{ path: join(csvDir, 'five.csv'), format: 'kaggle-csv' }] } });
    await s.page.waitForSelector('[data-testid="nav-photo"]:not([disabled])');
  });
  afterAll(async () => {
    await s?.close();
    if (csvDir) rmSync(csvDir, { recursive: true, force: true });
  });

  it('names a photo path that does not exist', async () => {
    const { page } = s;
    await page.click('[data-testid="nav-photo"]');
    const missing = join(csvDir, 'no-such-face.jpg');
    await page.fill('[data-testid="photo-path"]', missing);
    await page.click('[data-testid="photo-open"]');
    await page.waitForSelector('[data-testid="photo-error"]');
    expect(await page.textContent('[data-testid="photo-error"]')).toContain(`${missing}: no such photo`);
  });

  it('uploads a chosen photo, shows the face found, and adds it as a sample with every keypoint missing', async () => {
    const { page, api } = s;
    const photo = join(data, 'imm-face-db', '03-1m.jpg');
    await page.setInputFiles('[data-testid="photo-file"]', photo);
    await page.waitForSelector('[data-testid="photo-result"]', { timeout: 120_000 });
    const saved = await page.inputValue('[data-testid="photo-path"]');
    expect(saved).toMatch(/project-photos\/\d+-03-1m\.jpg$/);
    expect(readFileSync(saved).equals(readFileSync(photo))).toBe(true);
    const box = await page.$eval('[data-testid="photo-face"]', (r) => ({ x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')), cls: r.getAttribute('class') ?? '' }));
    expect(box.w).toBeGreaterThan(50);
    expect(box.cls).not.toContain('fallback');
    expect(await page.locator('[data-testid="photo-kp"]').count()).toBe(0);

    await page.click('[data-testid="photo-add"]');
    await page.waitForSelector('[data-testid="photo-added"]');
    const id = Number(await page.getAttribute('[data-testid="photo-added"]', 'data-sample-id'));
    const sample = await api.call('sample.get', { id });
    expect(sample.source).toBe(saved);
    expect(existsSync(saved)).toBe(true);
    expect([sample.width, sample.height]).toEqual([640, 480]);
    expect(sample.keypoints.every((k) => k.state === 'missing')).toBe(true);
    expect((await api.call('project.info', {}))!.sampleCount).toBe(6);
    // "Label it" opens the new sample in the editor.
    await page.click('[data-testid="photo-edit"]');
    await page.waitForFunction((sid) => (globalThis as unknown as { location: { hash: string } }).location.hash === `#/editor/${sid}`, id);
  });

  it('shows every face of a photo of two people, predicts the one chosen, and adds each face as its own sample', async () => {
    const { page, api } = s;
    const two = join(csvDir, 'two-people.jpg');
    const [a, b] = await Promise.all(['01-1m.jpg', '05-1m.jpg'].map((f) => sharp(join(data, 'imm-face-db', f)).resize(640, 480).toBuffer()));
    await sharp({ create: { width: 1280, height: 480, channels: 3, background: '#808080' } }).composite([{ input: a, left: 0, top: 0 }, { input: b, left: 640, top: 0 }]).jpeg({ quality: 95 }).toFile(two);
    await page.click('[data-testid="nav-photo"]');
    await page.fill('[data-testid="photo-path"]', two);
    await page.click('[data-testid="photo-open"]');
    await page.waitForSelector('[data-testid="photo-faces"][data-count="2"]', { timeout: 120_000 });
    const boxX = async () => Number(await page.getAttribute('[data-testid="photo-face"]', 'x'));
    expect(await page.getAttribute('[data-testid="photo-faces"]', 'data-chosen')).toBe('0');
    const firstX = await boxX();
    // The other face is drawn too; choosing it moves the highlighted box to the other half of the picture.
    expect(await page.locator('[data-testid="photo-face-other"]').count()).toBe(1);
    await page.selectOption('[data-testid="photo-face-choice"]', '1');
    await page.waitForSelector('[data-testid="photo-faces"][data-chosen="1"]');
    const secondX = await boxX();
    expect([firstX < 640, secondX < 640].sort()).toEqual([false, true]);

    const before = (await api.call('project.info', {}))!.sampleCount;
    await page.click('[data-testid="photo-add-each"]');
    await page.waitForSelector('[data-testid="photo-added"]');
    const ids = (await page.getAttribute('[data-testid="photo-added"]', 'data-sample-ids'))!.split(',').map(Number);
    expect(ids).toHaveLength(2);
    expect((await api.call('project.info', {}))!.sampleCount).toBe(before + 2);
    for (const [i, id] of ids.entries()) {
      const smp = await api.call('sample.get', { id });
      expect([smp.source, smp.record, smp.width, smp.height]).toEqual([two, i + 1, 1280, 480]);
    }
    // Both faces are stored as found (each sample's own crop).
    expect((await api.call('stats.get', {})).faces?.found).toBeGreaterThanOrEqual(2);
  });
});
