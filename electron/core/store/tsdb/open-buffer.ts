/** The not-yet-sealed raw samples of one series, in time order, in growable typed arrays. */
export class OpenBuffer {
  t: Float64Array;
  v: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  push(t: number, v: number): void {
    if (this.length === this.t.length) {
      const t2 = new Float64Array(this.t.length * 2);
      const v2 = new Float64Array(this.v.length * 2);
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
