/**
 * The collection loop: one tick every intervalMs on the wall-clock grid, so sample times line
 * up across nodes and restarts. A tick that is still running when the next one is due makes
 * that one skip rather than pile up.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The grid time a tick started at `nowMs` belongs to (timers fire just after the boundary). */
export function snapToGrid(nowMs: number, intervalMs: number): number {
  return Math.floor(nowMs / intervalMs) * intervalMs;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private lastGridTimeMs = -Infinity;
  skippedTicks = 0;

  constructor(
    private intervalMs: number,
    private readonly tick: (gridTimeMs: number) => Promise<void>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * A new interval (Settings changed it): the tick waiting now fires on the old grid, the ones
   * after it on the new one.
   */
  setIntervalMs(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.runTick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const next = (Math.floor(now / this.intervalMs) + 1) * this.intervalMs;
    this.timer = setTimeout(() => void this.runTick(), Math.max(0, next - now));
    this.timer.unref?.();
  }

  private async runTick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.skippedTicks += 1;
      this.scheduleNext();
      return;
    }
    const gridTimeMs = snapToGrid(this.clock.now(), this.intervalMs);
    this.scheduleNext();
    // Never two ticks on one grid point (a timer that fires early would otherwise repeat one).
    if (gridTimeMs <= this.lastGridTimeMs) return;
    this.lastGridTimeMs = gridTimeMs;
    this.running = true;
    try {
      await this.tick(gridTimeMs);
    } finally {
      this.running = false;
    }
  }
}
