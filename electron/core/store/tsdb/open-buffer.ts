/** The not-yet-sealed raw samples of one series, in time order, in growable typed arrays. */
export class OpenBuffer {
  t: Float64Array;
  v: Float64Array;
  length = 0;

  /**
   * `periodSamples`: how many samples one raw period holds at the collection interval. The
   * buffer starts small (many series never fill it) and grows to exactly that, not past it by
   * doubling: with thousands of series the slack would be tens of megabytes.
   */
  constructor(private readonly periodSamples = 720) {
    this.t = new Float64Array(16);
    this.v = new Float64Array(16);
  }

  push(t: number, v: number): void {
    if (this.length === this.t.length) {
      const size = this.t.length < this.periodSamples ? Math.min(this.t.length * 4, this.periodSamples + 1) : this.t.length * 2;
      const t2 = new Float64Array(size);
      const v2 = new Float64Array(size);
      t2.set(this.t);
      v2.set(this.v);
      this.t = t2;
      this.v = v2;
    }
    this.t[this.length] = t;
    this.v[this.length] = v;
    this.length += 1;
  }

  /** How many leading samples are before `boundaryMs`. */
  countBefore(boundaryMs: number): number {
    let n = 0;
    while (n < this.length && this.t[n]! < boundaryMs) n += 1;
    return n;
  }

  /** Removes the first `n` samples (after they were sealed or dropped). */
  dropFirst(n: number): void {
    if (n <= 0) return;
    this.t.copyWithin(0, n, this.length);
    this.v.copyWithin(0, n, this.length);
    this.length -= n;
  }

  /** Index of the first sample at or after `fromMs`. */
  lowerBound(fromMs: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < fromMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
