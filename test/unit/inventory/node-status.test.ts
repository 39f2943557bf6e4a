import { describe, expect, it } from 'vitest';
import { statusSince } from '../../../shared/model/inventory';

describe('statusSince', () => {
  it('keeps the time a node entered its status while the status stays, and restarts it on a change', () => {
    expect(statusSince({ status: 'degraded', since: 1_000 }, 'degraded', 9_000)).toBe(1_000);
    expect(statusSince({ status: 'up', since: 1_000 }, 'unreachable', 9_000)).toBe(9_000);
    // A local node starts up with no time on record; it stays unknown until the status changes.
    expect(statusSince({ status: 'up', since: null }, 'up', 9_000)).toBeNull();
  });
});
