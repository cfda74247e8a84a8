// The notice stack's rules: a cap on how many stack up, repeats counted in place, keyed notices replacing their predecessor.
import { describe, expect, it } from 'vitest';
import { MAX_NOTICES, pushNotice, type Notice } from '../../../src-renderer/lib/notices.js';

function raise(list: Notice[], id: number, text: string, kind: Notice['kind'] = 'error', key?: string): { list: Notice[]; dropped: number[] } {
  return pushNotice(list, { id, kind, text, ...(key === undefined ? {} : { key }) });
}

describe('notice stack', () => {
  it(`keeps the newest ${MAX_NOTICES} and says which were dropped`, () => {
    let list: Notice[] = [];
    const dropped: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const r = raise(list, i, `error ${i}`);
      list = r.list;
      dropped.push(...r.dropped);
    }
    expect(MAX_NOTICES).toBeLessThanOrEqual(4);
    expect(list.map((n) => n.id)).toEqual([5, 6, 7]);
    expect(dropped).toEqual([1, 2, 3, 4]);
  });

  it('counts a repeated notice instead of stacking it again, and moves it to the newest place', () => {
    let list = raise([], 1, 'Saving: disk full').list;
    list = raise(list, 2, 'other').list;
    const r = raise(list, 3, 'Saving: disk full');
    expect(r.list.map((n) => [n.id, n.text, n.count])).toEqual([[2, 'other', 1], [3, 'Saving: disk full', 2]]);
    expect(r.dropped).toEqual([1]);
    // The same text as info is another notice.
    expect(raise(r.list, 4, 'Saving: disk full', 'info').list).toHaveLength(3);
  });

  it('replaces a keyed notice by the next one with its key', () => {
    let list = raise([], 1, 'Creating the project: /a.kps: exists', 'error', 'project-create').list;
    list = raise(list, 2, 'Creating the project: /b.kps: exists', 'error', 'project-create').list;
    expect(list.map((n) => [n.id, n.text, n.count])).toEqual([[2, 'Creating the project: /b.kps: exists', 1]]);
  });
});
