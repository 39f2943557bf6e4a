import { describe, expect, it } from 'vitest';
import { feedSilent, isStale, lastSeenText, ServerClock, staleAfterMs } from '../../../renderer/src/staleness';

describe('staleness', () => {
  it('calls a value stale past two collection intervals, and a missing one stale too', () => {
    expect(staleAfterMs(5000)).toBe(10_000);
    expect(isStale(100_000, 110_000, 5000)).toBe(false);
    expect(isStale(100_000, 110_001, 5000)).toBe(true);
    expect(isStale(null, 0, 5000)).toBe(true);
    expect(lastSeenText(100_000, 127_000)).toBe('last seen 27 s ago');
    expect(lastSeenText(null, 127_000)).toBe('never seen');
  });

  it('finds the feed silent when no event came for two intervals, counting from when listening began', () => {
    expect(feedSilent(null, 1000, 11_000, 5000)).toBe(false);
    expect(feedSilent(null, 1000, 11_001, 5000)).toBe(true);
    expect(feedSilent(20_000, 1000, 30_000, 5000)).toBe(false);
    expect(feedSilent(20_000, 1000, 30_001, 5000)).toBe(true);
  });

  it("follows the engine's clock from its tick events, whichever way this one is off", () => {
    const clock = new ServerClock();
    expect(clock.now(50_000)).toBe(50_000);
    // This clock runs 30 s behind the engine's: ticks sent at 100 s arrive at 70 s (plus delivery).
    clock.observeTick(99_900, 100, 70_020);
    clock.observeTick(104_950, 50, 75_005);
    expect(clock.offsetMs()).toBe(-29_995);
    expect(clock.now(80_000)).toBe(109_995);
    // A late delivery (a frozen server resumed) does not move it.
    clock.observeTick(110_000, 0, 95_000);
    expect(clock.offsetMs()).toBe(-29_995);
    // Before any tick: no idea, so no correction; a status without a tick changes nothing.
    clock.observeTick(null, null, 1);
    expect(clock.offsetMs()).toBe(-29_995);
  });

  it('forgets old offsets, so a clock set anew is followed', () => {
    const clock = new ServerClock();
    clock.observeTick(100_000, 0, 40_000);
    for (let i = 1; i <= 20; i++) clock.observeTick(100_000 + i * 5000, 0, 100_000 + i * 5000 + 10);
    expect(clock.offsetMs()).toBe(10);
  });
});
