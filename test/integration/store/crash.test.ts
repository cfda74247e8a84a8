// Crash safety: a child applies edits and acks each; we SIGKILL it at random moments; every acked edit must survive.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createProject, openProject } from '../../../src-main/store/project.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';
import { schema5, tempDir } from '../../unit/store/fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'crash-child.ts');
const SAMPLES = 1000;
const K = schema5.keypoints.length;
const EDITS = SAMPLES * K;

function makeProject(file: string): void {
  const store = createProject(file, schema5);
  const samples: ImportedSample[] = [];
  for (let r = 1; r <= SAMPLES; r++) {
    samples.push({
      source: '/synthetic/crash.csv',
      record: r,
      image: { kind: 'none', width: 96, height: 96, channels: 0 },
      groupId: null,
      keypoints: Array.from({ length: K }, () => ({ x: NaN, y: NaN, state: 'missing' as const })),
    });
  }
  store.importSamples(samples, 'import');
  store.close();
}

/** Runs the child, kills it `delayMs` after its first ack (imports: after `startOn`), and returns what it printed. */
function runAndKill(
  mode: 'store' | 'service' | 'import',
  file: string,
  delayMs: number,
  count = EDITS,
  startOn: 'ready' | 'last-row' = 'ready',
): Promise<{ acks: number[]; signal: string | null; stderr: string; importAcked: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, file, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: number[] = [];
    let importAcked = false;
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ack import') importAcked = true;
        // An import has no per-edit acks: its kill timer starts when the import begins.
        if (line === startOn && mode === 'import') timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        const m = /^ack (\d+)$/.exec(line);
        if (!m) continue;
        acks.push(Number(m[1]));
        if (timer === null) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ acks, signal, stderr, importAcked });
    });
  });
}

function verify(file: string, acks: number[]): { present: number } {
  // Opening replays the WAL the killed process left behind.
  const store = openProject(file);
  let present = 0;
  try {
    const items = store.listSamples({}).items;
    const filled = new Set<number>();
    for (const s of items) {
      s.keypoints.forEach((kp, index) => {
        const i = (s.id - 1) * K + index;
        if (kp.state === 'labelled') {
          // A present edit must carry exactly its own values, never a torn write.
          expect(kp.x).toBe((i % 90) + 0.25);
          expect(kp.y).toBe(Math.floor(i / 90) * 0.25);
          filled.add(i);
        }
      });
    }
    present = filled.size;
    // Every acknowledged edit is there.
    for (const i of acks) expect(filled.has(i)).toBe(true);
    // Edits commit in order: what survived is a prefix (at most the acks plus the edit in flight).
    for (let i = 0; i < present; i++) expect(filled.has(i)).toBe(true);
    expect(present).toBeGreaterThanOrEqual(acks.length);
    expect(present).toBeLessThanOrEqual(acks.length + 1);
    // The journal holds one action per surviving edit, each undoable.
    const last = store.history(Math.floor((present - 1) / K) + 1).at(-1);
    expect(last?.actor).toBe('annotator:crash-test');
  } finally {
    store.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const actions = (db.prepare("SELECT count(*) AS n FROM actions WHERE kind = 'edit'").get() as { n: number }).n;
    expect(actions).toBe(present);
  } finally {
    db.close();
  }
  return { present };
}

describe('crash safety of a large import', () => {
  const IMPORT_ROWS = 6000;

  /** Kills the child `delay` ms into an import and checks the project is either unchanged or fully imported. */
  async function killDuringImport(delay: number, startOn: 'ready' | 'last-row'): Promise<{ killed: boolean }> {
    const { dir, cleanup } = tempDir('kps-crash-import-');
    try {
      const file = join(dir, 'crash.kps');
      makeProject(file);
      const { signal, stderr, importAcked } = await runAndKill('import', file, delay, IMPORT_ROWS, startOn);
      expect(stderr).toBe('');
      const store = openProject(file);
      let count: number;
      try {
        count = store.sampleCount();
        // All or nothing, and an acknowledged import is all.
        expect(count === SAMPLES || count === SAMPLES + IMPORT_ROWS).toBe(true);
        if (importAcked) expect(count).toBe(SAMPLES + IMPORT_ROWS);
        if (count > SAMPLES) {
          expect(store.getSample(SAMPLES + IMPORT_ROWS).record).toBe(IMPORT_ROWS);
          expect(store.getPixels(SAMPLES + IMPORT_ROWS)![0]).toBe(IMPORT_ROWS & 0xff);
        }
      } finally {
        store.close();
      }
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const n = (q: string) => (db.prepare(q).get() as { n: number }).n;
        expect(n('SELECT count(*) AS n FROM labels')).toBe(count * K);
        expect(n('SELECT count(*) AS n FROM sample_pixels')).toBe(count - SAMPLES);
        expect(n("SELECT count(*) AS n FROM journal WHERE kind = 'import'")).toBe(count);
      } finally {
        db.close();
      }
      console.log(`crash import: kill ${delay} ms after ${startOn} (${signal ?? 'exited first'}); ${importAcked ? 'acked' : 'not acked'}; ${count - SAMPLES} imported`);
      return { killed: signal === 'SIGKILL' };
    } finally {
      cleanup();
    }
  }

  it('leaves the project either unchanged or fully imported, wherever the kill lands', async () => {
    // Early kills land while rows are validated and written (6,000 samples take well over 150 ms anywhere).
    for (const d of [Math.floor(Math.random() * 60), 60 + Math.floor(Math.random() * 90)]) {
      expect((await killDuringImport(d, 'ready')).killed).toBe(true);
    }
    // Late kills aim at the commit, which starts right after the last row is written; some land after it ends.
    for (const d of [0, Math.floor(Math.random() * 100), Math.floor(Math.random() * 400)]) await killDuringImport(d, 'last-row');
  });
});

describe('crash safety', () => {
  // Kill moments: right after the first ack, and at random later moments (logged so a failure can be replayed).
  const rounds: { mode: 'store' | 'service'; delay: number }[] = [
    { mode: 'store', delay: 0 },
    { mode: 'store', delay: Math.floor(Math.random() * 150) },
    { mode: 'store', delay: 150 + Math.floor(Math.random() * 600) },
    { mode: 'service', delay: Math.floor(Math.random() * 300) },
    { mode: 'service', delay: 300 + Math.floor(Math.random() * 600) },
  ];
  for (const { mode, delay } of rounds) {
    it(`keeps every acknowledged edit when the ${mode} process is killed ${delay} ms after its first ack`, async () => {
      const { dir, cleanup } = tempDir('kps-crash-');
      try {
        const file = join(dir, 'crash.kps');
        makeProject(file);
        const { acks, signal, stderr } = await runAndKill(mode, file, delay);
        expect(stderr).toBe('');
        expect(signal).toBe('SIGKILL');
        expect(acks.length).toBeGreaterThan(0);
        expect(acks.length).toBeLessThan(EDITS);
        expect(acks).toEqual(acks.map((_, i) => i));
        const { present } = verify(file, acks);
        console.log(`crash ${mode}: killed ${delay} ms after first ack; ${acks.length} acked, ${present} present`);
      } finally {
        cleanup();
      }
    });
  }
});
