/**
 * Growable byte writer and a reader for the chunk codec: LEB128 varints that stay exact up to
 * 2^53 (bit operations only below 2^31), zigzag for signed values.
 */

const TWO_31 = 2 ** 31;

/** Maps signed to unsigned so small magnitudes stay small: 0,-1,1,-2 -> 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

export class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(initial = 256) {
    this.buffer = new Uint8Array(initial);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned varint; `value` must be a non-negative integer below 2^53. */
  varint(value: number): void {
    this.ensure(8);
    let v = value;
    if (v < TWO_31) {
      while (v >= 0x80) {
        this.buffer[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buffer[this.length++] = v;
      return;
    }
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
  }

  svarint(value: number): void {
    this.varint(zigzag(value));
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** Bytes allocated (what was written, and room for more). */
  get capacity(): number {
    return this.buffer.length;
  }

  /** A view of what was written (valid until the next write). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

export class CorruptChunkError extends Error {
  constructor(message: string) {
    super(`corrupt chunk: ${message}`);
    this.name = 'CorruptChunkError';
  }
}

export class ByteReader {
  offset = 0;
  constructor(readonly data: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.data.length) throw new CorruptChunkError('unexpected end');
    return this.data[this.offset++]!;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i += 1) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new CorruptChunkError('varint too long');
  }

  svarint(): number {
    return unzigzag(this.varint());
  }

  rest(): Uint8Array {
    return this.data.subarray(this.offset);
  }
}
