// Import errors that quote file content, through the real importers and web mode: short, escaped, bounded everywhere.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Service } from '../../../src-main/service/service.js';
import { startHttpServer, type RunningHttpServer } from '../../../src-main/transport/http.js';
import { createWebClient, type WebSocketCtor, type WebClient } from '../../../src-main/api/web-client.js';
import type { JobStatus } from '../../../src-main/api/ops.js';
import { MESSAGE_MAX } from '../../../src-main/core/errors.js';
import { tempDir } from '../../unit/service/fakes.js';

let tmp: ReturnType<typeof tempDir>;
let service: Service;
let server: RunningHttpServer;
let client: WebClient;

/** Runs an import over HTTP; returns its end as job.wait reports it and as the WebSocket pushed it. */
async function failedImport(path: string, format: 'coco' | 'kaggle-csv'): Promise<{ waited: JobStatus; pushed: JobStatus; wire: string }> {
  const frames: string[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const ended = new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      frames.push(String(d));
      if (String(d).includes('"job.ended"')) resolve();
    }),
  );
  const { jobId } = await client.call('import.start', { path, format });
  const waited = await client.call('job.wait', { jobId });
  await ended;
  ws.close();
  const wire = frames.find((f) => f.includes('"job.ended"'))!;
  return { waited, pushed: (JSON.parse(wire) as { payload: JobStatus }).payload, wire };
}

beforeEach(async () => {
  tmp = tempDir();
  service = await Service.create({ mode: 'web' });
  server = await startHttpServer({ service, port: 0, staticDir: null });
  client = createWebClient({ baseUrl: server.url, WebSocket: WebSocket as unknown as WebSocketCtor });
  await client.call('project.create', { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' });
});

afterEach(async () => {
  client.close();
  await server.close();
  await service.shutdown();
  tmp.cleanup();
});

describe('error messages that quote a file', () => {
  it('an import of a short secret file as COCO does not quote the secret', async () => {
    // What `import.start {"path": "/etc/shadow", "format": "coco"}` did: V8's JSON error quotes up to 20 raw characters.
    const secret = join(tmp.dir, 'token.txt');
    writeFileSync(secret, 'sk-live-4f9a8e7d\nx');
    const { waited, pushed } = await failedImport(secret, 'coco');
    expect(waited.state).toBe('failed');
    expect(waited.error!.message).toBe(`${secret}: is not valid JSON (Unexpected token 's')`);
    expect(pushed.error!.message).toBe(waited.error!.message);
    expect(waited.error!.message).not.toContain('live');
  });

  it('a COCO file with a syntax error names the line and column, not the text around it', async () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, '{"images": [],\n "password": hunter2}');
    const { waited } = await failedImport(bad, 'coco');
    expect(waited.error!.message).not.toContain('hunter2');
    expect(waited.error!.message).toMatch(/bad\.json: is not valid JSON \(Unexpected token 'h'/);
  });

  it('a 5 MB CSV cell makes a bounded one-line error in the job status and on the WebSocket', async () => {
    const csv = join(tmp.dir, 'training.csv');
    const header = (await client.call('schema.list', {}))
      .find((s) => s.id === 'kaggle-15')!
      .keypoints.flatMap((k) => [`${k.name}_x`, `${k.name}_y`])
      .concat('Image');
    const cell = 'x'.repeat(5_000_000) + '\n\u001b[2J';
    const row = [`"${cell}"`, ...Array.from({ length: 29 }, () => '1'), Array.from({ length: 96 * 96 }, () => '0').join(' ')];
    writeFileSync(csv, `${header.join(',')}\n${row.join(',')}\n`);
    const { waited, pushed, wire } = await failedImport(csv, 'kaggle-csv');
    expect(waited.state).toBe('failed');
    const message = waited.error!.message;
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(message.startsWith(`${csv}, record 1`)).toBe(true);
    expect(message).not.toMatch(/[\n\u001b]/);
    expect(pushed.error!.message).toBe(message);
    expect(wire.length).toBeLessThan(4 * MESSAGE_MAX);
  });
});
