/**
 * Identical concurrent requests sent once, and cancelled once nobody waits for them any more.
 * Every GPU's chart of a metric asks for the same window at the same moment; when the range
 * changes again before the answer, all of them let go and the request is aborted (under HTTP it
 * leaves the browser's connection queue instead of delaying the range now shown).
 */
import { abortError } from '../abort';

interface Entry<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiting: number;
  settled: boolean;
}

export class SharedRequests<T> {
  private readonly pending = new Map<string, Entry<T>>();

  /** Requests in flight (for tests). */
  get size(): number {
    return this.pending.size;
  }

  /**
   * The answer of `send` for `key`, sharing one in-flight request per key. Aborting `signal`
   * rejects this caller's promise with an AbortError at once; the request itself is aborted
   * when the last caller waiting for it has aborted.
   */
  request(key: string, send: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    let entry = this.pending.get(key);
    if (!entry) {
      const controller = new AbortController();
      const created: Entry<T> = { promise: Promise.resolve() as Promise<T>, controller, waiting: 0, settled: false };
      created.promise = send(controller.signal).finally(() => {
        created.settled = true;
        if (this.pending.get(key) === created) this.pending.delete(key);
      });
      this.pending.set(key, created);
      entry = created;
    }
    const shared = entry;
    shared.waiting += 1;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        shared.waiting -= 1;
        if (shared.waiting === 0 && !shared.settled) {
          if (this.pending.get(key) === shared) this.pending.delete(key);
          shared.controller.abort();
        }
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (value) => {
          if (done) return;
          done = true;
          shared.waiting -= 1;
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          if (done) return;
          done = true;
          shared.waiting -= 1;
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }
}
