/**
 * A chart's data as CSV: the history its queries answered for the window, one row per time
 * (ISO and epoch ms), one column per drawn series, plus min/max columns where the answer has
 * bucket envelopes. Values are written as the engine sent them (no rounding, no units).
 */
import type { MetricQueryResult } from '../../../shared/contract';

export interface CsvSource {
  /** Only this device's series when set (as the chart draws it). */
  device?: string;
  label(device: string): string;
}

interface Column {
  header: string;
  values: Map<number, number>;
}

/** Quotes a field when it must be, and defuses a leading formula character for spreadsheets. */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function column(header: string, t: number[], v: number[]): Column {
  const values = new Map<number, number>();
  t.forEach((time, i) => values.set(time, v[i]!));
  return { header, values };
}

/** `results[i]` answers `sources[i]`, as the chart's queries do. */
export function buildChartCsv(sources: readonly CsvSource[], results: readonly MetricQueryResult[]): string {
  const columns: Column[] = [];
  results.forEach((result, i) => {
    const source = sources[i];
    if (!source) return;
    for (const series of result.series) {
      if (source.device !== undefined && series.device !== source.device) continue;
      const label = source.label(series.device);
      columns.push(column(label, series.t, series.v));
      if (series.min) columns.push(column(`${label} min`, series.t, series.min));
      if (series.max) columns.push(column(`${label} max`, series.t, series.max));
    }
  });
  const times = [...new Set(columns.flatMap((c) => [...c.values.keys()]))].sort((a, b) => a - b);
  const lines = [['time', 'epoch_ms', ...columns.map((c) => c.header)].map(csvField).join(',')];
  for (const t of times) {
    const cells = columns.map((c) => {
      const v = c.values.get(t);
      return v === undefined ? '' : String(v);
    });
    lines.push([new Date(t).toISOString(), String(t), ...cells].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
