import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';

interface ModalProps {
  title: ReactNode;
  /** Esc, the Cancel button, or the caller deciding it is done. */
  onClose(): void;
  children: ReactNode;
  /** Buttons, right-aligned under the body. */
  footer?: ReactNode;
  testId?: string;
  /** 'danger' paints the title bar red (a changed host key). */
  tone?: 'normal' | 'danger';
  size?: 'regular' | 'wide';
  /** Focused when the dialog opens; else the first focusable element. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Wraps body and footer in a form whose Enter key or submit button calls this. */
  onSubmit?: () => void;
}

/**
 * A real modal dialog: the native <dialog> opened with showModal(), so the page behind is inert
 * (focus cannot leave the dialog), Esc closes it, and focus returns to where it was.
 */
export function Modal({ title, onClose, children, footer, testId, tone = 'normal', size = 'regular', initialFocus, onSubmit }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    initialFocus?.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
    // Opened once per mount; the initial focus target is read then.
  }, []);

  const body = (
    <>
      <div className="modal__body">{children}</div>
      {footer && <footer className="modal__footer">{footer}</footer>}
    </>
  );

  return (
    <dialog
      ref={ref}
      className={`modal modal--${size}${tone === 'danger' ? ' modal--danger' : ''}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        // Esc: React owns whether the dialog is shown, so close through the caller.
        event.preventDefault();
        onCloseRef.current();
      }}
    >
      <header className="modal__head">
        <h2 className="modal__title" id={titleId}>
          {title}
        </h2>
        <button type="button" className="modal__close" aria-label="Close" onClick={() => onCloseRef.current()}>
          ×
        </button>
      </header>
      {onSubmit ? (
        <form
          className="modal__form"
          noValidate
          onSubmit={(event) => {
            // Never a real submission (the CSP has form-action 'none'): the handler sends the call.
            event.preventDefault();
            onSubmit();
          }}
        >
          {body}
        </form>
      ) : (
        body
      )}
    </dialog>
  );
}

interface FieldProps {
  label: string;
  /** The control's id; the label points at it. */
  id: string;
  error?: string;
  hint?: ReactNode;
  children: (describedBy: string | undefined, invalid: boolean) => ReactNode;
  className?: string;
}

/** A labelled form control with its hint and error, wired with aria-describedby and aria-invalid. */
export function Field({ label, id, error, hint, children, className }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children(describedBy, Boolean(error))}
      {error && (
        <span className="field__error" id={errorId}>
          {error}
        </span>
      )}
      {hint && (
        <span className="field__hint" id={hintId}>
          {hint}
        </span>
      )}
    </div>
  );
}

/** A dialog's error line (the engine's refusal), announced to screen readers; nothing without one. */
export function FormError({ error, prefix = '', testId }: { error: string | null; prefix?: string; testId?: string }) {
  if (!error) return null;
  return (
    <div className="form-error" role="alert" data-testid={testId}>
      {prefix}
      {error}
    </div>
  );
}
