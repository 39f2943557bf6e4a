import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, CsvTickParser, readCsvTicks, seriesIdentity, type TickHandler } from '../../../electron/server/store-bench/csv-ticks';
import { tempDir } from '../../helpers/tmp';

interface Tick {
  t: number;
  ids: number[];
  values: number[];
  idsArray: Int32Array;
}

/** A handler that numbers series from 100 (so ids differ from the parser's own indexes). */
function collector(): { handler: TickHandler; keys: string[]; ticks: Tick[] } {
  const keys: string[] = [];
  const ticks: Tick[] = [];
  return {
    keys,
    ticks,
    handler: {
      series(key) {
        keys.push(key);
        return 99 + keys.length;
      },
      tick(t, ids, values) {
        ticks.push({ t, ids: Array.from(ids), values: Array.from(values), idsArray: ids });
      },
    },
  };
}

function parse(text: string, splitAt: number[] = []): ReturnType<typeof collector> & { stats: ReturnType<CsvTickParser['end']> } {
  const result = collector();
  const parser = new CsvTickParser(result.handler, 'test.csv');
  const bytes = Buffer.from(text, 'latin1');
  let from = 0;
  for (const at of [...splitAt, bytes.length]) {
    parser.push(bytes.subarray(from, at));
    from = at;
  }
  return { ...result, stats: parser.end() };
}

const CSV = [
  'series,ts_ms,value',
  'gpu_utilization_percent;node=gpu-node-000;gpu=0,1735689600000,93',
  'gpu_power_draw_watts;node=gpu-node-000;gpu=0,1735689600000,612.37',
  'node_load1;node=gpu-node-000,1735689600000,41.5',
  'gpu_utilization_percent;node=gpu-node-000;gpu=0,1735689605000,95',
  'gpu_power_draw_watts;node=gpu-node-000;gpu=0,1735689605000,-0.05',
  'node_load1;node=gpu-node-000,1735689605000,0.1',
  'gpu_utilization_percent;node=gpu-node-000;gpu=0,1735689610000,0',
  'gpu_power_draw_watts;node=gpu-node-000;gpu=0,1735689610000,1e3',
  'node_load1;node=gpu-node-000,1735689610000,+Inf',
  '',
].join('\n');

describe('seriesIdentity', () => {
  it('maps a series key to node, metric and the other labels as the device', () => {
    expect(seriesIdentity('gpu_utilization_percent;node=gpu-node-000;gpu=0')).toEqual({
      nodeId: 'gpu-node-000',
      metric: 'gpu_utilization_percent',
      device: 'gpu=0',
    });
    expect(seriesIdentity('node_filesystem_used_bytes;node=n1;mountpoint=/')).toEqual({
      nodeId: 'n1',
      metric: 'node_filesystem_used_bytes',
      device: 'mountpoint=/',
    });
    expect(seriesIdentity('node_load1;node=n1')).toEqual({ nodeId: 'n1', metric: 'node_load1', device: '' });
    expect(seriesIdentity('x;a=1;node=n2;b=2')).toEqual({ nodeId: 'n2', metric: 'x', device: 'a=1,b=2' });
    expect(seriesIdentity('bare_metric')).toEqual({ nodeId: '', metric: 'bare_metric', device: '' });
  });
});

describe('CsvTickParser', () => {
  it('groups rows into ticks by timestamp, with the handler ids and exact values', () => {
    const { keys, ticks, stats } = parse(CSV);
    expect(keys).toEqual(['gpu_utilization_percent;node=gpu-node-000;gpu=0', 'gpu_power_draw_watts;node=gpu-node-000;gpu=0', 'node_load1;node=gpu-node-000']);
    expect(ticks.map((t) => t.t)).toEqual([1735689600000, 1735689605000, 1735689610000]);
    expect(ticks.map((t) => t.ids)).toEqual([
      [100, 101, 102],
      [100, 101, 102],
      [100, 101, 102],
    ]);
    expect(ticks.map((t) => t.values)).toEqual([
      [93, 612.37, 41.5],
      [95, -0.05, 0.1],
      [0, 1000, Infinity],
    ]);
    expect(stats).toMatchObject({ rows: 9, ticks: 3, series: 3, firstMs: 1735689600000, lastMs: 1735689610000, layouts: 1 });
  });

  it('hands out the same ids array while the series order repeats, and a new one when it changes', () => {
    const text = [
      'a;node=n,0,1',
      'b;node=n,0,2',
      'a;node=n,5,1',
      'b;node=n,5,2',
      'b;node=n,10,2',
      'a;node=n,10,1',
      'c;node=n,10,3',
      'b;node=n,15,2',
      'a;node=n,15,1',
      'c;node=n,15,3',
    ].join('\n');
    const { ticks, stats } = parse(text);
    expect(ticks.map((t) => t.ids)).toEqual([
      [100, 101],
      [100, 101],
      [101, 100, 102],
      [101, 100, 102],
    ]);
    expect(ticks[1]!.idsArray).toBe(ticks[0]!.idsArray);
    expect(ticks[2]!.idsArray).not.toBe(ticks[1]!.idsArray);
    expect(ticks[3]!.idsArray).toBe(ticks[2]!.idsArray);
    expect(stats.layouts).toBe(2);
  });

  it('gives the same ticks however the input is split into chunks', () => {
    const whole = parse(CSV);
    const bytes = Buffer.byteLength(CSV, 'latin1');
    for (let at = 1; at < bytes; at += 1) {
      const split = parse(CSV, [at]);
      expect(split.ticks.map(({ t, ids, values }) => ({ t, ids, values }))).toEqual(whole.ticks.map(({ t, ids, values }) => ({ t, ids, values })));
    }
    const tiny = parse(
      CSV,
      Array.from({ length: bytes - 1 }, (_, i) => i + 1),
    ); // one byte at a time
    expect(tiny.ticks.map((t) => t.values)).toEqual(whole.ticks.map((t) => t.values));
  });

  it('parses decimals exactly as Number() does', () => {
    const texts = [
      '0',
      '-0.5',
      '0.1',
      '0.2',
      '0.3',
      '123.45',
      '700',
      '99.99',
      '1234567.89',
      '81559',
      '50000000000000',
      '0.000001',
      '-17.5',
      '123456789012345',
      '1234567890123456789',
      '.5',
    ];
    let seed = 7;
    for (let i = 0; i < 500; i += 1) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      texts.push(((seed % 2_000_000) / 100).toFixed(seed % 3), ((seed >>> 3) % 100_000_000).toString());
    }
    const text = texts.map((v, i) => `s${i};node=n,0,${v}`).join('\n');
    const { ticks } = parse(text);
    expect(ticks[0]!.values).toEqual(texts.map((v) => Number(v)));
  });

  it('accepts CRLF line ends, a missing header and a missing last newline', () => {
    const { ticks } = parse('a;node=n,1000,1.5\r\nb;node=n,1000,2\r\na;node=n,2000,3');
    expect(ticks.map((t) => [t.t, t.values])).toEqual([
      [1000, [1.5, 2]],
      [2000, [3]],
    ]);
  });

  it('refuses rows that go back in time, with the line number', () => {
    expect(() => parse('series,ts_ms,value\na;node=n,5000,1\na;node=n,0,1\n')).toThrow(/test\.csv:3: rows go back in time.*--csv-order time/);
  });

  it('refuses malformed rows and values in one line', () => {
    expect(() => parse('a;node=n,5000\n')).toThrow(CsvFormatError);
    expect(() => parse('a;node=n,5000\n')).toThrow('test.csv:1: expected 3 fields: series,ts_ms,value');
    expect(() => parse('a;node=n,5000,12abc\n')).toThrow('test.csv:1: not a number: "12abc"');
    expect(() => parse('a;node=n,soon,1\n')).toThrow(/test\.csv:1: bad timestamp/);
    expect(() => parse(',5000,1\n')).toThrow('test.csv:1: empty series key');
  });
});

describe('readCsvTicks', () => {
  it('reads a file in chunks smaller than a line and gives the same ticks as one buffer', () => {
    const dir = tempDir();
    const path = join(dir, 'ticks.csv');
    writeFileSync(path, CSV);
    const expected = parse(CSV).ticks.map((t) => t.values);
    for (const chunkBytes of [7, 64, 1 << 20]) {
      const { handler, ticks } = collector();
      const stats = readCsvTicks(path, handler, { chunkBytes });
      expect(ticks.map((t) => t.values)).toEqual(expected);
      expect(stats.bytes).toBe(Buffer.byteLength(CSV));
    }
  });

  it('stops when asked, after the chunk it is in', () => {
    const dir = tempDir();
    const path = join(dir, 'ticks.csv');
    writeFileSync(path, CSV);
    const { handler, ticks } = collector();
    readCsvTicks(path, handler, { chunkBytes: 16, stop: () => ticks.length >= 1 });
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(ticks.length).toBeLessThan(3);
  });
});
