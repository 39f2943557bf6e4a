/**
 * Text that came from a node (host names, GPU names, mount points, nvidia-smi and SSH messages)
 * is data, not terminal input: printed raw, a node could retitle the operator's window, recolour
 * or clear the screen, forge lines, or reorder text with bidi overrides.
 */
import type { Logger } from '../core/log';

// C0 controls (tab and line breaks too: one field never spans lines), DEL, C1 (U+0080-U+009F,
// which holds the single-byte CSI U+009B), the line and paragraph separators, and the bidi
// marks, embeddings, overrides and isolates.
const UNSAFE_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
// The same less C0, which JSON.stringify already escapes.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const hex = (char: string, width: number) => char.codePointAt(0)!.toString(16).padStart(width, '0');

/** One line of text safe to print: whitespace controls become spaces, the others visible escapes (`\x1b`, `\u202e`). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (char) => {
    if (char === '\t' || char === '\n' || char === '\r') return ' ';
    return char.codePointAt(0)! < 0x100 ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`;
  });
}

/** JSON text safe to print: the controls JSON.stringify leaves raw become \u escapes, so the value is unchanged. */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${hex(char, 4)}`);
}

/** A logger that makes every message (and error message) safe before it reaches the terminal. */
export function terminalSafeLogger(inner: Logger): Logger {
  return {
    info: (message) => inner.info(terminalSafe(message)),
    warn: (message) => inner.warn(terminalSafe(message)),
    error: (message, error) => inner.error(terminalSafe(message), error instanceof Error ? new Error(terminalSafe(error.message)) : error),
  };
}
