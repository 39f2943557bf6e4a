import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, snapToGrid } from '../../electron/core/scheduler';

afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler', () => {
  it('snaps tick times down to the interval grid', () => {
    expect(snapToGrid(10_004, 5000)).toBe(10_000);
    expect(snapToGrid(14_999, 5000)).toBe(10_000);
    expect(snapToGrid(15_000, 5000)).toBe(15_000);
  });

  it('ticks once per grid point, on the grid', async () => {
    vi.useFakeTimers({ now: 1_000_300 });
    const times: number[] = [];
    const scheduler = new Scheduler(1000, async (t) => void times.push(t), { now: () => Date.now() });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3_000);
    scheduler.stop();
    expect(times).toEqual([1_000_000, 1_001_000, 1_002_000, 1_003_000]);
  });

  it('skips a tick while the previous one still runs, instead of piling up', async () => {
    vi.useFakeTimers({ now: 0 });
    let running = 0;
    let maxRunning = 0;
    const scheduler = new Scheduler(
      1000,
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 2500));
        running -= 1;
      },
      { now: () => Date.now() },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(10_000);
    scheduler.stop();
    expect(maxRunning).toBe(1);
    expect(scheduler.skippedTicks).toBeGreaterThan(0);
  });

  it('stops ticking after stop()', async () => {
    vi.useFakeTimers({ now: 0 });
    const tick = vi.fn(async () => {});
    const scheduler = new Scheduler(1000, tick, { now: () => Date.now() });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1500);
    scheduler.stop();
    const calls = tick.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick.mock.calls.length).toBe(calls);
  });
});
