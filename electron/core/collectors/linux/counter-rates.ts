/**
 * Per-second rates from monotonically increasing counters (network and disk bytes), keyed by
 * series, kept by a node's builder between ticks. A rate is only given for an interval both of
 * whose readings belong to the same boot and the same clock:
 *
 * - a new boot (the caller's epoch changes) or a clock that did not advance gives no rate;
 * - a counter that went down within one boot was reset (driver reload, interface re-created
 *   under the same name) - no rate, a missing point is better than a spike of petabytes per
 *   second - unless the caller says the counter is 32 bits wide (32-bit kernels keep network and
 *   disk counters in an unsigned long, as did every kernel before 2.6.36). Then it counts as a
 *   wrap when both readings fit in 32 bits and the wrapped distance is under half the range, the
 *   usual serial-number rule;
 * - a rate above `maxPerSec` is dropped the same way.
 */

export const UINT32_RANGE = 2 ** 32;

interface Reading {
  value: number;
  atMs: number;
  epoch: string;
}

export interface CounterRatesOptions {
  /** Rates above this are implausible and dropped (default 1e12/s: 8 Tbit/s, far above any NIC or disk). */
  maxPerSec?: number;
}

export class CounterRates {
  private readonly last = new Map<string, Reading>();
  private readonly maxPerSec: number;

  constructor(options: CounterRatesOptions = {}) {
    this.maxPerSec = options.maxPerSec ?? 1e12;
  }

  /**
   * Records `value` of `series` read at `atMs` (milliseconds on the caller's clock) in `epoch`
   * (the boot), and returns the rate per second since the previous reading, or null when there is
   * no comparable previous reading. `counterBits` 32 allows for a wrap.
   */
  update(series: string, value: number, atMs: number, epoch: string, counterBits: 32 | 64 = 64): number | null {
    const previous = this.last.get(series);
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(atMs)) {
      this.last.delete(series);
      return null;
    }
    this.last.set(series, { value, atMs, epoch });
    if (previous === undefined || previous.epoch !== epoch) return null;
    const elapsedSec = (atMs - previous.atMs) / 1000;
    if (!(elapsedSec > 0)) return null;
    let delta = value - previous.value;
    if (delta < 0) {
      const wrapped = value + UINT32_RANGE - previous.value;
      const fits32 = previous.value < UINT32_RANGE && value < UINT32_RANGE;
      if (counterBits !== 32 || !fits32 || wrapped >= UINT32_RANGE / 2) return null;
      delta = wrapped;
    }
    const rate = delta / elapsedSec;
    return rate <= this.maxPerSec ? rate : null;
  }

  /** Forgets series not in `seen` (an interface or disk that went away). */
  retain(seen: ReadonlySet<string>): void {
    for (const series of this.last.keys()) if (!seen.has(series)) this.last.delete(series);
  }

  get size(): number {
    return this.last.size;
  }
}
