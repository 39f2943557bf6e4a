/**
 * Streaming reader of telemetry CSV (`series,ts_ms,value`, rows in time order: every series at
 * t0, then every series at t1, ...) that hands out whole ticks, as a collector would.
 *
 * The files are large (10 nodes x 24 h is 1.5 GB, 21.8 M rows), so the reader never holds more
 * than one chunk and one tick, and avoids a string per row: a row's series key is first compared,
 * as bytes, with the key at the same position of the previous tick (the usual case: every tick
 * lists the series in the same order); only a mismatch makes a string for a map lookup. Numbers
 * are parsed from the bytes too; anything that is not a plain decimal goes through parseFloat.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface SeriesIdentity {
  nodeId: string;
  metric: string;
  device: string;
}

/**
 * The Tsdb identity of a series key `name;label=value;...`: node = the `node` label, metric =
 * the name, device = the other labels in their order, joined with ',' (`gpu=0`, `mountpoint=/`).
 */
export function seriesIdentity(key: string): SeriesIdentity {
  const parts = key.split(';');
  const metric = parts[0] ?? '';
  let nodeId = '';
  const device: string[] = [];
  for (let i = 1; i < parts.length; i += 1) {
    const part = parts[i]!;
    if (part.startsWith('node=')) nodeId = part.slice(5);
    else if (part !== '') device.push(part);
  }
  return { nodeId, metric, device: device.join(',') };
}

export interface TickHandler {
  /** A series key seen for the first time; returns the id it is given in ticks. */
  series(key: string): number;
  /**
   * One tick: values[i] belongs to ids[i]. `ids` is the same array for as long as the ticks list
   * the same series in the same order; both arrays are only valid during the call.
   */
  tick(t: number, ids: Int32Array, values: Float64Array): void;
}

export interface CsvStats {
  bytes: number;
  rows: number;
  ticks: number;
  series: number;
  firstMs: number;
  lastMs: number;
  /** Distinct series orders seen (1 for a well-formed file). */
  layouts: number;
}

export class CsvFormatError extends Error {}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
/** Exact powers of ten: an integer below 2^53 divided by one of these rounds like parseFloat. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a decimal `[-]digits[.digits]` from bytes exactly as parseFloat would: the digits form an
 * integer below 2^53 and one correctly rounded division by an exact power of ten gives the
 * nearest double. Returns NaN where that shortcut does not apply (exponents, Inf, long numbers).
 */
function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === MINUS) {
    negative = true;
    i += 1;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i += 1) {
    const c = buf[i]!;
    if (c === DOT && decimals < 0) {
      decimals = 0;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9) return Number.NaN;
    mantissa = mantissa * 10 + d;
    digits += 1;
    if (decimals >= 0) decimals += 1;
  }
  if (digits === 0 || digits > 15 || decimals === 0) return Number.NaN;
  const value = decimals > 0 ? mantissa / POW10[decimals]! : mantissa;
  return negative ? -value : value;
}

function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** Values printed another way: exponents, Prometheus' +Inf/-Inf/NaN. */
function parseOtherNumber(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '+Inf' || trimmed === 'Inf') return Infinity;
  if (trimmed === '-Inf') return -Infinity;
  if (trimmed === 'NaN') return Number.NaN;
  const value = Number(trimmed);
  if (trimmed === '' || (Number.isNaN(value) && trimmed !== 'NaN')) throw new CsvFormatError(`not a number: ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

/**
 * The incremental parser behind readCsvTicks: feed it chunks (split anywhere), then end().
 * Separate from the file reading so tests can split input at every byte.
 */
export class CsvTickParser {
  private readonly keyIndex = new Map<string, number>();
  /** Per series index: its key as bytes (for the fast comparison) and the handler's id. */
  private readonly keyBytes: Buffer[] = [];
  private readonly handlerIds: number[] = [];

  private tickT = Number.NaN;
  private count = 0;
  private tickIndexes = new Int32Array(1024);
  private tickIds = new Int32Array(1024);
  private tickValues = new Float64Array(1024);
  /** The previous tick's series (indexes and the ids array handed out for them). */
  private layoutIndexes = new Int32Array(0);
  private layoutIds = new Int32Array(0);

  private carry: Buffer = Buffer.alloc(0);
  private lineNo = 0;
  private headerChecked = false;
  readonly stats: CsvStats = { bytes: 0, rows: 0, ticks: 0, series: 0, firstMs: Number.NaN, lastMs: Number.NaN, layouts: 0 };

  constructor(
    private readonly handler: TickHandler,
    private readonly source = 'input',
  ) {}

  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    let lineStart = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (this.carry.length > 0) {
      // The line cut at the previous chunk's end: complete it (a short copy, not the whole chunk).
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, newline)]);
      this.carry = Buffer.alloc(0);
      this.line(line, 0, line.length);
      lineStart = newline + 1;
      newline = chunk.indexOf(NEWLINE, lineStart);
    }
    while (newline >= 0) {
      this.line(chunk, lineStart, newline);
      lineStart = newline + 1;
      newline = chunk.indexOf(NEWLINE, lineStart);
    }
    // The chunk's buffer is reused by the caller: keep a copy of the unfinished line.
    if (lineStart < chunk.length) this.carry = Buffer.from(chunk.subarray(lineStart));
  }

  /** Emits the last tick; returns the totals. */
  end(): CsvStats {
    if (this.carry.length > 0) {
      const rest = this.carry;
      this.carry = Buffer.alloc(0);
      this.line(rest, 0, rest.length);
    }
    this.emit();
    return this.stats;
  }

  private fail(message: string): never {
    throw new CsvFormatError(`${this.source}:${this.lineNo}: ${message}`);
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.lineNo += 1;
    if (end > start && buf[end - 1] === CR) end -= 1;
    if (end === start) return; // blank line
    const comma1 = buf.indexOf(COMMA, start);
    const comma2 = comma1 < 0 || comma1 >= end ? -1 : buf.indexOf(COMMA, comma1 + 1);
    if (comma1 < 0 || comma1 >= end || comma2 < 0 || comma2 >= end) this.fail('expected 3 fields: series,ts_ms,value');
    if (!this.headerChecked) {
      this.headerChecked = true;
      // The header line names the columns; a file without one starts with data.
      if (latin1(buf, comma1 + 1, comma2).trim() === 'ts_ms') return;
    }

    let t = parseDecimal(buf, comma1 + 1, comma2);
    if (!Number.isInteger(t)) {
      t = Number(latin1(buf, comma1 + 1, comma2));
      if (!Number.isFinite(t)) this.fail(`bad timestamp ${JSON.stringify(latin1(buf, comma1 + 1, comma2).slice(0, 40))}`);
    }
    let value = parseDecimal(buf, comma2 + 1, end);
    if (Number.isNaN(value)) {
      try {
        value = parseOtherNumber(latin1(buf, comma2 + 1, end));
      } catch (error) {
        this.fail((error as Error).message);
      }
    }

    if (t !== this.tickT) {
      if (this.count > 0) {
        if (t < this.tickT) {
          this.fail(`rows go back in time (${t} after ${this.tickT}); the file must list its rows in time order (gen_telemetry.py: --csv-order time)`);
        }
        this.emit();
      }
      this.tickT = t;
    }

    // The series: same position as in the previous tick (bytes compared, no string made)?
    const position = this.count;
    let index = -1;
    if (position < this.layoutIndexes.length) {
      const expected = this.layoutIndexes[position]!;
      const key = this.keyBytes[expected]!;
      if (key.length === comma1 - start && buf.compare(key, 0, key.length, start, comma1) === 0) index = expected;
    }
    if (index < 0) index = this.indexOf(latin1(buf, start, comma1));

    if (position === this.tickIndexes.length) this.growTick();
    this.tickIndexes[position] = index;
    this.tickIds[position] = this.handlerIds[index]!;
    this.tickValues[position] = value;
    this.count = position + 1;
    this.stats.rows += 1;
  }

  private indexOf(key: string): number {
    const known = this.keyIndex.get(key);
    if (known !== undefined) return known;
    if (key === '') this.fail('empty series key');
    const index = this.keyBytes.length;
    this.keyIndex.set(key, index);
    this.keyBytes.push(Buffer.from(key, 'latin1'));
    this.handlerIds.push(this.handler.series(key));
    this.stats.series += 1;
    return index;
  }

  private growTick(): void {
    const size = this.tickIndexes.length * 2;
    const indexes = new Int32Array(size);
    const ids = new Int32Array(size);
    const values = new Float64Array(size);
    indexes.set(this.tickIndexes);
    ids.set(this.tickIds);
    values.set(this.tickValues);
    this.tickIndexes = indexes;
    this.tickIds = ids;
    this.tickValues = values;
  }

  private emit(): void {
    const n = this.count;
    if (n === 0) return;
    let same = n === this.layoutIndexes.length;
    for (let i = 0; i < n && same; i += 1) same = this.tickIndexes[i] === this.layoutIndexes[i];
    if (!same) {
      // A new series order: one new ids array, handed out for every tick in this order.
      this.layoutIndexes = this.tickIndexes.slice(0, n);
      this.layoutIds = this.tickIds.slice(0, n);
      this.stats.layouts += 1;
    }
    if (this.stats.ticks === 0) this.stats.firstMs = this.tickT;
    this.stats.lastMs = this.tickT;
    this.stats.ticks += 1;
    this.count = 0;
    this.handler.tick(this.tickT, this.layoutIds, this.tickValues.subarray(0, n));
  }
}

export interface ReadOptions {
  chunkBytes?: number;
  /** Checked after every chunk: true stops reading (the rest of the file is not read). */
  stop?: () => boolean;
}

/** Reads a CSV file in fixed-size chunks and calls the handler per series and per tick. */
export function readCsvTicks(path: string, handler: TickHandler, options: ReadOptions = {}): CsvStats {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const fd = openSync(path, 'r');
  try {
    const parser = new CsvTickParser(handler, path);
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) break;
      parser.push(chunk.subarray(0, n));
      if (options.stop?.()) return parser.stats;
    }
    return parser.end();
  } finally {
    closeSync(fd);
  }
}
