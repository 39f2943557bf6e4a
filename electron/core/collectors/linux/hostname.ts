/**
 * The node's host name (`uname -n`, the kernel's nodename). Up to 64 bytes on Linux; anything
 * that is not one printable line of a plausible length is refused rather than shown.
 */
import { quote, sourceLines, Warnings } from './parse-support';

export interface Hostname {
  hostname: string | null;
  warnings: string[];
}

// Letters, digits and the punctuation seen in real host names (RFC 1123 plus '_').
const PLAUSIBLE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function parseHostname(text: string): Hostname {
  const warnings = new Warnings();
  const out: Hostname = { hostname: null, warnings: warnings.list };
  const lines = (sourceLines(text, 'hostname', warnings) ?? []).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== 1) {
    warnings.add(lines.length === 0 ? 'no host name' : `${lines.length} lines, one host name expected`);
    if (lines.length === 0) return out;
  }
  const name = lines[0]!;
  if (!PLAUSIBLE.test(name)) {
    warnings.add(`not a host name: ${quote(name)}`);
    return out;
  }
  out.hostname = name;
  return out;
}
