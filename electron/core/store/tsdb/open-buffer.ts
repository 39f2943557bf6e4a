/**
 * The not-yet-sealed raw samples of one series, in time order, kept compact: every series holds
 * up to an hour of samples here (720 at 5 s), so 38,000 series (1,000 GPU nodes) at 16 bytes a
 * sample were 440 MB by the end of each hour. Encoded as they come, like the chunk codec but
 * appendable: each time as a varint delta of deltas (0 on the grid: one byte), each value as a
 * varint delta of the value times 10^decimals (the fewest decimals, up to 6, that give it back
 * exactly: 1-3 bytes for percentages, degrees, watts, MiB), or as its 8 float64 bytes once a value
 * has no short decimal form. Reads decode exactly the float64 values pushed; the decoded arrays
 * are kept until the next change (a chart reading the open hour decodes it once).
 */
import { ByteReader, ByteWriter } from './bytes';

const MAX_DECIMALS = 6;
/** Scaled values and their deltas stay exact as doubles, and zigzag below 2^53. */
const MAX_SCALED = 2 ** 50;
const POWERS = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
/** One float64 and its bytes, shared by every buffer (thousands of series: not one pair each). */
const FLOAT = new Float64Array(1);
const FLOAT_BYTES = new Uint8Array(FLOAT.buffer);

/** Fewest decimals (from `from` up) with which v survives v -> integer -> v; -1 if none. */
function decimalsFor(v: number, from: number): number {
  for (let d = from; d <= MAX_DECIMALS; d += 1) {
    const scaled = Math.round(v * POWERS[d]!);
    if (Math.abs(scaled) < MAX_SCALED && scaled / POWERS[d]! === v) return d;
  }
  return -1;
}

export interface DecodedSamples {
  t: Float64Array;
  v: Float64Array;
}

export class OpenBuffer {
  length = 0;
  private bytes: ByteWriter;
  /** Decimals of the scaled encoding, or -1: values are raw float64. */
  private decimals = 0;
  /** Times as raw float64 (a time that is not a whole number of ms came); else deltas of deltas. */
  private rawTimes = false;
  private lastT = 0;
  private lastDeltaT = 0;
  private lastScaled = 0;
  private first = Number.NaN;
  private decoded: DecodedSamples | null = null;

  constructor() {
    this.bytes = new ByteWriter(32);
  }

  /** The time of the oldest sample (NaN when empty). */
  get firstT(): number {
    return this.length === 0 ? Number.NaN : this.first;
  }

  /** Bytes of its encoded samples. */
  get encodedBytes(): number {
    return this.bytes.length;
  }

  /** Bytes it holds in memory (the encoded samples and room to grow). */
  get heldBytes(): number {
    return this.bytes.capacity;
  }

  push(t: number, v: number): void {
    const decimals = this.decimals >= 0 ? decimalsFor(v, this.decimals) : -1;
    const rawTimes = this.rawTimes || !Number.isSafeInteger(t) || Math.abs(t) >= MAX_SCALED;
    if (decimals !== this.decimals || rawTimes !== this.rawTimes) this.reencode(decimals, rawTimes);
    this.append(t, v);
  }

  private append(t: number, v: number): void {
    if (this.rawTimes) this.raw(t);
    else {
      const deltaT = t - this.lastT;
      this.bytes.svarint(deltaT - this.lastDeltaT);
      this.lastDeltaT = deltaT;
      this.lastT = t;
    }
    if (this.decimals >= 0) {
      const scaled = Math.round(v * POWERS[this.decimals]!);
      this.bytes.svarint(scaled - this.lastScaled);
      this.lastScaled = scaled;
    } else this.raw(v);
    if (this.length === 0) this.first = t;
    this.length += 1;
    this.decoded = null;
  }

  private raw(x: number): void {
    FLOAT[0] = x;
    this.bytes.bytes(FLOAT_BYTES);
  }

  private readRaw(reader: ByteReader): number {
    for (let b = 0; b < 8; b += 1) FLOAT_BYTES[b] = reader.byte();
    return FLOAT[0]!;
  }

  /** Every sample again with `decimals` (-1: float64) and times so, after a sample needed it. */
  private reencode(decimals: number, rawTimes: boolean): void {
    const { t, v } = this.view();
    this.reset(decimals, rawTimes);
    for (let i = 0; i < t.length; i += 1) this.append(t[i]!, v[i]!);
  }

  private reset(decimals: number, rawTimes: boolean): void {
    this.bytes = new ByteWriter(32);
    this.decimals = decimals;
    this.rawTimes = rawTimes;
    this.lastT = 0;
    this.lastDeltaT = 0;
    this.lastScaled = 0;
    this.length = 0;
    this.first = Number.NaN;
    this.decoded = null;
  }

  /** The samples as float64 arrays (valid until the next push or drop; do not write to them). */
  view(): DecodedSamples {
    if (this.decoded !== null) return this.decoded;
    const t = new Float64Array(this.length);
    const v = new Float64Array(this.length);
    const reader = new ByteReader(this.bytes.view());
    const scale = this.decimals >= 0 ? POWERS[this.decimals]! : 1;
    let lastT = 0;
    let lastDeltaT = 0;
    let lastScaled = 0;
    for (let i = 0; i < this.length; i += 1) {
      if (this.rawTimes) t[i] = this.readRaw(reader);
      else {
        lastDeltaT += reader.svarint();
        lastT += lastDeltaT;
        t[i] = lastT;
      }
      if (this.decimals >= 0) {
        lastScaled += reader.svarint();
        v[i] = lastScaled / scale;
      } else v[i] = this.readRaw(reader);
    }
    this.decoded = { t, v };
    return this.decoded;
  }

  /** How many leading samples are before `boundaryMs`. */
  countBefore(boundaryMs: number): number {
    if (this.decoded !== null) {
      const { t } = this.decoded;
      let n = 0;
      while (n < t.length && t[n]! < boundaryMs) n += 1;
      return n;
    }
    // Without decoding into arrays: the writer asks this of every series at once at a boundary.
    const reader = new ByteReader(this.bytes.view());
    let lastT = 0;
    let lastDeltaT = 0;
    for (let n = 0; n < this.length; n += 1) {
      let t: number;
      if (this.rawTimes) t = this.readRaw(reader);
      else {
        lastDeltaT += reader.svarint();
        lastT += lastDeltaT;
        t = lastT;
      }
      if (t >= boundaryMs) return n;
      if (this.decimals >= 0) reader.svarint();
      else reader.offset += 8;
    }
    return this.length;
  }

  /** Removes the first `n` samples (after they were sealed or dropped). */
  dropFirst(n: number): void {
    if (n <= 0) return;
    const { t, v } = this.view();
    // A fresh start also lets the rest go back to fewer decimals.
    this.reset(0, false);
    for (let i = n; i < t.length; i += 1) this.push(t[i]!, v[i]!);
  }
}
