import type { LegendEntry } from './liveChart';

interface ChartLegendProps {
  testId: string;
  title: string;
  entries: LegendEntry[];
  onToggle(key: string): void;
}

/**
 * The chart's legend as buttons: Tab reaches each line, Enter or Space hides or shows it
 * (aria-pressed says it is shown), and each entry carries the line's newest value. The swatch
 * is dashed for a dashed line (network tx).
 */
export function ChartLegend({ testId, title, entries, onToggle }: ChartLegendProps) {
  if (entries.length === 0) return null;
  return (
    <div className="chart-legend" role="group" aria-label={`${title}: lines shown`} data-testid={`${testId}-legend`}>
      {entries.map((entry, i) => (
        <button
          key={entry.key}
          type="button"
          className="chart-legend__item"
          data-testid={`${testId}-legend-${i}`}
          data-label={entry.label}
          aria-pressed={!entry.hidden}
          title={entry.hidden ? `Show ${entry.label}` : `Hide ${entry.label}`}
          onClick={() => onToggle(entry.key)}
        >
          <span
            className={`chart-legend__swatch${entry.dashed ? ' chart-legend__swatch--dashed' : ''}`}
            data-dashed={entry.dashed ? 'true' : undefined}
            style={{ color: entry.color }}
            aria-hidden="true"
          />
          <span className="chart-legend__label">{entry.label}</span>
          <span className="chart-legend__value">{entry.last}</span>
        </button>
      ))}
    </div>
  );
}
