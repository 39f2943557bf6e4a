/**
 * The CPU-heavy half of sealing, as a pure function so it can run in a worker thread: a series'
 * samples of finished periods to compressed raw chunks, 1-minute rollup chunks and hourly
 * rollup points. Writing them to the database stays with the engine.
 */
import { decimalsOf, encodeChunk } from './codec';
import { rollUp, rollUpPoints } from './rollup';

export interface SealPart {
  seriesId: number;
  t: Float64Array;
  v: Float64Array;
}

export interface SealJob {
  id: number;
  /** Every sample before this time is in the job (and its head rows may go once it commits). */
  boundary: number;
  rawSpanMs: number;
  parts: SealPart[];
}

export interface SealedPiece {
  seriesId: number;
  /** Start of the raw period this piece belongs to. */
  period: number;
  raw: { startT: number; n: number; data: Uint8Array };
  minute: { startT: number; n: number; data: Uint8Array };
  /** Hourly rollup points of this piece (usually one). */
  hours: { t: number[]; min: number[]; max: number[]; sum: number[]; count: number[]; last: number[] };
}

export interface SealResult {
  id: number;
  pieces: SealedPiece[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export function encodeSealJob(job: SealJob): SealResult {
  const pieces: SealedPiece[] = [];
  for (const part of job.parts) {
    let offset = 0;
    while (offset < part.t.length) {
      const period = Math.floor(part.t[offset]! / job.rawSpanMs) * job.rawSpanMs;
      let end = offset;
      while (end < part.t.length && part.t[end]! < period + job.rawSpanMs) end += 1;
      const t = part.t.subarray(offset, end);
      const v = part.v.subarray(offset, end);
      const n = end - offset;
      const minutes = rollUp(t, v, n, MINUTE);
      const hours = rollUpPoints(minutes, HOUR, decimalsOf(v, n));
      pieces.push({
        seriesId: part.seriesId,
        period,
        raw: { startT: t[0]!, n, data: encodeChunk(t, [v], n, t[0]!) },
        minute: { startT: minutes.t[0]!, n: minutes.length, data: encodeChunk(minutes.times(), minutes.columns(), minutes.length, minutes.t[0]!) },
        hours: { t: hours.t, min: hours.min, max: hours.max, sum: hours.sum, count: hours.count, last: hours.last },
      });
      offset = end;
    }
  }
  return { id: job.id, pieces };
}

/**
 * Copies every piece's encoded bytes (raw and 1-minute) into one buffer of its own, the pieces'
 * data becoming views of it, and returns that buffer as the transfer list for postMessage.
 * Encoded chunks are mostly small Buffers cut from Node's shared Buffer pool, which is marked
 * untransferable: from Node 21 on (Electron's Node 22) a pooled ArrayBuffer in a transfer list
 * throws a DataCloneError. One owned buffer moves instead of a copy per chunk.
 */
export function packSealResult(result: SealResult): ArrayBuffer[] {
  let total = 0;
  for (const piece of result.pieces) total += piece.raw.data.byteLength + piece.minute.data.byteLength;
  if (total === 0) return [];
  const packed = new Uint8Array(new ArrayBuffer(total));
  let offset = 0;
  const move = (data: Uint8Array): Uint8Array => {
    packed.set(data, offset);
    const view = packed.subarray(offset, offset + data.byteLength);
    offset += data.byteLength;
    return view;
  };
  for (const piece of result.pieces) {
    piece.raw.data = move(piece.raw.data);
    piece.minute.data = move(piece.minute.data);
  }
  return [packed.buffer];
}
