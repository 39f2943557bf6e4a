import { describe, expect, it } from 'vitest';
import { encodeSealJob, packSealResult, type SealJob } from '../../../../electron/core/store/tsdb/seal';

const T0 = 1_735_689_600_000;
const HOUR = 3_600_000;

function job(series: number, samples: number): SealJob {
  const parts = Array.from({ length: series }, (_, k) => ({
    seriesId: k + 1,
    t: Float64Array.from({ length: samples }, (_, i) => T0 + i * 5000),
    v: Float64Array.from({ length: samples }, (_, i) => Math.round(((i * (k + 3)) % 997) + k) / 10),
  }));
  return { id: 7, boundary: T0 + 2 * HOUR, rawSpanMs: HOUR, parts };
}

describe('packing a seal result for the trip back from the worker', () => {
  it("moves every piece's data into one buffer of its own, the only thing to transfer, bytes unchanged", () => {
    const result = encodeSealJob(job(5, 2 * 720));
    expect(result.pieces).toHaveLength(10);
    const datas = () => result.pieces.flatMap((p) => [p.raw.data, p.minute.data]);
    // Encoded chunks are small Buffers, cut from Node's shared pool (untransferable from Node 21 on).
    expect(datas().some((d) => d.buffer.byteLength > d.byteLength)).toBe(true);
    const before = datas().map((d) => Array.from(d));
    const total = datas().reduce((n, d) => n + d.byteLength, 0);
    const transfer = packSealResult(result);
    expect(transfer).toHaveLength(1);
    const [buffer] = transfer;
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(buffer!.byteLength).toBe(total);
    for (const data of datas()) expect(data.buffer).toBe(buffer);
    expect(datas().map((d) => Array.from(d))).toEqual(before);
    // The views tile the buffer without overlap.
    expect(datas().map((d) => d.byteOffset)).toEqual(
      datas().map((_, i) =>
        datas()
          .slice(0, i)
          .reduce((n, d) => n + d.byteLength, 0),
      ),
    );
  });

  it('survives a transfer: a structured clone with that list carries the same bytes', () => {
    const result = encodeSealJob(job(3, 720));
    const expected = result.pieces.map((p) => [Array.from(p.raw.data), Array.from(p.minute.data)]);
    const transfer = packSealResult(result);
    const received = structuredClone(result, { transfer });
    expect(transfer[0]!.byteLength).toBe(0); // moved, not copied
    expect(received.pieces.map((p) => [Array.from(p.raw.data), Array.from(p.minute.data)])).toEqual(expected);
  });

  it('transfers nothing for a result without pieces', () => {
    expect(packSealResult({ id: 1, pieces: [] })).toEqual([]);
  });
});
