// Atomic output: files and folders appear whole or not at all, and never replace a user's non-empty folder.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAtomicFileStream, writeFileAtomic, writeFolderAtomic } from '../../../src-main/formats/atomic.js';
import { tempDir } from './fixtures.js';

describe('atomic files', () => {
  it('replaces an existing file and creates missing parent folders', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'old');
    await writeFileAtomic(join(dir, 'a.txt'), 'new');
    await writeFileAtomic(join(dir, 'deep', 'er', 'b.txt'), 'b');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('new');
    expect(readFileSync(join(dir, 'deep', 'er', 'b.txt'), 'utf8')).toBe('b');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'deep']);
  });

  it('a stream is invisible until commit, and abort leaves nothing behind', async () => {
    const dir = tempDir();
    const target = join(dir, 'out.csv');
    const s = await openAtomicFileStream(target);
    await s.write('header\n');
    await s.write(Buffer.from('row\n'));
    expect(existsSync(target)).toBe(false);
    await s.commit();
    expect(readFileSync(target, 'utf8')).toBe('header\nrow\n');

    const t = await openAtomicFileStream(target);
    await t.write('half');
    await t.abort();
    expect(readFileSync(target, 'utf8')).toBe('header\nrow\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });
  it('refuses a folder as a file target with a clear message', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow(/is a folder; give a file name/);
    await expect(openAtomicFileStream(dir)).rejects.toThrow(/is a folder; give a file name/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('atomic folders', () => {
  it('builds the folder aside and renames it into place, replacing an empty folder', async () => {
    const dir = tempDir();
    const target = join(dir, 'export');
    mkdirSync(target);
    const result = await writeFolderAtomic(target, async (tmp) => {
      expect(tmp).not.toBe(target);
      writeFileSync(join(tmp, 'x.pts'), 'x');
      return 7;
    });
    expect(result).toBe(7);
    expect(readdirSync(target).sort()).toEqual(['.kps-export', 'x.pts']);
    expect(readdirSync(dir)).toEqual(['export']);
  });

  it('replaces an earlier export (it carries the marker file) but nothing else', async () => {
    const dir = tempDir();
    const target = join(dir, 'export');
    await writeFolderAtomic(target, async (tmp) => writeFileSync(join(tmp, 'old.pts'), 'old'));
    await writeFolderAtomic(target, async (tmp) => writeFileSync(join(tmp, 'new.pts'), 'new'));
    expect(readdirSync(target).sort()).toEqual(['.kps-export', 'new.pts']);
    expect(readdirSync(dir)).toEqual(['export']);
  });

  it('a failure while filling removes the temporary folder and creates nothing', async () => {
    const dir = tempDir();
    await expect(
      writeFolderAtomic(join(dir, 'export'), async (tmp) => {
        writeFileSync(join(tmp, 'partial'), '1');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a non-empty folder or a file as the target, touching neither', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'thesis.tex'), 'precious');
    await expect(writeFolderAtomic(join(dir, 'mine'), async () => 0)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/exists and is not empty/) });
    expect(readFileSync(join(dir, 'mine', 'thesis.tex'), 'utf8')).toBe('precious');
    writeFileSync(join(dir, 'file'), 'f');
    await expect(writeFolderAtomic(join(dir, 'file'), async () => 0)).rejects.toThrow(/exists and is not a folder/);
    expect(readdirSync(dir).sort()).toEqual(['file', 'mine']);
  });
});
