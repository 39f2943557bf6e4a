import { useEffect, useRef, useState } from 'react';
import { reportError } from '../errors';
import { parseRoute, shareableLink, type Route } from '../route';

type CopyState = { kind: 'idle' } | { kind: 'copied'; link: string } | { kind: 'manual'; link: string };

/** How long "Link copied" stays. */
const CONFIRMATION_MS = 2500;

/** The older way, for a window where navigator.clipboard is missing or refused (http on another host). */
function copyWithSelection(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  const focused = document.activeElement as HTMLElement | null;
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  focused?.focus();
  return ok;
}

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (error) {
    reportError('copy link (clipboard refused, trying the selection)', error);
  }
  return copyWithSelection(text);
}

/**
 * "Copy link": the address of what is on screen (the route as the address bar holds it, pages
 * such as the alerts keep their selection there), re-formatted from its parsed form so only
 * what the route knows is shared, and never the query string where `serve` takes its token.
 * If no clipboard takes it, the link is shown selected to copy by hand.
 */
export function CopyLinkButton({ fallbackRoute }: { fallbackRoute: Route | null }) {
  const [state, setState] = useState<CopyState>({ kind: 'idle' });
  const manualRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state.kind !== 'copied') return;
    const timer = window.setTimeout(() => setState({ kind: 'idle' }), CONFIRMATION_MS);
    return () => window.clearTimeout(timer);
  }, [state]);
  useEffect(() => {
    if (state.kind !== 'manual') return;
    manualRef.current?.focus();
    manualRef.current?.select();
  }, [state]);

  const copy = () => {
    const route = parseRoute(window.location.hash) ?? fallbackRoute;
    if (route === null) return;
    const link = shareableLink(window.location, route);
    void copyText(link).then((ok) => setState(ok ? { kind: 'copied', link } : { kind: 'manual', link }));
  };

  return (
    <span className="copy-link">
      <button type="button" className="topbar__action" data-testid="copy-link" title="Copy a link to this view" onClick={copy}>
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M6.9 9.1a.75.75 0 0 1 0-1.06l2.12-2.12a.75.75 0 1 1 1.06 1.06L7.96 9.1a.75.75 0 0 1-1.06 0ZM4.4 8.3l1.06-1.06a.75.75 0 1 1 1.06 1.06L5.46 9.36a1.75 1.75 0 0 0 2.48 2.48l1.06-1.06a.75.75 0 1 1 1.06 1.06L9 12.9a3.25 3.25 0 0 1-4.6-4.6Zm7.2-.6-1.06 1.06a.75.75 0 1 1-1.06-1.06l1.06-1.06a1.75 1.75 0 0 0-2.48-2.48L7 5.22a.75.75 0 1 1-1.06-1.06L7 3.1a3.25 3.25 0 0 1 4.6 4.6Z"
          />
        </svg>
        <span className="topbar__action-label">{state.kind === 'copied' ? 'Copied' : 'Copy link'}</span>
      </button>
      <span className="visually-hidden" role="status" data-testid="copy-link-status" data-link={state.kind === 'copied' ? state.link : undefined}>
        {state.kind === 'copied' ? 'Link copied' : ''}
      </span>
      {state.kind === 'manual' && (
        <span className="copy-link__manual" data-testid="copy-link-manual">
          <label>
            <span className="visually-hidden">Link to copy</span>
            <input ref={manualRef} readOnly value={state.link} size={32} onBlur={() => setState({ kind: 'idle' })} />
          </label>
        </span>
      )}
    </span>
  );
}
