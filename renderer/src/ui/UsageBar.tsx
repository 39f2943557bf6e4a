/** Thresholds where a usage bar turns amber and red: disks and memory fill up slowly, then suddenly matter. */
const WARN_PCT = 80;
const CRITICAL_PCT = 92;

export function usageTone(pct: number): 'ok' | 'warn' | 'error' {
  if (pct >= CRITICAL_PCT) return 'error';
  if (pct >= WARN_PCT) return 'warn';
  return 'ok';
}

export function UsageBar({ pct, label }: { pct: number | null; label: string }) {
  const clamped = pct === null ? 0 : Math.min(100, Math.max(0, pct));
  return (
    <div
      className={`usage-bar usage-bar--${pct === null ? 'unknown' : usageTone(clamped)}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct === null ? undefined : Math.round(clamped)}
    >
      {/* A React style prop goes through CSSOM, which the style-src 'self' policy allows. */}
      <div className="usage-bar__fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
