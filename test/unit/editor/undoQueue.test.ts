import { describe, expect, it } from 'vitest';
import type { UndoResult } from '../../../src-main/api/ops.js';
import { UndoQueue, undoneText, type UndoKind, type UndoQueueDeps } from '../../../src-renderer/editor/undoQueue.js';

/** A fake journal: each send answers the next result, and every call is logged. */
function harness(results: (UndoResult | Error)[], opts: { pending?: number; idle?: Promise<void>; current?: number } = {}) {
  const log: string[] = [];
  const queued: number[] = [];
  let current = opts.current ?? 1;
  const deps: UndoQueueDeps = {
    pendingSaves: () => opts.pending ?? 0,
    whenIdle: () => opts.idle ?? Promise.resolve(),
    send: async (kind: UndoKind) => {
      log.push(`send ${kind}`);
      const r = results.shift();
      if (!r) throw new Error('no result left');
      if (r instanceof Error) throw r;
      return r;
    },
    currentSample: () => current,
    applied: (r, from) => log.push(`applied ${r.actionId} from ${from}`),
    say: (t) => log.push(`say ${t}`),
    onQueued: (n) => queued.push(n),
    errorMessage: (e) => (e instanceof Error ? e.message : String(e)),
  };
  return { q: new UndoQueue(deps), log, queued, moveTo: (id: number) => (current = id) };
}

const result = (actionId: number | null, sampleIds: number[], label: string | null = 'move nose'): UndoResult => ({ actionId, label, sampleIds });

describe('undo queue', () => {
  it('sends presses in order, each after the one before has answered, and counts the ones waiting', async () => {
    const h = harness([result(3, [1], 'move a'), result(2, [1], 'move b'), result(2, [1], 'move b')]);
    const a = h.q.press('undo');
    const b = h.q.press('undo');
    const c = h.q.press('redo');
    expect(h.queued).toEqual([1, 2, 3]);
    await Promise.all([a, b, c]);
    expect(h.log).toEqual(['send undo', 'applied 3 from 1', 'say Undid: move a', 'send undo', 'applied 2 from 1', 'say Undid: move b', 'send redo', 'applied 2 from 1', 'say Redid: move b']);
    expect(h.queued).toEqual([1, 2, 3, 2, 1, 0]);
  });

  it('waits for pending saves before sending, and says so', async () => {
    let release!: () => void;
    const idle = new Promise<void>((r) => (release = r));
    const h = harness([result(5, [1])], { pending: 2, idle });
    const p = h.q.press('undo');
    await new Promise((r) => setTimeout(r, 5));
    expect(h.log).toEqual(['say Waiting for pending saves…']);
    release();
    await p;
    expect(h.log.slice(1)).toEqual(['send undo', 'applied 5 from 1', 'say Undid: move nose']);
  });

  it('drops a press still waiting when the editor closes or another project opens', async () => {
    let release!: () => void;
    const idle = new Promise<void>((r) => (release = r));
    const h = harness([result(5, [1])], { pending: 1, idle });
    const p = h.q.press('undo');
    h.q.drop();
    release();
    await p;
    expect(h.log).toEqual(['say Waiting for pending saves…']);
    expect(h.queued).toEqual([1, 0]);
  });

  it('says when there is nothing to undo or redo, and when the request fails', async () => {
    const h = harness([result(null, [], null), result(null, [], null), new Error('journal locked')]);
    await h.q.press('undo');
    await h.q.press('redo');
    await h.q.press('undo');
    expect(h.log).toEqual(['send undo', 'say Nothing to undo.', 'send redo', 'say Nothing to redo.', 'send undo', 'say Undo failed: journal locked']);
  });

  it('names the samples changed when the user has moved to another one meanwhile', async () => {
    let release!: () => void;
    const idle = new Promise<void>((r) => (release = r));
    const h = harness([result(7, [4, 5])], { pending: 1, idle, current: 1 });
    const p = h.q.press('undo');
    await new Promise((r) => setTimeout(r, 5));
    h.moveTo(2);
    release();
    await p;
    expect(h.log).toContain('applied 7 from 1');
    expect(h.log).toContain('say Undid: move nose (on samples #4, #5)');
  });
});

describe('undone text', () => {
  it('names no sample when the change is on screen or the user stayed where the press was made', () => {
    expect(undoneText('undo', result(1, [3]), 3, 9)).toBe('Undid: move nose');
    expect(undoneText('redo', result(1, [8]), 3, 3)).toBe('Redid: move nose');
    expect(undoneText('undo', result(1, [8], null), 3, 3)).toBe('Undid: change');
  });

  it('lists at most three samples', () => {
    expect(undoneText('undo', result(1, [8]), 3, 2)).toBe('Undid: move nose (on sample #8)');
    expect(undoneText('undo', result(1, [8, 9, 10, 11]), 3, 2)).toBe('Undid: move nose (on samples #8, #9, #10…)');
  });
});
