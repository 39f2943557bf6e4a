/**
 * The framing of remote scripts' output: the Linux collectors' scripts
 * (collectors/linux/scripts.ts) and the host's batches (batch-script.ts). The script prints
 *
 *   @@clusterdeck:begin:NAME@@
 *   |every line of the source, each behind a '|'
 *   @@clusterdeck:end:NAME:STATUS@@
 *   ...
 *   @@clusterdeck:done@@
 *
 * Every byte a source produces reaches stdout through an awk `print "|" line`, so each of its
 * lines starts with '|' - even a line a hostile file or mount name smuggles in with an embedded
 * newline. A marker is therefore any line that does not start with '|', and it only counts when it
 * matches exactly, names a section this script has, and fits the order begin -> end. A random
 * nonce would need the script to change per run; the prefix makes one unnecessary.
 */
import { quote, Warnings } from './remote-text';

export const MARKER_PREFIX = '@@clusterdeck:';
export const CONTENT_PREFIX = '|';

/** How one section ended. */
export type SectionStatus =
  /** File read whole, or the command exited 0. */
  | { kind: 'ok' }
  /** The file does not exist or cannot be read, or the command is not installed (exit 127). */
  | { kind: 'missing' }
  /** The file could not be read to its end. */
  | { kind: 'read-error' }
  /** The command exited non-zero; its output may still be useful (df exits 1 when one mount fails). */
  | { kind: 'failed'; exitCode: number }
  /** The output stopped before the section's end marker (timeout, size cap, killed). */
  | { kind: 'incomplete' };

export interface Section {
  name: string;
  lines: string[];
  status: SectionStatus;
}

export interface SplitOutput {
  sections: Map<string, Section>;
  /** The closing marker was seen: the script ran to its end. */
  done: boolean;
  warnings: string[];
}

/** Far more than any node prints; the host's own cap is the first line of defence. */
export const MAX_SCRIPT_OUTPUT_CHARS = 32 * 1024 * 1024;
/**
 * Lines kept of one section: well above what any source prints (/proc/stat of a 1,024-core
 * machine, a df of a thousand mounts), and a bound on what a flood costs the engine's thread:
 * parsing is per line, and a node may send one every tick. A longer section counts as cut off.
 * A caller whose output is bounded otherwise (a batch's byte cap) may allow more.
 */
export const MAX_SECTION_LINES = 4_096;

const MARKER = /^@@clusterdeck:(?:(begin):([a-z0-9-]{1,40})|(end):([a-z0-9-]{1,40}):(ok|missing|error|\d{1,3})|(done))@@\r?$/;

function endStatus(token: string): SectionStatus {
  if (token === 'ok') return { kind: 'ok' };
  if (token === 'missing') return { kind: 'missing' };
  if (token === 'error') return { kind: 'read-error' };
  const code = Number(token);
  if (code === 0) return { kind: 'ok' };
  // The shell's "command not found".
  if (code === 127) return { kind: 'missing' };
  return { kind: 'failed', exitCode: code };
}

/**
 * Splits one run's stdout into its sections. Never throws. Lines before the first marker (a
 * login shell's banner), stray lines, unknown or out-of-order markers, a repeated section and
 * anything after the done marker are skipped and reported in warnings.
 */
export function splitSections(stdout: string, knownSections: readonly string[], options: { maxSectionLines?: number } = {}): SplitOutput {
  const maxLines = options.maxSectionLines ?? MAX_SECTION_LINES;
  const warnings = new Warnings();
  const sections = new Map<string, Section>();
  const out: SplitOutput = { sections, done: false, warnings: warnings.list };
  const known = new Set(knownSections);
  if (stdout.length > MAX_SCRIPT_OUTPUT_CHARS) {
    warnings.add(`output of ${stdout.length} characters is over the ${MAX_SCRIPT_OUTPUT_CHARS} accepted; ignored`);
    return out;
  }
  let open: Section | null = null;
  const overlong = new Set<Section>();
  let strayLines = 0;
  let start = 0;
  let lineNumber = 0;
  while (start < stdout.length) {
    let end = stdout.indexOf('\n', start);
    if (end < 0) end = stdout.length;
    const line = stdout.slice(start, end);
    start = end + 1;
    lineNumber += 1;
    if (out.done) {
      if (line.trim() !== '') strayLines += 1;
      continue;
    }
    if (line.startsWith(CONTENT_PREFIX)) {
      if (!open) strayLines += 1;
      else if (open.lines.length < maxLines) open.lines.push(line.slice(1));
      else if (!overlong.has(open)) {
        overlong.add(open);
        warnings.add(`section ${open.name} has more than ${maxLines} lines; the rest is skipped and the section counts as cut off`);
      }
      continue;
    }
    const marker = MARKER.exec(line);
    if (!marker) {
      if (line.trim() !== '') strayLines += 1;
      continue;
    }
    if (marker[1] === 'begin') {
      const name = marker[2]!;
      if (!known.has(name)) {
        warnings.add(`line ${lineNumber}: unknown section ${quote(name)}; its lines are skipped`);
        open = null;
        continue;
      }
      if (open) {
        warnings.add(`line ${lineNumber}: section ${open.name} did not end before ${name} began`);
        open = null;
      }
      if (sections.has(name)) {
        warnings.add(`line ${lineNumber}: section ${name} repeated; the first is kept`);
        continue;
      }
      open = { name, lines: [], status: { kind: 'incomplete' } };
      sections.set(name, open);
    } else if (marker[3] === 'end') {
      const name = marker[4]!;
      if (!open || open.name !== name) {
        warnings.add(`line ${lineNumber}: end of ${quote(name)} outside that section; skipped`);
        continue;
      }
      open.status = overlong.has(open) ? { kind: 'incomplete' } : endStatus(marker[5]!);
      open = null;
    } else {
      if (open) warnings.add(`line ${lineNumber}: done while section ${open.name} was open`);
      open = null;
      out.done = true;
    }
  }
  if (strayLines > 0) warnings.add(`${strayLines} line(s) outside any section skipped`);
  return out;
}

/** A section's content as the text its parser reads. */
export function sectionText(section: Section): string {
  return section.lines.length === 0 ? '' : `${section.lines.join('\n')}\n`;
}
