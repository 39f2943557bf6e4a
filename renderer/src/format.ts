/**
 * Number and time formatting for the whole renderer, so every panel and axis agrees.
 * Sizes use binary units (what `free -h` and `df -h` show); rates use decimal KB/s, MB/s
 * (what network tools show).
 */
import type { MetricUnit } from '../../shared/model/metrics';

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const RATE_UNITS = ['B/s', 'KB/s', 'MB/s', 'GB/s', 'TB/s'];

/** Three significant digits at most, without trailing zeros ("1.5", "12.3", "512"). */
function compact(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return Number(value.toFixed(digits)).toString();
}

function scaled(value: number, base: number, units: readonly string[]): string {
  let index = 0;
  let scaledValue = value;
  while (Math.abs(scaledValue) >= base && index < units.length - 1) {
    scaledValue /= base;
    index++;
  }
  return `${compact(scaledValue)} ${units[index]}`;
}

export function formatBytes(bytes: number): string {
  return scaled(bytes, 1024, BINARY_UNITS);
}

export function formatBytesPerSec(bytesPerSec: number): string {
  return scaled(bytesPerSec, 1000, RATE_UNITS);
}

export function formatMib(mib: number): string {
  return mib >= 1024 ? `${compact(mib / 1024)} GiB` : `${compact(mib)} MiB`;
}

export function formatPct(pct: number): string {
  return `${compact(pct)}%`;
}

/** A value in its metric's unit, for tooltips, axes and summaries. */
export function formatValue(unit: MetricUnit, value: number): string {
  switch (unit) {
    case 'pct':
      return formatPct(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytesPerSec':
      return formatBytesPerSec(value);
    case 'mib':
      return formatMib(value);
    case 'celsius':
      return `${compact(value)} °C`;
    case 'watts':
      return `${compact(value)} W`;
    case 'load':
      return value.toFixed(2);
  }
}

/** "—" stands for a value the node did not report, so a missing reading never looks like zero. */
export const MISSING = '—';

export function orMissing<T>(value: T | null | undefined, format: (value: T) => string): string {
  return value === null || value === undefined ? MISSING : format(value);
}

/** Counts with thousands separators ("1,234,567"), whatever the viewer's locale. */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const pad2 = (n: number) => n.toString().padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function formatClock(epochMs: number, withSeconds = false): string {
  const d = new Date(epochMs);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** Axis label: the time of day, with the weekday at local midnight so a 24 h chart shows where days change. */
export function formatAxisTime(epochMs: number): string {
  const d = new Date(epochMs);
  if (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0) return `${WEEKDAYS[d.getDay()]} 00:00`;
  return formatClock(epochMs);
}

/** Axis label of a day tick: "Mon 12" on a week's chart, "12 Mar" on a month's. */
export function formatAxisDay(epochMs: number, style: 'weekday' | 'date'): string {
  const d = new Date(epochMs);
  return style === 'weekday' ? `${WEEKDAYS[d.getDay()]} ${d.getDate()}` : `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

/** Full local date and time, for tooltips and the status bar. */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(epochMs, true)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${compact(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${compact(ms / 3_600_000)} h`;
}

/** A duration as a compound adjective: "1-min", "15-min", "2-h" (as in "1-min avg"). */
export function formatStep(ms: number): string {
  return formatDuration(ms).replace(' ', '-');
}

/** A retention period in days; long ones also in years ("730 days (2 years)"). */
export function formatRetention(ms: number): string {
  const days = ms / 86_400_000;
  const text = `${compact(days)} ${days === 1 ? 'day' : 'days'}`;
  if (days < 365) return text;
  const years = days / 365;
  return `${text} (${compact(years)} ${years === 1 ? 'year' : 'years'})`;
}

/** "12 s ago"; the status bar re-renders it once a second. */
export function formatAgo(epochMs: number, nowMs: number): string {
  const delta = Math.max(0, nowMs - epochMs);
  if (delta < 1500) return 'just now';
  if (delta < 60_000) return `${Math.round(delta / 1000)} s ago`;
  return `${formatDuration(delta)} ago`;
}
