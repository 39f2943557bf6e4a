/**
 * Coalesces many updates into one run per animation frame: a tick of a large fleet brings one
 * 'snapshot:collected' event per node, and all of them should cost one redraw, not hundreds.
 */
export type FrameScheduler = (callback: () => void) => number;
export type FrameCanceller = (handle: number) => void;

export class FrameBatcher {
  private handle: number | null = null;
  /** How many runs happened, and how many marks they absorbed (for tests and the dev figures). */
  runs = 0;
  marks = 0;

  constructor(
    private readonly run: () => void,
    private readonly schedule: FrameScheduler = (cb) => requestAnimationFrame(cb),
    private readonly cancel: FrameCanceller = (h) => cancelAnimationFrame(h),
  ) {}

  /** Something changed: run once at the next frame, however often this is called before it. */
  mark(): void {
    this.marks += 1;
    if (this.handle !== null) return;
    this.handle = this.schedule(() => this.flush());
  }

  get pending(): boolean {
    return this.handle !== null;
  }

  /** Runs now if something is pending (the frame callback, or a test). */
  flush(): void {
    if (this.handle === null) return;
    this.handle = null;
    this.runs += 1;
    this.run();
  }

  dispose(): void {
    if (this.handle !== null) this.cancel(this.handle);
    this.handle = null;
  }
}
