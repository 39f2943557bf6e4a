import { describe, expect, it } from 'vitest';
import { isAbortError } from '../../../renderer/src/abort';
import { SharedRequests } from '../../../renderer/src/charts/sharedRequests';

/** A request the test answers by hand, recording whether it was aborted. */
function deferred() {
  const calls: Array<{ signal: AbortSignal; resolve: (value: string) => void }> = [];
  const send = (signal: AbortSignal) => new Promise<string>((resolve) => calls.push({ signal, resolve }));
  return { calls, send };
}

describe('SharedRequests (identical history queries sent once, cancelled when nobody waits)', () => {
  it('sends identical concurrent requests once and answers every caller', async () => {
    const requests = new SharedRequests<string>();
    const { calls, send } = deferred();
    const a = requests.request('k', send);
    const b = requests.request('k', send);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve('answer');
    await expect(Promise.all([a, b])).resolves.toEqual(['answer', 'answer']);
    expect(requests.size).toBe(0);
    requests.request('k', send);
    expect(calls).toHaveLength(2);
  });

  it('drops one caller at once but keeps the request while another still waits', async () => {
    const requests = new SharedRequests<string>();
    const { calls, send } = deferred();
    const first = new AbortController();
    const a = requests.request('k', send, first.signal);
    const b = requests.request('k', send, new AbortController().signal);
    first.abort();
    await expect(a).rejects.toSatisfy(isAbortError);
    expect(calls[0]!.signal.aborted).toBe(false);
    calls[0]!.resolve('answer');
    await expect(b).resolves.toBe('answer');
  });

  it('aborts the request when the last caller lets go, and sends a fresh one next time', async () => {
    const requests = new SharedRequests<string>();
    const { calls, send } = deferred();
    const one = new AbortController();
    const two = new AbortController();
    const a = requests.request('k', send, one.signal);
    const b = requests.request('k', send, two.signal);
    one.abort();
    two.abort();
    await expect(a).rejects.toSatisfy(isAbortError);
    await expect(b).rejects.toSatisfy(isAbortError);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(requests.size).toBe(0);
    const c = requests.request('k', send);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve('fresh');
    await expect(c).resolves.toBe('fresh');
  });

  it('refuses an already aborted caller without sending anything', async () => {
    const requests = new SharedRequests<string>();
    const { calls, send } = deferred();
    const gone = new AbortController();
    gone.abort();
    await expect(requests.request('k', send, gone.signal)).rejects.toSatisfy(isAbortError);
    expect(calls).toHaveLength(0);
  });

  it('passes a failure to every caller', async () => {
    const requests = new SharedRequests<string>();
    const send = () => Promise.reject(new Error('engine down'));
    await expect(Promise.all([requests.request('k', send), requests.request('k', send)])).rejects.toThrow('engine down');
    expect(requests.size).toBe(0);
  });
});
