// abortable(): cancellation that does not wait for work that never ends (a read on a hung mount).
import { describe, expect, it } from 'vitest';
import { abortable } from '../../../src-main/core/abort.js';
import { KpsError } from '../../../src-main/core/errors.js';

describe('abortable', () => {
  it('rejects with a cancelled KpsError as soon as the signal aborts, though the work never settles', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const raced = abortable(never, controller.signal);
    setTimeout(() => controller.abort(), 10);
    const err = await raced.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KpsError);
    expect((err as KpsError).code).toBe('cancelled');
  });

  it('passes the result or the error through when the work settles first', async () => {
    const signal = new AbortController().signal;
    await expect(abortable(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('EIO')), signal)).rejects.toThrow('EIO');
  });

  it('rejects at once when the signal was already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(abortable(new Promise(() => {}), controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
