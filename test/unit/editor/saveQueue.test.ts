import { describe, expect, it } from 'vitest';
import { SaveQueue, backoffDelay, type SaveQueueState, type Timers } from '../../../src-renderer/editor/saveQueue.js';

/** Timers the test fires by hand, so retries are deterministic. */
class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number; id: number }[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.push({ fn, ms, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== h);
  }
  fire(): number {
    const p = this.pending.shift();
    if (!p) throw new Error('no timer pending');
    p.fn();
    return p.ms;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('save queue', () => {
  it('saves in order and reports pending then saved', async () => {
    const q = new SaveQueue<number>();
    const log: number[] = [];
    const states: SaveQueueState['status'][] = [];
    q.subscribe((s) => states.push(s.status));
    const p1 = q.enqueue({ label: 'a', run: async () => (log.push(1), 1) });
    const p2 = q.enqueue({ label: 'b', run: async () => (log.push(2), 2) });
    expect(q.state().status).toBe('pending');
    expect(await p1).toBe(1);
    expect(await p2).toBe(2);
    expect(log).toEqual([1, 2]);
    expect(q.state()).toMatchObject({ status: 'saved', pending: 0 });
    expect(states[0]).toBe('saved');
    expect(states).toContain('pending');
  });

  it('shows a failed save, retries with backoff and keeps later edits behind it', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<string>({ timers, baseDelayMs: 100, maxDelayMs: 1000 });
    let failures = 3;
    const sent: string[] = [];
    const p1 = q.enqueue({
      label: 'move',
      run: async () => {
        if (failures-- > 0) throw new Error('network down');
        sent.push('move');
        return 'ok1';
      },
    });
    const p2 = q.enqueue({ label: 'nudge', run: async () => (sent.push('nudge'), 'ok2') });
    await tick();
    expect(q.state()).toMatchObject({ status: 'failed', pending: 2, attempts: 1, error: 'network down' });
    expect(sent).toEqual([]);
    expect(timers.fire()).toBe(100);
    await tick();
    expect(q.state().attempts).toBe(2);
    expect(timers.fire()).toBe(200);
    await tick();
    expect(timers.fire()).toBe(400);
    expect(await p1).toBe('ok1');
    expect(await p2).toBe('ok2');
    expect(sent).toEqual(['move', 'nudge']);
    expect(q.state()).toMatchObject({ status: 'saved', pending: 0, error: null });
  });

  it('retryNow skips the wait', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<number>({ timers });
    let fail = true;
    const p = q.enqueue({ label: 'x', run: async () => { if (fail) throw new Error('offline'); return 7; } });
    await tick();
    expect(q.state().status).toBe('failed');
    fail = false;
    q.retryNow();
    expect(await p).toBe(7);
    expect(timers.pending).toHaveLength(0);
  });

  it('a save refused for good (bad input) is shown, not retried, and does not block the next one', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<number>({ timers });
    const bad = Object.assign(new Error('x is outside the image'), { code: 'bad-input' });
    const p1 = q.enqueue({ label: 'bad', run: async () => { throw bad; } });
    const p2 = q.enqueue({ label: 'good', run: async () => 2 });
    await expect(p1).rejects.toBe(bad);
    expect(await p2).toBe(2);
    expect(timers.pending).toHaveLength(0);
    const s = q.state();
    expect(s.status).toBe('failed');
    expect(s.rejected).toEqual([{ label: 'bad', error: 'x is outside the image' }]);
    q.dismissRejected();
    expect(q.state().status).toBe('saved');
  });

  it('whenIdle waits for every queued save', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<number>({ timers });
    let n = 0;
    let fail = true;
    void q.enqueue({ label: 'a', run: async () => { if (fail) throw new Error('down'); return ++n; } });
    let idle = false;
    void q.whenIdle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    fail = false;
    timers.fire();
    await tick();
    await tick();
    expect(idle).toBe(true);
    expect(n).toBe(1);
  });

  it('a busy project file (retryable, from another process) is retried after the server\'s hint, in order, and never dropped', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<string>({ timers, baseDelayMs: 100, maxDelayMs: 10_000 });
    // The shape the renderer's ServiceError carries for an HTTP 503 / IPC busy answer.
    const busy = Object.assign(new Error('p.kps: the project file is busy'), {
      shape: { code: 'busy', message: 'p.kps: the project file is busy', retryable: true, retryAfterMs: 1000 },
    });
    let busyFor = 2;
    const sent: string[] = [];
    const p1 = q.enqueue({ label: 'move', run: async () => { if (busyFor-- > 0) throw busy; sent.push('move'); return 'a'; } });
    const p2 = q.enqueue({ label: 'nudge', run: async () => (sent.push('nudge'), 'b') });
    await tick();
    expect(q.state()).toMatchObject({ status: 'failed', pending: 2, attempts: 1, rejected: [] });
    // The server's Retry-After, not the 100 ms exponential backoff.
    expect(timers.fire()).toBe(1000);
    await tick();
    expect(timers.fire()).toBe(1000);
    expect(await p1).toBe('a');
    expect(await p2).toBe('b');
    expect(sent).toEqual(['move', 'nudge']);
    expect(q.state()).toMatchObject({ status: 'saved', pending: 0, rejected: [] });
  });

  it('a retryable error is retried even when its code would otherwise be permanent', async () => {
    const timers = new ManualTimers();
    const q = new SaveQueue<number>({ timers });
    let first = true;
    const err = { shape: { code: 'conflict', message: 'locked for a moment', retryable: true, retryAfterMs: 300 } };
    const p = q.enqueue({ label: 'x', run: async () => { if (first) { first = false; throw err; } return 1; } });
    await tick();
    expect(q.state().rejected).toEqual([]);
    expect(timers.fire()).toBe(300);
    expect(await p).toBe(1);
  });

  it('backoff doubles and is capped', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, 500, 4000))).toEqual([500, 1000, 2000, 4000, 4000]);
  });
});
