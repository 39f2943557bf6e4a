import { useId, useState, type FormEvent } from 'react';
import { formatDateTime } from '../format';
import { backToLive, canPanForward, panWindow, parseCustomRange, toLocalDateTimeInput, windowDefinition, type ChartWindow } from '../ranges';
import { timeZoneLabel } from '../charts/timeZone';

interface TimeNavProps {
  timeWindow: ChartWindow;
  onWindowChange(window: ChartWindow): void;
}

/** The form for an absolute from/to; errors attach to their field. */
function CustomRangeForm({ timeWindow, onApply, onCancel }: { timeWindow: ChartWindow; onApply(window: ChartWindow): void; onCancel(): void }) {
  const id = useId();
  const [from, setFrom] = useState(() => toLocalDateTimeInput(timeWindow.fromMs));
  const [to, setTo] = useState(() => toLocalDateTimeInput(timeWindow.toMs));
  const [error, setError] = useState<{ field: 'from' | 'to'; message: string } | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = parseCustomRange(from, to, Date.now(), timeWindow.range);
    if (!result.ok) {
      setError({ field: result.field, message: result.message });
      return;
    }
    setError(null);
    onApply(result.window);
  };
  const field = (name: 'from' | 'to', label: string, value: string, set: (v: string) => void) => (
    <label className="time-nav__field">
      <span>{label}</span>
      <input
        type="datetime-local"
        data-testid={`time-custom-${name}`}
        value={value}
        onChange={(e) => set(e.target.value)}
        aria-invalid={error?.field === name ? true : undefined}
        aria-describedby={error?.field === name ? `${id}-error` : undefined}
      />
      {error?.field === name && (
        <span className="time-nav__error" id={`${id}-error`} role="alert" data-testid="time-custom-error">
          {error.message}
        </span>
      )}
    </label>
  );
  return (
    <form className="time-nav__form" onSubmit={submit} aria-label="Custom time range" data-testid="time-custom-form" noValidate>
      {field('from', 'From', from, setFrom)}
      {field('to', 'To', to, setTo)}
      <button type="submit" className="button" data-testid="time-custom-apply">
        Show
      </button>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/**
 * Moving through time on the node page: half a window back or forward, back to the live
 * window, an absolute from/to; and which time zone the axes are in.
 */
export function TimeNav({ timeWindow, onWindowChange }: TimeNavProps) {
  const [picking, setPicking] = useState(false);
  const now = Date.now();
  const custom = timeWindow.custom === true;
  const shown = custom ? `${formatDateTime(timeWindow.fromMs)} – ${formatDateTime(timeWindow.toMs)}` : `Live · last ${windowDefinition(timeWindow).label}`;
  return (
    <div className="time-nav" data-testid="time-nav" data-custom={String(custom)}>
      <button
        type="button"
        className="button"
        data-testid="time-pan-back"
        title="Half a window earlier"
        onClick={() => onWindowChange(panWindow(timeWindow, -1, Date.now()))}
      >
        ← Earlier
      </button>
      <button
        type="button"
        className="button"
        data-testid="time-pan-forward"
        title="Half a window later"
        disabled={!canPanForward(timeWindow, now)}
        onClick={() => onWindowChange(panWindow(timeWindow, 1, Date.now()))}
      >
        Later →
      </button>
      {custom && (
        <button type="button" className="button" data-testid="time-live" onClick={() => onWindowChange(backToLive(timeWindow, Date.now()))}>
          Back to live
        </button>
      )}
      <button type="button" className="button" data-testid="time-custom" aria-expanded={picking} onClick={() => setPicking((p) => !p)}>
        Custom range…
      </button>
      <span className="time-nav__shown" data-testid="time-shown">
        {shown}
      </span>
      <span className="time-nav__zone" data-testid="time-zone" title="Times on the charts are in this zone">
        {timeZoneLabel(timeWindow.toMs)}
      </span>
      {picking && (
        <CustomRangeForm
          timeWindow={timeWindow}
          onCancel={() => setPicking(false)}
          onApply={(window) => {
            setPicking(false);
            onWindowChange(window);
          }}
        />
      )}
    </div>
  );
}
