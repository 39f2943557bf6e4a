/**
 * One read of a node's kernel log, from where the last read stopped: the journal first (after
 * the last cursor within the same boot; else the current boot's newest lines), `dmesg` where the
 * node keeps no journal. A login user who may read neither is a fact about the node (its
 * capability), said in words with the fix, not an error. Output and time are bounded.
 */
import { userInfo } from 'node:os';
import type { ExecResult, Host } from '../hosts/host';
import { SshHost } from '../hosts/ssh/ssh-host';
import { BOOT_ID_PATH, DMESG_ARGS, dmesgTailArgs, JOURNAL_CURSOR, MAX_JOURNAL_LINES, journalAfterArgs, journalBootArgs } from './command-specs';
import { dmesgMarkOf, dmesgSince, tailBytesFor, type DmesgMark, type DmesgTail } from './dmesg-since';
import type { KernelLogCursor, KernelLogSource } from './kernel-event-store';
import { parseKernelLog, type KernelRecord } from './kernel-log';

export interface KernelLogRead {
  bootId: string;
  source: KernelLogSource;
  /** Where the next read goes on from (journal); null for dmesg, or when the journal gave none. */
  cursor: string | null;
  /**
   * The records read. dmesg read on after its mark: the driver's records of the minute up to the
   * mark come first (read before, kept with it), so that a new line joins them as in a whole read;
   * their events are recorded already, and the store drops them again.
   */
  records: KernelRecord[];
  /** dmesg: the newest record read, for the next read to skip what this one read (kept in memory); null for the journal. */
  dmesgMark: DmesgMark | null;
  /** Why this node's kernel log cannot be read as its login user, with the fix; null when it can. */
  capability: string | null;
  warnings: string[];
}

export interface ReadKernelLogOptions {
  /** Each command's limit (default 30 s). */
  timeoutMs?: number;
  /** Each command's output limit (default 32 MiB: MAX_JOURNAL_LINES kernel lines of the kernel's longest). */
  maxOutputBytes?: number;
  /** Journal lines per read (default MAX_JOURNAL_LINES). */
  lines?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 30_000;
export const DEFAULT_READ_OUTPUT_BYTES = 32 * 1024 * 1024;

/** The boot id for a node that does not tell it (no /proc/sys/kernel/random/boot_id). */
export const UNKNOWN_BOOT = 'unknown';

const BOOT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURSOR_LINE = /^-- cursor: (.*)$/;
const CURSOR = new RegExp(`^(?:${JOURNAL_CURSOR.source})$`);
// journalctl for a user outside systemd-journal/adm: a hint, and no system (kernel) lines.
const JOURNAL_DENIED = /not seeing messages from other users and the system|insufficient permissions|Users in (?:the |groups )/i;
// No journal on the node (Storage=none, a container), or none of this boot.
const NO_JOURNAL = /No journal files were found|specified boot .*not available|No such boot ID/i;
const BAD_CURSOR = /Failed to seek to (?:after )?cursor/i;
// dmesg under kernel.dmesg_restrict=1 without CAP_SYSLOG.
const DMESG_DENIED = /Operation not permitted|Permission denied/i;

/** The user a node is read as, for the capability text. */
function loginUser(host: Host): string {
  if (host instanceof SshHost) return host.connection.endpoint.user;
  try {
    return userInfo().username;
  } catch {
    return 'the login user';
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '')
      ?.slice(0, 300) ?? ''
  );
}

function failure(what: string, result: ExecResult, timeoutMs: number): Error {
  if (result.timedOut) return new Error(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  return new Error(`${what} failed (exit ${result.exitCode ?? 'none'}): ${firstLine(result.stderr) || 'no message'}`);
}

async function readBootId(host: Host): Promise<string> {
  const result = await host.read(BOOT_ID_PATH, { maxBytes: 128 });
  if (result.kind === 'error') throw new Error(`cannot read ${BOOT_ID_PATH}: ${result.message}`);
  if (result.kind !== 'ok') return UNKNOWN_BOOT;
  const id = result.text.trim().toLowerCase();
  return BOOT_ID.test(id) ? id : UNKNOWN_BOOT;
}

interface JournalOutput {
  cursor: string | null;
  records: KernelRecord[];
  warnings: string[];
}

/** journalctl's lines without its cursor line, parsed; the cursor if it printed a valid one. */
function journalOutput(result: ExecResult): JournalOutput {
  const lines = result.stdout.split('\n');
  let cursor: string | null = null;
  const kept: string[] = [];
  for (const line of lines) {
    const m = CURSOR_LINE.exec(line);
    if (m) cursor = CURSOR.test(m[1]!) ? m[1]! : null;
    else kept.push(line);
  }
  const parsed = parseKernelLog(kept.join('\n'));
  const warnings = [...parsed.warnings];
  if (result.truncated) warnings.push('kernel log: journalctl printed more than the output limit; the rest is read next time');
  return { cursor, records: parsed.records, warnings };
}

type JournalOutcome = { kind: 'read'; output: JournalOutput } | { kind: 'none' } | { kind: 'denied' } | { kind: 'bad-cursor' };

function journalOutcome(result: ExecResult, timeoutMs: number): JournalOutcome {
  if (result.notFound) return { kind: 'none' };
  if (result.timedOut) throw failure('journalctl', result, timeoutMs);
  const output = journalOutput(result);
  if (output.records.length === 0 && JOURNAL_DENIED.test(result.stderr)) return { kind: 'denied' };
  if (output.records.length === 0 && NO_JOURNAL.test(result.stderr)) return { kind: 'none' };
  if (result.exitCode !== 0 && BAD_CURSOR.test(result.stderr)) return { kind: 'bad-cursor' };
  if (result.exitCode !== 0) throw failure('journalctl', result, timeoutMs);
  return { kind: 'read', output };
}

function deniedText(user: string, journalDenied: boolean): string {
  return journalDenied
    ? `cannot read the kernel log as ${user}: add ${user} to the adm or systemd-journal group (or set kernel.dmesg_restrict=0)`
    : `cannot read the kernel log as ${user}: the node keeps no journal and restricts dmesg; set kernel.dmesg_restrict=0 (or keep a journal and add ${user} to the systemd-journal group)`;
}

/**
 * Reads the kernel lines since `previous` (null: never read); where dmesg is read, those after
 * `dmesgMark` (the last read's, dmesg-since.ts) are parsed, or all of them when it is not found.
 * Rejects when the node cannot be reached or a command fails or hangs; a user without the right
 * to read resolves with capability.
 */
export async function readKernelLog(
  host: Host,
  previous: KernelLogCursor | null,
  options: ReadKernelLogOptions = {},
  dmesgMark: DmesgMark | null = null,
): Promise<KernelLogRead> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_READ_OUTPUT_BYTES;
  const lines = Math.max(1, Math.min(MAX_JOURNAL_LINES, Math.floor(options.lines ?? MAX_JOURNAL_LINES)));
  const limits = { timeoutMs, maxOutputBytes };
  const journal = (args: string[]) => host.exec('journalctl', args, limits);
  const tailOf = (mark: DmesgMark) => host.exec('sh', dmesgTailArgs(mark.tailBytes), limits);

  // A node read through dmesg in this boot is read so again until it reboots (then the journal
  // is asked first again): the boot id and the buffer's end in parallel, no journalctl that
  // would only say again that there is no journal (or none this user may read).
  if (previous?.source === 'dmesg' && dmesgMark !== null && dmesgMark.bootId === previous.bootId && dmesgMark.bootId !== UNKNOWN_BOOT) {
    const [bootNow, tail] = await Promise.all([readBootId(host), tailOf(dmesgMark)]);
    if (bootNow === dmesgMark.bootId) {
      const read = await dmesgAfter(host, bootNow, dmesgMark, tail, limits);
      if ('records' in read) return read;
      // dmesg fails now (no longer permitted, gone): the read from the start says why.
    }
  }

  // The boot id and the journal in parallel (one round trip's time over SSH): a cursor of
  // another boot is found out after the fact, and that read is thrown away.
  const resumable = previous?.source === 'journal' && previous.cursor !== null && CURSOR.test(previous.cursor) ? previous.cursor : null;
  const [bootId, first] = await Promise.all([readBootId(host), journal(resumable !== null ? journalAfterArgs(resumable, lines) : journalBootArgs(lines))]);
  const sameBoot = previous !== null && previous.bootId === bootId && bootId !== UNKNOWN_BOOT;

  let outcome = journalOutcome(first, timeoutMs);
  if (resumable !== null && (!sameBoot || outcome.kind === 'bad-cursor')) outcome = journalOutcome(await journal(journalBootArgs(lines)), timeoutMs);
  if (outcome.kind === 'bad-cursor') throw new Error(`journalctl refused the current boot's read: ${firstLine(first.stderr)}`);
  if (outcome.kind === 'read') {
    const { output } = outcome;
    // No cursor printed (nothing new in some versions): go on from where we were.
    const cursor = output.cursor ?? (sameBoot && resumable !== null ? resumable : null);
    return { bootId, source: 'journal', cursor, records: output.records, dmesgMark: null, capability: null, warnings: output.warnings };
  }

  // Only a mark of this boot can be found again (an unknown boot id cannot tell a reboot).
  const mark = dmesgMark !== null && dmesgMark.bootId === bootId && bootId !== UNKNOWN_BOOT ? dmesgMark : null;
  const dmesg = await dmesgAfter(host, bootId, mark, mark === null ? null : await tailOf(mark), limits);
  if ('records' in dmesg) return dmesg;
  if (dmesg.notFound) {
    if (outcome.kind === 'denied') return capability(bootId, deniedText(loginUser(host), true));
    return capability(bootId, 'neither journalctl nor dmesg is installed on this node: its kernel log cannot be read');
  }
  if (dmesg.exitCode !== 0 && !dmesg.timedOut && DMESG_DENIED.test(dmesg.stderr)) {
    return capability(bootId, deniedText(loginUser(host), outcome.kind === 'denied'));
  }
  throw failure('dmesg', dmesg, timeoutMs);
}

/**
 * The dmesg lines after `mark` (all of them without one): from `tail` (the buffer's end) where
 * that tells what is new, else from the whole buffer (a first read, a burst, the tail failing).
 * The whole buffer's failed result where dmesg itself fails, for the caller to say why.
 */
async function dmesgAfter(
  host: Host,
  bootId: string,
  mark: DmesgMark | null,
  tail: ExecResult | null,
  limits: { timeoutMs: number; maxOutputBytes: number },
): Promise<KernelLogRead | ExecResult> {
  const since = mark !== null && tail !== null && tail.exitCode === 0 ? dmesgTail(tail.stdout, mark) : null;
  if (since !== null) return dmesgRead(bootId, since, mark, false);
  const whole = await host.exec('dmesg', [...DMESG_ARGS], limits);
  return whole.exitCode === 0 ? dmesgRead(bootId, dmesgSince(whole.stdout, mark), mark, whole.truncated) : whole;
}

/**
 * What of the buffer's end (`sh -c DMESG_TAIL_SCRIPT`, mark.tailBytes of it) is new, when that is
 * certain: the text is the whole buffer (shorter than the tail), or it holds the mark and every
 * line within the clock's slack before it. Else null.
 */
function dmesgTail(stdout: string, mark: DmesgMark): DmesgTail | null {
  // Near the byte limit (a cut character decodes to a different length): taken as cut.
  const cut = Buffer.byteLength(stdout, 'utf8') >= mark.tailBytes - 4;
  // A cut text starts inside a line: that line is not read.
  const since = dmesgSince(cut ? stdout.slice(stdout.indexOf('\n') + 1) : stdout, mark);
  if (!cut) return since;
  return since.found && since.reachesBack ? since : null;
}

function dmesgRead(bootId: string, since: DmesgTail, mark: DmesgMark | null, truncated: boolean): KernelLogRead {
  const parsed = parseKernelLog(since.text);
  const warnings = [...parsed.warnings];
  if (since.gap)
    warnings.push("kernel log: dmesg's buffer no longer holds the last line read (it wrapped or was cleared): lines logged in between were missed");
  if (truncated) warnings.push('kernel log: dmesg printed more than the output limit; its newest lines were not read');
  // Read on after the mark: its context goes first, and the next tail is twice what this one needed.
  const continued = since.found && mark !== null;
  const dmesgMark = dmesgMarkOf(bootId, parsed.records, mark, continued ? { continued, tailBytes: tailBytesFor(since.spanBytes) } : {});
  const records = continued && mark.context.length > 0 ? [...mark.context, ...parsed.records] : parsed.records;
  return { bootId, source: 'dmesg', cursor: null, records, dmesgMark, capability: null, warnings };
}

function capability(bootId: string, text: string): KernelLogRead {
  return { bootId, source: 'dmesg', cursor: null, records: [], dmesgMark: null, capability: text, warnings: [] };
}
