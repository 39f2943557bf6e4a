import { describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, type CallHandlers } from '../../shared/contract';
import { ContractError, dispatchCall } from '../../shared/dispatch';

function handlers(overrides: Partial<CallHandlers> = {}): CallHandlers {
  const fail = async () => {
    throw new Error('not used');
  };
  // Every call fails unless a test gives it a handler; the ones these tests use are below.
  const all = Object.fromEntries(CALL_NAMES.map((name) => [name, fail])) as unknown as CallHandlers;
  return {
    ...all,
    'app:info': async () => ({ version: '1.0.0', mode: 'serve', intervalMs: 5000, dbPath: '/x.db', configPath: '/c.yaml', configError: null }),
    'nodes:list': async () => [],
    'nodes:latest': async () => null,
    ...overrides,
  } as CallHandlers;
}

describe('dispatchCall, the one path every transport takes', () => {
  it('answers a good call with {ok:true, value}', async () => {
    expect(await dispatchCall(handlers(), 'nodes:list', {})).toEqual({ ok: true, value: [] });
  });

  it.each([['nope:never'], ['__proto__'], ['constructor'], [42], [null]])('refuses unknown call %j', async (name) => {
    const result = await dispatchCall(handlers(), name, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it.each([
    ['nodes:latest', {}, /nodeId/],
    ['nodes:latest', { nodeId: 7 }, /nodeId/],
    ['nodes:latest', { nodeId: 'a', extra: 1 }, /extra|Unrecognized/],
    ['metrics:query', { nodeId: 'a', metric: 'cpu.util_pct', fromMs: 10, toMs: 5, maxPoints: 100 }, /fromMs must be before toMs/],
    ['metrics:query', { nodeId: 'a', metric: 'rm -rf /', fromMs: 1, toMs: 5, maxPoints: 100 }, /metric/],
    ['metrics:query', { nodeId: 'a', metric: 'cpu.util_pct', fromMs: 1, toMs: 5, maxPoints: 1e9 }, /maxPoints/],
    ['nodes:list', 'not an object', /expected object/],
  ])('refuses a bad payload for %s: %j', async (name, payload, message) => {
    const handler = vi.fn();
    const result = await dispatchCall(handlers({ 'nodes:latest': handler, 'metrics:query': handler }), name, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('bad-request');
      expect(result.error.message).toMatch(message);
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a thrown error into "internal" without the stack, and logs the real one', async () => {
    const log = vi.fn();
    const result = await dispatchCall(
      handlers({
        'nodes:list': async () => {
          throw new Error('SQLITE_BUSY at /secret/path.ts:12');
        },
      }),
      'nodes:list',
      {},
      log,
    );
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'nodes:list failed inside the engine' } });
    expect(log).toHaveBeenCalledOnce();
  });

  it('passes a ContractError through with its code', async () => {
    const result = await dispatchCall(
      handlers({
        'nodes:list': async () => {
          throw new ContractError('unavailable', 'store is read-only');
        },
      }),
      'nodes:list',
      {},
    );
    expect(result).toEqual({ ok: false, error: { code: 'unavailable', message: 'store is read-only' } });
  });

  it('refuses to send a response that breaks the contract', async () => {
    const log = vi.fn();
    const result = await dispatchCall(handlers({ 'nodes:list': async () => [{ id: 1 }] as never }), 'nodes:list', {}, log);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(String(log.mock.calls[0]![0])).toMatch(/breaks the contract/);
  });
});
