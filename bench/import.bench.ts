// Benchmark: import a 7,049-row Kaggle training.csv (~231 MB, built by repeating kaggle-proxy rows): parse alone, and parse + write into a real project store.
//
// Each phase runs in its own child process so its peak RSS is its own. A third child times a
// generic line-and-split reader (readline, String.split, Number) over the same file for comparison.
// Target: full import at most 6 s wall and 1.5 GB peak RSS.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { report } from './util.js';

const ROWS = 7049;
const here = fileURLToPath(import.meta.url);

interface PhaseResult {
  phase: string;
  wallMs: number;
  parseMs?: number;
  storeMs?: number;
  rows: number;
  peakRssMb: number;
  /** CPU time (user + system) of the phase: less sensitive than wall time to a busy machine. */
  cpuMs: number;
}

function peakRssMb(): number {
  // maxRSS is in kilobytes and covers the whole life of this (child) process.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function runPhase(phase: string, csv: string, projectPath: string): Promise<PhaseResult> {
  const { importKaggleCsv } = await import('../src-main/formats/kaggle-csv.js');
  const { loadBuiltinSchema } = await import('../src-main/formats/schemas.js');
  const { quietContext } = await import('../src-main/formats/common.js');
  const schema = loadBuiltinSchema('kaggle-15');
  const cpu0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(cpu0);
    return Math.round((c.user + c.system) / 1000);
  };
  if (phase === 'generic') {
    // What a generic line-based reader does: materialise each ~33 kB line, split it, and convert every token.
    const t0 = performance.now();
    let rows = 0;
    const lines = createInterface({ input: createReadStream(csv), crlfDelay: Infinity });
    let header = true;
    for await (const line of lines) {
      if (header) {
        header = false;
        continue;
      }
      const cells = line.split(',');
      const coords = cells.slice(0, 30).map((c) => (c === '' ? NaN : Number(c)));
      const pixels = Uint8Array.from(cells[30].split(' '), Number);
      if (coords.length !== 30 || pixels.length !== 9216) throw new Error('bad row');
      rows++;
    }
    return { phase, wallMs: performance.now() - t0, rows, peakRssMb: peakRssMb(), cpuMs: cpuMs() };
  }
  const t0 = performance.now();
  const samples = await importKaggleCsv(csv, schema, quietContext());
  const t1 = performance.now();
  if (phase === 'parse') return { phase, wallMs: t1 - t0, parseMs: t1 - t0, rows: samples.length, peakRssMb: peakRssMb(), cpuMs: cpuMs() };
  const { createProject } = await import('../src-main/store/project.js');
  const store = createProject(projectPath, schema);
  store.importSamples(samples, 'import');
  const count = store.sampleCount();
  store.close();
  const t2 = performance.now();
  if (count !== ROWS) throw new Error(`store holds ${count} samples, expected ${ROWS}`);
  return { phase, wallMs: t2 - t0, parseMs: t1 - t0, storeMs: t2 - t1, rows: count, peakRssMb: peakRssMb(), cpuMs: cpuMs() };
}

/** Write a ROWS-row training.csv by cycling through the kaggle-proxy rows. */
async function buildCsv(out: string): Promise<void> {
  const { requireDataDir } = await import('../test/helpers/data.js');
  const text = readFileSync(join(requireDataDir(), 'kaggle-proxy/training.csv'), 'utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  const [header, ...rows] = lines;
  const ws = createWriteStream(out);
  const write = (s: string) => (ws.write(s) ? Promise.resolve() : new Promise<void>((r) => ws.once('drain', () => r())));
  await write(header + '\n');
  for (let i = 0; i < ROWS; i++) await write(rows[i % rows.length] + '\n');
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function main(): Promise<void> {
  const [, , flag, phase, csv, projectPath] = process.argv;
  if (flag === '--phase') {
    const result = await runPhase(phase, csv, projectPath);
    process.stdout.write('PHASE ' + JSON.stringify(result) + '\n');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kps-bench-import-'));
  try {
    const csvPath = join(dir, 'training.csv');
    await buildCsv(csvPath);
    const sizeMb = statSync(csvPath).size / 1e6;
    const results: Record<string, PhaseResult> = {};
    for (const p of ['parse', 'full', 'generic']) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', here, '--phase', p, csvPath, join(dir, `${p}.kps`)], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      const line = child.stdout.split('\n').find((l) => l.startsWith('PHASE '));
      if (child.status !== 0 || !line) throw new Error(`phase ${p} failed (${child.status}): ${child.stderr.slice(-2000)}`);
      results[p] = JSON.parse(line.slice(6)) as PhaseResult;
    }
    const parse = results.parse, full = results.full, generic = results.generic;
    report({
      bench: 'import.kaggle-csv.parse',
      rows: parse.rows,
      fileMb: Math.round(sizeMb),
      wallMs: Math.round(parse.wallMs),
      cpuMs: parse.cpuMs,
      mbPerS: Math.round(sizeMb / (parse.wallMs / 1000)),
      peakRssMb: parse.peakRssMb,
      genericReaderMs: Math.round(generic.wallMs),
      genericReaderCpuMs: generic.cpuMs,
      genericPeakRssMb: generic.peakRssMb,
    });
    report({
      bench: 'import.kaggle-csv.full',
      rows: full.rows,
      fileMb: Math.round(sizeMb),
      wallMs: Math.round(full.wallMs),
      cpuMs: full.cpuMs,
      parseMs: Math.round(full.parseMs ?? 0),
      storeMs: Math.round(full.storeMs ?? 0),
      peakRssMb: full.peakRssMb,
      target: 'wall <= 6000 ms and peak RSS <= 1536 MB',
      pass: full.wallMs <= 6000 && full.peakRssMb <= 1536,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
