/**
 * After a dialog about one node closes: its opener (a row menu's item) is gone, so the focus
 * goes to that node's row menu button, else the fleet table, never to <body>. A dialog whose
 * opener is still there got its focus back from the Modal and is left alone.
 */
export function focusNodeAfterDialog(nodeId: string): void {
  window.requestAnimationFrame(() => {
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    const menu = document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(`row-menu-${nodeId}`)}"]`);
    const fallback = document.querySelector<HTMLElement>('[data-testid="fleet-table-wrap"], main h1, main h2');
    const target = menu ?? fallback;
    if (!target) return;
    if (target === fallback && !target.hasAttribute('tabindex') && target.tabIndex < 0) target.setAttribute('tabindex', '-1');
    target.focus();
  });
}
