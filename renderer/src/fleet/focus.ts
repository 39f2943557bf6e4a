/**
 * Where the keyboard focus goes when what held it disappears: after a node is removed, and after
 * the heatmap opens a node (the fleet page unmounts). Never left on <body>.
 */

/** The id of the row whose menu gets the focus after `removedId` goes: the next one, else the one before. */
export function nextRowAfter(ids: readonly string[], removedId: string, stillThere: (id: string) => boolean): string | null {
  const at = ids.indexOf(removedId);
  if (at < 0) return null;
  for (let i = at + 1; i < ids.length; i += 1) if (stillThere(ids[i]!)) return ids[i]!;
  for (let i = at - 1; i >= 0; i -= 1) if (stillThere(ids[i]!)) return ids[i]!;
  return null;
}

export const rowMenuTestId = (nodeId: string): string => `row-menu-${nodeId}`;

/** Focuses the next row's actions button (ids: the rows shown when Remove was chosen), else the table itself. */
export function focusAfterRemove(table: HTMLElement | null, ids: readonly string[], removedId: string): void {
  if (!table?.isConnected) return;
  const buttonOf = (id: string) => table.querySelector<HTMLElement>(`[data-testid="${CSS.escape(rowMenuTestId(id))}"]`);
  const next = nextRowAfter(ids, removedId, (id) => buttonOf(id) !== null);
  const target = next === null ? table : buttonOf(next)!;
  target.focus();
}

/**
 * After the fleet page asked to open a node: once the page has gone, focus the new page's
 * heading (made focusable for it), so keyboard users start at the top of the node page.
 */
export function focusHeadingAfterNavigation(leaving: HTMLElement | null, timeoutMs = 3000): void {
  const started = performance.now();
  const step = () => {
    if (leaving?.isConnected) {
      if (performance.now() - started < timeoutMs) window.requestAnimationFrame(step);
      return;
    }
    const heading = document.querySelector<HTMLElement>('main h1, main h2');
    if (!heading) {
      if (performance.now() - started < timeoutMs) window.requestAnimationFrame(step);
      return;
    }
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    heading.focus();
  };
  window.requestAnimationFrame(step);
}
