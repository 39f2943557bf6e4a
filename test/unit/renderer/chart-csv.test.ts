import { describe, expect, it } from 'vitest';
import type { MetricQueryResult } from '../../../shared/contract';
import { buildChartCsv, csvField } from '../../../renderer/src/charts/csv';
import { exportFileName } from '../../../renderer/src/charts/download';

const result = (metric: MetricQueryResult['metric'], series: MetricQueryResult['series']): MetricQueryResult => ({
  metric,
  unit: 'pct',
  tier: 'raw',
  stepMs: 1000,
  series,
});

describe('chart CSV', () => {
  it('has a row per time (ISO and epoch ms) and a column per series, values as answered', () => {
    const csv = buildChartCsv(
      [{ label: (d) => `GPU ${d}` }],
      [
        result('gpu.util_pct', [
          { device: 'a', t: [1000, 2000], v: [12.5, 0.1 + 0.2], min: null, max: null },
          { device: 'b', t: [2000, 3000], v: [7, 100], min: null, max: null },
        ]),
      ],
    );
    expect(csv.split('\r\n')).toEqual([
      'time,epoch_ms,GPU a,GPU b',
      '1970-01-01T00:00:01.000Z,1000,12.5,',
      `1970-01-01T00:00:02.000Z,2000,${0.1 + 0.2},7`,
      '1970-01-01T00:00:03.000Z,3000,,100',
      '',
    ]);
  });

  it('adds min and max columns for bucket envelopes and keeps only a source device', () => {
    const csv = buildChartCsv(
      [{ device: 'eth0', label: (d) => `${d} rx` }, { label: (d) => `${d} tx` }],
      [
        result('net.rx_bytes_per_sec', [
          { device: 'eth0', t: [60_000], v: [5], min: [1], max: [9] },
          { device: 'lo', t: [60_000], v: [3], min: [3], max: [3] },
        ]),
        result('net.tx_bytes_per_sec', [{ device: 'eth0', t: [60_000], v: [2], min: null, max: null }]),
      ],
    );
    expect(csv.split('\r\n').slice(0, 2)).toEqual(['time,epoch_ms,eth0 rx,eth0 rx min,eth0 rx max,eth0 tx', '1970-01-01T00:01:00.000Z,60000,5,1,9,2']);
  });

  it('quotes separators and defuses spreadsheet formulas in names', () => {
    expect(csvField('/mnt/a,b')).toBe('"/mnt/a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('GPU 0')).toBe('GPU 0');
    // Every character a spreadsheet starts a formula with, and a tab or CR before one.
    expect(['+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'].map(csvField)).toEqual(["'+1+1", "'-2+3", "'@SUM(A1)", "'\t=1", `"'\r=1"`]);
  });

  it('defuses a device name from the node in the header, values stay numbers (a negative one too)', () => {
    const csv = buildChartCsv(
      [{ label: (device) => `${device}` }],
      [result('gpu.power_w', [{ device: '=cmd|"/c calc"!A1', t: [60_000], v: [-1.5], min: null, max: null }])],
    );
    expect(csv.split('\r\n').slice(0, 2)).toEqual([`time,epoch_ms,"'=cmd|""/c calc""!A1"`, '1970-01-01T00:01:00.000Z,60000,-1.5']);
  });

  it('names files after chart, node and window, with nothing a file system objects to', () => {
    expect(exportFileName('chart-gpu.util_pct', 'host/a b', Date.UTC(2026, 11, 2, 7, 30), Date.UTC(2026, 11, 2, 8, 30), 'csv')).toBe(
      'chart-gpu.util_pct-host_a_b-20261202T0730-20261202T0830.csv',
    );
  });
});
