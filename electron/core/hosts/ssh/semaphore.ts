/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.active < this.size) return this.hold();
    // A released slot passes straight to the next waiter (the count stays): no one can take it in between.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  /** A slot now, or null when all are taken (the caller does without, rather than wait). */
  tryAcquire(): (() => void) | null {
    return this.active < this.size ? this.hold() : null;
  }

  private hold(): () => void {
    this.active += 1;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}
