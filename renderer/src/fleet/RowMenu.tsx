import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

export interface RowMenuItem {
  id: string;
  label: string;
  /** The accessible name when the label alone does not say which node ("Remove cpu-c"). */
  ariaLabel?: string;
  testId?: string;
  tone?: 'danger' | 'warn';
  title?: string;
  onSelect(): void;
}

/**
 * A menu button (WAI-ARIA menu pattern): Enter, Space or ArrowDown opens it on its first item,
 * ArrowUp on its last; arrows, Home and End move; Enter chooses; Escape or Tab closes it and the
 * focus goes back to the button. The menu is fixed to the viewport so the table's scroll box does
 * not clip it.
 */
export function RowMenu({ label, items, testId, attention }: { label: string; items: readonly RowMenuItem[]; testId: string; attention?: boolean }) {
  const [open, setOpen] = useState<{ at: 'first' | 'last'; top: number; right: number } | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const show = useCallback((at: 'first' | 'last') => {
    const r = buttonRef.current!.getBoundingClientRect();
    setOpen({ at, top: r.bottom + 2, right: Math.max(4, window.innerWidth - r.right) });
  }, []);
  const close = useCallback((refocus: boolean) => {
    setOpen(null);
    if (refocus) buttonRef.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    const entries = menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]');
    entries?.[open.at === 'first' ? 0 : entries.length - 1]?.focus();
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) close(false);
    };
    const away = () => close(false);
    document.addEventListener('pointerdown', outside, true);
    window.addEventListener('resize', away);
    window.addEventListener('scroll', away, true);
    return () => {
      document.removeEventListener('pointerdown', outside, true);
      window.removeEventListener('resize', away);
      window.removeEventListener('scroll', away, true);
    };
    // Runs once per opening (the position and first/last are read then).
  }, [open !== null]);

  const onButtonKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      show(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  };
  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const entries = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => entries[(i + entries.length) % entries.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        go(at + 1);
        break;
      case 'ArrowUp':
        go(at - 1);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(entries.length - 1);
        break;
      case 'Escape':
        close(true);
        break;
      case 'Tab':
        close(true);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };
  const choose = (item: RowMenuItem) => {
    // The button holds the focus while the chosen dialog opens, so the dialog returns it there.
    close(true);
    item.onSelect();
  };

  if (items.length === 0) return null;
  return (
    <>
      <button
        type="button"
        ref={buttonRef}
        className={`button button--small button--quiet row-menu__button${attention ? ' row-menu__button--attention' : ''}`}
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        title={label}
        data-testid={testId}
        onClick={() => (open ? close(true) : show('first'))}
        onKeyDown={onButtonKey}
      >
        <span aria-hidden="true">⋯</span>
        {attention && <span className="row-menu__dot" aria-hidden="true" />}
      </button>
      {open && (
        <div className="row-menu" role="menu" id={menuId} aria-label={label} ref={menuRef} style={{ top: open.top, right: open.right }} onKeyDown={onMenuKey}>
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={`row-menu__item${item.tone ? ` row-menu__item--${item.tone}` : ''}`}
              aria-label={item.ariaLabel}
              title={item.title}
              data-testid={item.testId}
              onClick={() => choose(item)}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
