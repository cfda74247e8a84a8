// The bench runner's pass/fail rule: any missed target, bench error, crash or silent bench makes `npm run bench` exit 1.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { judge, type BenchRun } from '../../../bench/verdict.js';
import { repoRoot } from '../../helpers/data.js';

function run(file: string, results: object[], extra: Partial<BenchRun> = {}): BenchRun {
  return { file, status: 0, signal: null, stdout: ['starting', ...results.map((r) => JSON.stringify(r))].join('\n') + '\n', ...extra };
}

const met = { bench: 'store.list', target: '<= 50 ms', p95_ms: 12, pass: true };
const missed = { bench: 'editor.open-next-cold', target: '<= 50 ms', p95_ms: 80, pass: false };
const info = { bench: 'editor.open-next-rapid', target: 'informational', p95_ms: 31 };

describe('bench verdict', () => {
  it('exits 0 when every target is met; informational results do not count', () => {
    const v = judge([run('store.bench.ts', [met, info]), run('qc.bench.ts', [{ ...met, bench: 'qc' }])]);
    expect(v.failures).toEqual([]);
    expect(v.exitCode).toBe(0);
    expect(v.lines).toHaveLength(3);
  });

  it('exits 1 when one result among many misses its target, and names it', () => {
    const v = judge([run('store.bench.ts', [met]), run('editor.bench.ts', [met, missed, info]), run('qc.bench.ts', [met])]);
    expect(v.exitCode).toBe(1);
    expect(v.failures).toEqual(['editor.open-next-cold: missed its target (<= 50 ms)']);
  });

  it('exits 1 on a result with an error, even one with pass missing', () => {
    const v = judge([run('train-speed.bench.ts', [{ bench: 'train-speed/vgg', error: 'worker crashed' }])]);
    expect(v.exitCode).toBe(1);
    expect(v.failures).toEqual(['train-speed/vgg: worker crashed']);
  });

  it('exits 1 when a bench process fails after reporting passes, and adds an error line for it', () => {
    const v = judge([run('gallery.bench.ts', [met], { status: 1 }), run('augment.bench.ts', [], { status: null, signal: 'SIGKILL' })]);
    expect(v.exitCode).toBe(1);
    expect(v.failures).toEqual(['gallery.bench.ts: exited with 1', 'augment.bench.ts: exited with SIGKILL']);
    expect(v.lines.map((l) => JSON.parse(l) as { error?: string }).filter((o) => o.error)).toHaveLength(2);
  });

  it('exits 1 when a bench prints no result, a result is not JSON, or pass is not a boolean', () => {
    expect(judge([run('import.bench.ts', [])]).failures).toEqual(['import.bench.ts: printed no result']);
    expect(judge([{ file: 'x.bench.ts', status: 0, signal: null, stdout: '{not json\n' }]).exitCode).toBe(1);
    expect(judge([run('x.bench.ts', [{ ...met, pass: 'yes' }])]).failures).toEqual(['store.list: pass is "yes", not a boolean']);
  });

  it('exits 1 when no bench ran', () => {
    expect(judge([]).exitCode).toBe(1);
  });

  it('bench/run.ts exits with the verdict: a filter that matches no bench is a failure', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'run.ts'), 'no-such-bench-xyz'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { bench: string; pass: boolean; failures: string[] };
    expect(last).toEqual({ bench: 'summary', benches: 0, pass: false, failures: ['no bench matched'] });
  });
});
