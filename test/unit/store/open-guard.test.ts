// project.open checks that a file is a Keypoint Studio project before changing anything: refused files keep their bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createProject, openProject } from '../../../src-main/store/project.js';
import { KpsError } from '../../../src-main/core/errors.js';
import { schema5, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('kps-guard-')));
afterEach(() => cleanup());

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Opens `file`, expects a refusal that names it, and checks its bytes and its folder are unchanged. */
function expectRefusedUnchanged(file: string, why: RegExp): KpsError {
  const before = sha(file);
  const filesBefore = readdirSync(dir).sort();
  let caught: unknown;
  try {
    openProject(file).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(KpsError);
  const err = caught as KpsError;
  expect(err.code).toBe('bad-input');
  expect(err.message).toContain(file);
  expect(err.message).toMatch(why);
  expect(err.message).not.toContain('\n');
  expect(sha(file)).toBe(before);
  expect(readdirSync(dir).sort()).toEqual(filesBefore);
  return err;
}

describe('project.open refuses files that are not projects, without changing them', () => {
  it("another application's SQLite database (rollback journal) stays byte-for-byte the same and is not switched to WAL", () => {
    const file = join(dir, 'other-app.db');
    const db = new Database(file);
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('owner', 'someone else'); CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('hello')");
    db.close();
    expectRefusedUnchanged(file, /not a Keypoint Studio project/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('a WAL-mode database of another application, still open by that application with commits in its WAL, is unchanged', () => {
    const file = join(dir, 'busy-app.sqlite');
    const other = new Database(file);
    other.pragma('journal_mode = WAL');
    other.exec("CREATE TABLE things (x); INSERT INTO things VALUES (1), (2)");
    try {
      expectRefusedUnchanged(file, /not a Keypoint Studio project/);
    } finally {
      other.close();
    }
  });

  it('a SQLite file with another application_id is refused by its header', () => {
    const file = join(dir, 'tagged.db');
    const db = new Database(file);
    db.pragma('application_id = 1234');
    db.exec('CREATE TABLE t (x)');
    db.close();
    expectRefusedUnchanged(file, /application_id/);
  });

  it('an empty file stays empty (SQLite would make it a 4 KB database)', () => {
    const file = join(dir, 'empty.kps');
    writeFileSync(file, '');
    expectRefusedUnchanged(file, /empty/);
    expect(readFileSync(file).length).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a text file is refused as not a SQLite database and left alone', () => {
    const file = join(dir, 'notes.kps');
    writeFileSync(file, 'image,left_eye_x\n1,2\n');
    expectRefusedUnchanged(file, /not a SQLite database/);
  });

  it('a project made by this app opens, and carries the Keypoint Studio application_id in its header', () => {
    const file = join(dir, 'p.kps');
    createProject(file, schema5).close();
    expect(readFileSync(file).readUInt32BE(68)).not.toBe(0);
    const store = openProject(file);
    expect(store.schema.id).toBe(schema5.id);
    store.close();
  });
});
