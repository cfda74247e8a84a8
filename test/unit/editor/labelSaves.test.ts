import { describe, expect, it } from 'vitest';
import type { ApiClient, OpName, OpRequest, OpResponse } from '../../../src-main/api/ops.js';
import type { KeyValueStorage } from '../../../src-renderer/editor/hotkeys.js';
import { LabelSaves, NOT_SENT } from '../../../src-renderer/editor/labelSaves.js';
import { NudgeRuns } from '../../../src-renderer/editor/nudgeRun.js';
import { PENDING_STORAGE_KEY, loadPending } from '../../../src-renderer/editor/pendingSaves.js';

class MemStorage implements KeyValueStorage {
  m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, v); }
  removeItem(k: string) { this.m.delete(k); }
}

/** A service with one open project that refuses edits naming another one, as labels.set does. */
function fakeApi(open: { path: string }): { api: ApiClient; sent: OpRequest<'labels.set'>[] } {
  const sent: OpRequest<'labels.set'>[] = [];
  let action = 0;
  const api = {
    async call<K extends OpName>(op: K, req: OpRequest<K>): Promise<OpResponse<K>> {
      if (op !== 'labels.set') throw new Error(`unexpected ${op}`);
      const r = req as OpRequest<'labels.set'>;
      if (r.project !== undefined && r.project !== open.path) {
        throw Object.assign(new Error('other project'), { shape: { code: 'conflict', message: 'other project', file: r.project } });
      }
      sent.push(r);
      const actionId = r.mergeInto ?? ++action;
      return { revision: sent.length, actionId } as OpResponse<K>;
    },
    on: () => () => undefined,
    imageUrl: (id: number) => `/image/${id}`,
  } as unknown as ApiClient;
  return { api, sent };
}

const edit = (x: number) => [{ index: 0, x, y: 1, state: 'labelled' as const }];

describe('label saves', () => {
  it('name their project; one refused because another project is open is kept and sent when its project is back', async () => {
    const open = { path: '/p/a.kps' };
    const { api, sent } = fakeApi(open);
    const st = new MemStorage();
    const saves = new LabelSaves(api, st);
    expect(await saves.enqueue({ project: '/p/a.kps', sampleId: 4, edits: edit(1), label: 'set' })).toEqual({ revision: 1, actionId: 1 });
    expect(sent[0].project).toBe('/p/a.kps');

    open.path = '/p/b.kps';
    expect(await saves.enqueue({ project: '/p/a.kps', sampleId: 4, edits: edit(2), label: 'set' })).toBe(NOT_SENT);
    expect(sent).toHaveLength(1);
    // Kept in storage (a reload keeps it too), and not offered to another project.
    expect(loadPending(st).map((p) => [p.project, p.edits[0].x])).toEqual([['/p/a.kps', 2]]);
    expect(saves.resume('/p/b.kps')).toEqual([]);

    open.path = '/p/a.kps';
    expect(saves.resume('/p/a.kps')).toEqual([4]);
    await saves.queue.whenIdle();
    expect(sent.map((r) => r.edits[0].x)).toEqual([1, 2]);
    expect(st.getItem(PENDING_STORAGE_KEY)).toBeNull();
  });

  it('sends a nudge run with mergeInto from the first acknowledged action on', async () => {
    const { api, sent } = fakeApi({ path: '/p/a.kps' });
    const saves = new LabelSaves(api, null);
    const runs = new NudgeRuns();
    const all = [1, 2, 3].map((x, i) => saves.enqueue({ project: '/p/a.kps', sampleId: 1, edits: edit(x), label: 'nudge' }, runs.nudge(1, 0, i * 10)));
    const res = await Promise.all(all);
    expect(sent.map((r) => r.mergeInto)).toEqual([undefined, 1, 1]);
    expect(res.map((r) => r.actionId)).toEqual([1, 1, 1]);
  });
});
