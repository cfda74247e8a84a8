// N concurrent HTTP clients doing label edits against a real `kps serve`: edits/s, p50, p99; then SIGKILL mid-load and check every acknowledged edit is in the journal.
// Settings (env): KPS_BENCH_CLIENTS (default 8), KPS_BENCH_LOAD_S (default 10), KPS_BENCH_KILL_MS (default 3000).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { ImportedSample } from '../src-main/formats/types.js';
import { loadBuiltinSchema } from '../src-main/formats/schemas.js';
import { createProject, openProject } from '../src-main/store/project.js';
import { percentile, report } from './util.js';

const CLIENTS = Number(process.env.KPS_BENCH_CLIENTS ?? 8);
const LOAD_S = Number(process.env.KPS_BENCH_LOAD_S ?? 10);
const KILL_MS = Number(process.env.KPS_BENCH_KILL_MS ?? 3000);
const SAMPLES = 4000;
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src-main', 'cli', 'main.ts');

/** Label-only samples (no pixels): the bench measures the edit path, not image storage. */
function makeProject(file: string): number {
  const schema = loadBuiltinSchema('kaggle-15');
  const k = schema.keypoints.length;
  const rows: ImportedSample[] = [];
  for (let r = 1; r <= SAMPLES; r++) {
    rows.push({
      source: '/bench/labels.csv',
      record: r,
      image: { kind: 'none', width: 96, height: 96, channels: 0 },
      groupId: null,
      keypoints: Array.from({ length: k }, () => ({ x: NaN, y: NaN, state: 'missing' as const })),
    });
  }
  const store = createProject(file, schema);
  store.importSamples(rows, 'import');
  store.close();
  return k;
}

interface Server {
  child: ChildProcess;
  /** The API base, e.g. http://127.0.0.1:1234/ */
  base: URL;
  /** From the printed URL's `?token=`, when the server requires one. */
  token: string | null;
}

function startServe(file: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(https?:\/\/\S+)/.exec(out);
      if (m && out.includes('\n')) {
        const url = new URL(m[1]);
        resolve({ child, base: new URL('/', url), token: url.searchParams.get('token') });
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`kps serve exited (${code ?? signal}) before printing its URL: ${err.trim()}`)));
  });
}

interface Ack {
  sampleId: number;
  index: number;
  x: number;
  y: number;
}

interface LoadResult {
  latencies: number[];
  acks: Ack[];
  busyRetries: number;
  failures: number;
  ms: number;
  /** One past the highest slot any client used: where a later round starts so no edit repeats a value. */
  nextSlot: number;
}

/**
 * CLIENTS loops, each sending one labels.set at a time until `stop()` says so. Every edit fills its own
 * (sample, keypoint) slot with values derived from the slot, so the journal check can find each one.
 */
async function runLoad(server: Server, k: number, stop: () => boolean, firstSlot = 0): Promise<LoadResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (server.token) headers.Authorization = `Bearer ${server.token}`;
  const endpoint = new URL('api/labels.set', server.base);
  const latencies: number[] = [];
  const acks: Ack[] = [];
  let busyRetries = 0;
  let failures = 0;
  let dead = false;
  let nextSlot = firstSlot;
  const t0 = performance.now();
  const client = async (c: number): Promise<void> => {
    for (let j = 0; !stop() && !dead; j++) {
      const slot = firstSlot + j * CLIENTS + c;
      if (slot >= SAMPLES * k) return;
      nextSlot = Math.max(nextSlot, slot + 1);
      const edit: Ack = { sampleId: Math.floor(slot / k) + 1, index: slot % k, x: (slot % 90) + 0.25, y: ((slot * 7) % 90) + 0.5 };
      const body = JSON.stringify({ sampleId: edit.sampleId, edits: [{ index: edit.index, x: edit.x, y: edit.y, state: 'labelled' }], actor: `bench:${c}` });
      for (;;) {
        const s = performance.now();
        let res: Response;
        try {
          res = await fetch(endpoint, { method: 'POST', headers, body });
        } catch {
          // The server is gone (the kill round): this edit was never acknowledged.
          dead = true;
          return;
        }
        const text = await res.text().catch(() => null);
        if (text === null) {
          dead = true;
          return;
        }
        if (res.status === 503) {
          // busy: retryable; wait as told, as the renderer's save queue does.
          busyRetries++;
          await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
          continue;
        }
        if (res.status !== 200) {
          failures++;
          break;
        }
        latencies.push(performance.now() - s);
        acks.push(edit);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  return { latencies, acks, busyRetries, failures, ms: performance.now() - t0, nextSlot };
}

function stopServe(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kps-bench-serve-'));
  try {
    // Load round: steady state with CLIENTS concurrent browsers' worth of edits.
    const loadFile = join(dir, 'load.kps');
    const k = makeProject(loadFile);
    const server = await startServe(loadFile);
    try {
      // Warm-up (not counted): the server's first requests load modules and fill caches.
      const warmEnd = performance.now() + 1000;
      const warm = await runLoad(server, k, () => performance.now() >= warmEnd);
      const end = performance.now() + LOAD_S * 1000;
      const r = await runLoad(server, k, () => performance.now() >= end, warm.nextSlot);
      report({
        bench: 'serve.concurrent-label-edits',
        clients: CLIENTS,
        seconds: +(r.ms / 1000).toFixed(2),
        edits: r.acks.length,
        edits_per_s: +((r.acks.length * 1000) / r.ms).toFixed(1),
        p50_ms: +percentile(r.latencies, 50).toFixed(2),
        p99_ms: +percentile(r.latencies, 99).toFixed(2),
        busy_retries: r.busyRetries,
        failures: r.failures,
        path: 'HTTP POST /api/labels.set against kps serve (WAL, synchronous=FULL)',
      });
    } finally {
      await stopServe(server);
    }

    // Kill round: SIGKILL the server mid-load; every acknowledged edit must be in the journal after reopening.
    const killFile = join(dir, 'kill.kps');
    makeProject(killFile);
    const victim = await startServe(killFile);
    // A timer, not an edit count: the kill lands wherever the server is, mid-request or mid-commit.
    const timer = setTimeout(() => victim.child.kill('SIGKILL'), KILL_MS);
    const r = await runLoad(victim, k, () => false);
    clearTimeout(timer);
    await new Promise<void>((res) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? res() : victim.child.once('exit', () => res())));
    const lockLeft = existsSync(`${killFile}.lock`) ? (JSON.parse(readFileSync(`${killFile}.lock`, 'utf8')) as { pid: number }).pid === victim.child.pid : false;
    // Reopening takes over the dead server's lock and replays its WAL.
    const store = openProject(killFile);
    let found = 0;
    let labelsMatch = 0;
    try {
      const bySample = new Map<number, Ack[]>();
      for (const a of r.acks) bySample.set(a.sampleId, [...(bySample.get(a.sampleId) ?? []), a]);
      for (const [sampleId, acks] of bySample) {
        const history = store.history(sampleId);
        const current = store.getSample(sampleId).keypoints;
        for (const a of acks) {
          const inJournal = history.some((e) => {
            if (e.kind !== 'keypoint' || e.index !== a.index) return false;
            const after = e.after as { x: number; y: number; state: string };
            return after.x === a.x && after.y === a.y && after.state === 'labelled';
          });
          if (inJournal) found++;
          if (current[a.index].x === a.x && current[a.index].y === a.y) labelsMatch++;
        }
      }
    } finally {
      store.close();
    }
    const raw = new Database(killFile, { readonly: true });
    const integrity = raw.pragma('integrity_check', { simple: true });
    const journalEdits = (raw.prepare("SELECT count(*) AS n FROM journal WHERE kind = 'keypoint'").get() as { n: number }).n;
    raw.close();
    report({
      bench: 'serve.sigkill-mid-load',
      clients: CLIENTS,
      killed_after_ms: KILL_MS,
      acknowledged: r.acks.length,
      found_in_journal: found,
      labels_match: labelsMatch,
      journal_keypoint_entries: journalEdits,
      in_flight_committed_unacked: journalEdits - found,
      stale_lock_left_by_killed_server: lockLeft,
      reopened_after_kill: true,
      integrity_check: integrity,
      target: 'acknowledged == found_in_journal, integrity ok',
      pass: r.acks.length > 0 && found === r.acks.length && labelsMatch === r.acks.length && integrity === 'ok',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
