// One label edit through the service, acknowledged and durable (store commits with synchronous=FULL): in-process and over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Service } from '../src-main/service/service.js';
import { startHttpServer } from '../src-main/transport/http.js';
import { createWebClient } from '../src-main/api/web-client.js';
import type { ApiClient } from '../src-main/api/ops.js';
import { requireDataDir } from '../test/helpers/data.js';
import { median, percentile, report } from './util.js';

const EDITS = 300;
const WARMUP = 20;
const TARGET_MS = 5;

async function timeEdits(client: Pick<ApiClient, 'call'>, ids: number[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + EDITS; i++) {
    const sampleId = ids[i % ids.length];
    // A new position each time so every edit is a real change written to the journal.
    const x = 10 + (i % 70) + 0.25;
    const t0 = performance.now();
    await client.call('labels.set', { sampleId, edits: [{ index: 10, x, y: 50.5, state: 'labelled' }] });
    const dt = performance.now() - t0;
    if (i >= WARMUP) times.push(dt);
  }
  return times;
}

const dir = mkdtempSync(join(tmpdir(), 'kps-bench-service-'));
try {
  const service = await Service.create({ mode: 'web', actor: 'bench' });
  await service.call('project.create', { path: join(dir, 'bench.kps'), schema: 'kaggle-15' });
  const { jobId } = await service.call('import.start', { path: join(requireDataDir(), 'kaggle-proxy', 'training.csv'), format: 'kaggle-csv' });
  const job = await service.call('job.wait', { jobId });
  if (job.state !== 'done') throw new Error(`import failed: ${job.error?.message}`);
  const ids = (await service.call('samples.ids', { limit: 200 })).ids;

  const inProcess = await timeEdits(service, ids);
  report({
    bench: 'service.label-edit.in-process',
    edits: EDITS,
    median_ms: +median(inProcess).toFixed(3),
    p95_ms: +percentile(inProcess, 95).toFixed(3),
    target: `median <= ${TARGET_MS} ms`,
    pass: median(inProcess) <= TARGET_MS,
  });

  const server = await startHttpServer({ service, port: 0, staticDir: null });
  const client = createWebClient({ baseUrl: server.url, token: server.token });
  const overHttp = await timeEdits(client, ids);
  report({
    bench: 'service.label-edit.http',
    edits: EDITS,
    median_ms: +median(overHttp).toFixed(3),
    p95_ms: +percentile(overHttp, 95).toFixed(3),
    target: `median <= ${TARGET_MS} ms`,
    pass: median(overHttp) <= TARGET_MS,
  });
  client.close();
  await server.close();

  // Durable: reopen the file and check the last edit is there.
  await service.call('project.close', {});
  await service.call('project.open', { path: join(dir, 'bench.kps') });
  const last = WARMUP + EDITS - 1;
  const s = await service.call('sample.get', { id: ids[last % ids.length] });
  const expectX = 10 + (last % 70) + 0.25;
  if (s.keypoints[10].x !== expectX) throw new Error(`last edit not durable: x=${s.keypoints[10].x}, expected ${expectX}`);
  await service.shutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
