import { RANGES, windowFor, type ChartWindow, type RangeId } from '../ranges';

interface RangeSelectorProps {
  value: RangeId;
  onChange(range: RangeId): void;
  /** The window shown; when custom, no preset is pressed and a "Custom" marker is. */
  timeWindow?: ChartWindow;
  /** Preferred over onChange when given: a preset produces its live window. */
  onWindowChange?(window: ChartWindow): void;
}

/** A toggle group: aria-pressed marks the active range for assistive tech and for tests. */
export function RangeSelector({ value, onChange, timeWindow, onWindowChange }: RangeSelectorProps) {
  const custom = timeWindow?.custom === true;
  const choose = (range: RangeId) => (onWindowChange ? onWindowChange(windowFor(range, Date.now())) : onChange(range));
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {RANGES.map((range) => (
        <button
          key={range.id}
          type="button"
          className="segmented__button"
          data-testid={`range-${range.id}`}
          aria-pressed={!custom && range.id === value}
          onClick={() => choose(range.id)}
        >
          {range.label}
        </button>
      ))}
      {custom && (
        <span className="segmented__button segmented__button--static" data-testid="range-custom" aria-current="true">
          Custom
        </span>
      )}
    </div>
  );
}
