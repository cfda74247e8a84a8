// The preload bridge with a fake contextBridge/ipcRenderer: it exposes only window.kps, unwraps replies, fans out events.
import { beforeAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({
  exposed: new Map<string, Record<string, unknown>>(),
  invoked: [] as { channel: string; arg: unknown }[],
  replies: [] as unknown[],
  eventListener: null as null | ((e: unknown, m: unknown) => void),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => fake.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (channel: string, arg: unknown) => {
      fake.invoked.push({ channel, arg });
      return fake.replies.shift();
    },
    on: (channel: string, l: (e: unknown, m: unknown) => void) => {
      if (channel === 'kps:event') fake.eventListener = l;
    },
  },
}));

interface Bridge {
  mode: string;
  call(op: string, req: unknown): Promise<unknown>;
  on(event: string, l: (p: unknown) => void): () => void;
  imageUrl(id: number): string;
  openFileDialog(o: unknown): Promise<string | null>;
}
let kps: Bridge;

beforeAll(async () => {
  await import('../../../src-main/electron/preload.js');
  kps = fake.exposed.get('kps') as unknown as Bridge;
});

describe('preload bridge', () => {
  it('exposes exactly window.kps with call, on, imageUrl, openFileDialog and mode', () => {
    expect([...fake.exposed.keys()]).toEqual(['kps']);
    expect(Object.keys(kps).sort()).toEqual(['call', 'imageUrl', 'mode', 'on', 'openFileDialog']);
    expect(kps.mode).toBe('electron');
    expect(kps.imageUrl(42)).toBe('kps-image://sample/42');
  });

  it('sends calls on kps:call and unwraps values and error shapes', async () => {
    fake.replies.push({ ok: true, value: { version: '1' } });
    expect(await kps.call('app.info', {})).toEqual({ version: '1' });
    expect(fake.invoked.at(-1)).toEqual({ channel: 'kps:call', arg: { op: 'app.info', req: {} } });
    fake.replies.push({ ok: false, error: { code: 'not-found', message: 'sample 9 does not exist' } });
    await expect(kps.call('sample.get', { id: 9 })).rejects.toEqual({ code: 'not-found', message: 'sample 9 does not exist' });
    const before = fake.invoked.length;
    await expect(kps.call('fs.read', {})).rejects.toMatchObject({ code: 'not-found' });
    expect(fake.invoked.length).toBe(before);
  });

  it('fans out kps:event messages to listeners until they unsubscribe', () => {
    const got: unknown[] = [];
    const off = kps.on('dataset.changed', (p) => got.push(p));
    fake.eventListener!({}, { event: 'dataset.changed', payload: { sampleIds: [1], reason: 'labels' } });
    fake.eventListener!({}, { event: 'job.ended', payload: {} });
    off();
    fake.eventListener!({}, { event: 'dataset.changed', payload: { sampleIds: [2], reason: 'labels' } });
    expect(got).toEqual([{ sampleIds: [1], reason: 'labels' }]);
    expect(() => kps.on('no.such.event', () => {})).toThrow(/unknown event/);
  });

  it('asks main for a file dialog on kps:dialog', async () => {
    fake.replies.push({ ok: true, value: '/data/faces.kps' });
    expect(await kps.openFileDialog({ kind: 'file', title: 'Open project' })).toBe('/data/faces.kps');
    expect(fake.invoked.at(-1)).toEqual({ channel: 'kps:dialog', arg: { kind: 'file', title: 'Open project' } });
  });
});
