import type { ReactNode } from 'react';

/** An inline message; errors are announced to screen readers and never auto-dismissed. */
export function Notice({ tone, children, onRetry }: { tone: 'error' | 'warn' | 'info'; children: ReactNode; onRetry?: () => void }) {
  return (
    <div className={`notice notice--${tone}`} role={tone === 'info' ? 'status' : 'alert'}>
      <div className="notice__text">{children}</div>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
