/**
 * The fleet table as CSV (RFC 4180): the rows shown, in the order shown, one line per node, the
 * values the table draws from (numbers unrounded but to 2 decimals, times in ISO 8601 UTC). Pure,
 * unit-tested.
 */
import { groupValueOf } from './groups';
import type { FleetRow } from './rows';
import { statusWord } from './status';

/** One field, quoted when it holds a comma, quote, CR or LF (quotes doubled), and a leading formula character neutralised. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(Number(value.toFixed(2))) : '') : value;
  // Spreadsheets run a cell that starts with = + - @ as a formula: a node's text must not.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'node',
  'hostname',
  'status',
  'address',
  'labels',
  'cpu_pct',
  'memory_pct',
  'fullest_disk',
  'fullest_disk_pct',
  'gpus',
  'gpu_util_mean_pct',
  'gpu_models',
  'gpu_memory_used_mib',
  'gpu_memory_total_mib',
  'gpu_hottest_c',
  'gpu_power_w',
  'gpu_power_limit_w',
  'gpu_flags',
  'driver',
  'collected_at',
] as const;

const sum = (values: ReadonlyArray<number | null | undefined>): number | null => {
  let total: number | null = null;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) total = (total ?? 0) + v;
  return total;
};
const max = (values: ReadonlyArray<number | null | undefined>): number | null => {
  let best: number | null = null;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && (best === null || v > best)) best = v;
  return best;
};

/** A row's fields, in CSV_COLUMNS order. */
export function csvRecord(row: FleetRow): Array<string | number | null> {
  const data = row.data;
  const gpus = data?.gpus ?? [];
  const models = [...new Set(gpus.map((g) => g.name).filter((n): n is string => !!n))];
  const flags = gpus.flatMap((g) => (g.flags ?? []).map((f) => `GPU ${g.index ?? g.key}: ${f}`));
  return [
    row.id,
    row.hostname,
    statusWord(row.status),
    row.address,
    row.labels.join(' '),
    data?.cpuPct ?? null,
    data?.memPct ?? null,
    data?.worstDisk?.mount ?? null,
    data?.worstDisk?.pct ?? null,
    data ? gpus.length : null,
    data?.gpuUtilMean ?? null,
    models.join('; '),
    sum(gpus.map((g) => g.memUsedMib)),
    sum(gpus.map((g) => g.memTotalMib)),
    max(gpus.map((g) => g.tempC)),
    sum(gpus.map((g) => g.powerW)),
    sum(gpus.map((g) => g.powerLimitW)),
    flags.join('; '),
    data?.driverVersion ?? null,
    data && data.collectedAt > 0 ? new Date(data.collectedAt).toISOString() : null,
  ];
}

/** The whole CSV: a header line, then one line per row; with a group key, a first "group" column. */
export function fleetCsv(rows: readonly FleetRow[], groupBy: string | null = null): string {
  const header: string[] = [...(groupBy === null ? [] : ['group']), ...CSV_COLUMNS];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const fields = csvRecord(row);
    if (groupBy !== null) fields.unshift(groupValueOf(row, groupBy));
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Saves text as a download: a Blob behind a temporary <a download> (the browser saves it in `serve`; Electron's will-download handler in the desktop app). */
export function downloadText(fileName: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
