// Unit tests of the Electron side of the renderer's API client: calls pass through, errors keep the service's shape.
import { describe, expect, it } from 'vitest';
import { createElectronClient, ServiceError, type KpsBridge } from '../../../src-renderer/lib/bridge.js';

function fakeBridge(reply: (op: string, req: unknown) => Promise<unknown>): KpsBridge & { emit(event: string, payload: unknown): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  return {
    mode: 'electron',
    call: reply as KpsBridge['call'],
    on(event, l) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const each = l as (p: unknown) => void;
      set.add(each);
      return () => set.delete(each);
    },
    imageUrl: (id) => `kps-image://sample/${id}`,
    openFileDialog: async () => null,
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
}

describe('Electron API client', () => {
  it('passes operations and their replies through, NaN included (IPC keeps it)', async () => {
    const seen: [string, unknown][] = [];
    const client = createElectronClient(
      fakeBridge(async (op, req) => {
        seen.push([op, req]);
        return { id: 3, keypoints: [{ x: NaN, y: NaN, state: 'missing' }] };
      }),
    );
    const res = (await client.call('sample.get', { id: 3 })) as unknown as { keypoints: { x: number }[] };
    expect(seen).toEqual([['sample.get', { id: 3 }]]);
    expect(Number.isNaN(res.keypoints[0].x)).toBe(true);
    expect(client.imageUrl(3)).toBe('kps-image://sample/3');
  });

  it('turns the preload rejection (the service error shape itself) into a ServiceError with file and record', async () => {
    const shape = { code: 'bad-input', message: '/d/training.csv, record 12: short pixel string', file: '/d/training.csv', record: 12 };
    const client = createElectronClient(fakeBridge(() => Promise.reject(shape)));
    const err = await client.call('import.start', { path: '/d/training.csv', format: 'kaggle-csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).shape).toEqual(shape);
    const plain = await createElectronClient(fakeBridge(() => Promise.reject(new Error('ipc broke'))))
      .call('project.info', {})
      .catch((e: unknown) => e);
    expect((plain as ServiceError).shape).toEqual({ code: 'internal', message: 'ipc broke' });
  });

  it('delivers events and unsubscribes', () => {
    const bridge = fakeBridge(async () => null);
    const client = createElectronClient(bridge);
    const got: unknown[] = [];
    const off = client.on('dataset.changed', (p) => got.push(p));
    bridge.emit('dataset.changed', { sampleIds: [1], reason: 'labels' });
    off();
    bridge.emit('dataset.changed', { sampleIds: [2], reason: 'labels' });
    expect(got).toEqual([{ sampleIds: [1], reason: 'labels' }]);
  });
});
