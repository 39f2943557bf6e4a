/**
 * What every Linux source parser shares: size limits, safe integer reading and a bounded list of
 * warnings. Parsers never throw on odd input; they skip the line and say why here.
 */
import { Warnings } from '../../hosts/remote-text';

export { quote, Warnings } from '../../hosts/remote-text';

/** Larger input than this is refused whole: no procfs file or df listing comes near it. */
export const MAX_SOURCE_CHARS = 8 * 1024 * 1024;

/**
 * The lines of `text`, or null (with a warning) when it is too large to be what it claims to be.
 * A trailing '\r' is dropped so CRLF text reads the same.
 */
export function sourceLines(text: string, source: string, warnings: Warnings): string[] | null {
  if (typeof text !== 'string') {
    warnings.add(`${source}: not text`);
    return null;
  }
  if (text.length > MAX_SOURCE_CHARS) {
    warnings.add(`${source}: ${text.length} characters, more than the ${MAX_SOURCE_CHARS} accepted; ignored`);
    return null;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const UNSIGNED = /^\d{1,20}$/;

/**
 * A non-negative decimal integer token (a kernel counter), or null when it is not one or is too
 * large to hold exactly in a double: a wrong exact-looking value is worse than none.
 */
export function parseCounter(token: string | undefined): number | null {
  if (token === undefined || !UNSIGNED.test(token)) return null;
  const value = Number(token);
  return Number.isSafeInteger(value) ? value : null;
}

const DECIMAL = /^\d{1,15}(?:\.\d{1,9})?$/;

/** A non-negative decimal such as "0.21" or "350735.47"; null otherwise. */
export function parseDecimal(token: string | undefined): number | null {
  if (token === undefined || !DECIMAL.test(token)) return null;
  const value = Number(token);
  return Number.isFinite(value) ? value : null;
}

/** Splits on runs of blanks, dropping leading and trailing ones. */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/[ \t]+/);
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
