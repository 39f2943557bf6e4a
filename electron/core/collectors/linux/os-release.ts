/**
 * /etc/os-release (or /usr/lib/os-release): shell-compatible `KEY=value` lines, os-release(5).
 * Values may be bare, "double-quoted" (where \" \\ \$ \` are escapes) or 'single-quoted' (no
 * escapes), and quoted parts may follow each other. Comments and blank lines are skipped. Keys
 * land in a Map, so `__proto__=x` is just a key.
 */
import { quote, sourceLines, Warnings } from './parse-support';

export interface OsRelease {
  fields: Map<string, string>;
  /** NAME, falling back to ID: what the local collector reports as distro. */
  name: string | null;
  id: string | null;
  versionId: string | null;
  prettyName: string | null;
  warnings: string[];
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]{0,63})=(.*)$/;
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`']);
const MAX_VALUE_CHARS = 4096;

/** The shell word in `raw`, or null when it is not one word (unbalanced quote, blank outside quotes). */
function shellWord(raw: string): string | null {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return null;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      for (;;) {
        if (i >= raw.length) return null;
        const d = raw[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < raw.length && DOUBLE_QUOTE_ESCAPES.has(raw[i + 1]!)) {
          out += raw[i + 1];
          i += 2;
          continue;
        }
        out += d;
        i += 1;
      }
      i += 1;
    } else if (c === '\\') {
      if (i + 1 >= raw.length) return null;
      out += raw[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t') {
      // Trailing blanks end the word; anything after them would be a second word.
      return raw.slice(i).trim() === '' ? out : null;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

export function parseOsRelease(text: string): OsRelease {
  const warnings = new Warnings();
  const values = new Map<string, string>();
  const out: OsRelease = { fields: values, name: null, id: null, versionId: null, prettyName: null, warnings: warnings.list };
  const lines = sourceLines(text, 'os-release', warnings);
  if (lines === null) return out;
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = line.length <= MAX_VALUE_CHARS ? ASSIGNMENT.exec(line) : null;
    const value = match ? shellWord(match[2]!) : null;
    if (!match || value === null) {
      warnings.add(`line ${n + 1}: not KEY=value: ${quote(line)}; skipped`);
      continue;
    }
    // Shell semantics: a later assignment wins.
    values.set(match[1]!, value);
  }
  const nonEmpty = (key: string) => {
    const v = values.get(key)?.trim();
    return v ? v : null;
  };
  out.id = nonEmpty('ID');
  out.name = nonEmpty('NAME') ?? out.id;
  out.versionId = nonEmpty('VERSION_ID');
  out.prettyName = nonEmpty('PRETTY_NAME');
  return out;
}
