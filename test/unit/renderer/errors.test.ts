import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../renderer/src/api';
import { describeError, errorCode } from '../../../renderer/src/errors';

// api.ts picks its transport when imported: give it the desktop's preload bridge (no network).
vi.hoisted(() => {
  (globalThis as { window?: unknown }).window = {
    clusterdeck: { invoke: () => Promise.resolve({ ok: true, value: null }), subscribe: () => () => {} },
  };
});

describe('describeError', () => {
  it("shows the engine's sentence without the code meant for developers", () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const error = new ApiError('bad-request', 'the regex is too long (at most 256 characters)');
    expect(describeError(error)).toBe('the regex is too long (at most 256 characters)');
    expect(describeError(new ApiError('unavailable', 'no such node'))).toBe('no such node');
    // the code stays within a developer's reach
    expect(errorCode(error)).toBe('bad-request');
    expect(debug).toHaveBeenCalledWith(expect.stringContaining('(bad-request)'));
    debug.mockRestore();
  });

  it('shows transport errors, plain errors and anything thrown as text', () => {
    expect(describeError(new ApiError('transport', 'cannot reach the Clusterdeck server'))).toBe('cannot reach the Clusterdeck server');
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('text')).toBe('text');
    expect(errorCode(new Error('boom'))).toBeNull();
  });
});
