// Cancellation that does not wait for the work: race a promise against an AbortSignal.
import { KpsError } from './errors.js';

/**
 * `work`, or a `cancelled` error as soon as `signal` aborts, whichever comes first. File system calls run in
 * libuv's thread pool and cannot be interrupted: a read from a hung mount may never return, and cancel,
 * project close and shutdown must not wait for it. The abandoned call's result is dropped when it lands.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new KpsError('cancelled', 'cancelled by the user'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new KpsError('cancelled', 'cancelled by the user'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
