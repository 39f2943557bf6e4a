import { RANGES, type RangeId } from '../ranges';

/** A toggle group: aria-pressed marks the active range for assistive tech and for tests. */
export function RangeSelector({ value, onChange }: { value: RangeId; onChange(range: RangeId): void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {RANGES.map((range) => (
        <button
          key={range.id}
          type="button"
          className="segmented__button"
          data-testid={`range-${range.id}`}
          aria-pressed={range.id === value}
          onClick={() => onChange(range.id)}
        >
          {range.label}
        </button>
      ))}
    </div>
  );
}
