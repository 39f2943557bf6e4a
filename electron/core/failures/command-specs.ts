/**
 * What the kernel log reader runs and reads on nodes, for the exec policy (hosts/exec-policy.ts):
 * the kernel's lines from the journal (the current boot on first contact, then after the last
 * cursor), `dmesg` where a node keeps no journal, and the boot id that tells a reboot apart.
 */
import { ExecPolicy, integer, pattern, type HostAccess } from '../hosts/exec-policy';

/** Kernel lines read at most per journalctl call: bounds the first read and the catch-up after a long gap. */
export const MAX_JOURNAL_LINES = 20_000;

export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/**
 * A journald cursor as journalctl prints it: `s=<32 hex>;i=<hex>;b=<32 hex>;m=<hex>;t=<hex>;x=<hex>`
 * (seqnum id, seqnum, boot id, monotonic, realtime, xor hash). Nothing else passes: no quote, space
 * or option could ride along.
 */
export const JOURNAL_CURSOR = /s=[0-9a-f]{32};i=[0-9a-f]{1,16};b=[0-9a-f]{32};m=[0-9a-f]{1,16};t=[0-9a-f]{1,16};x=[0-9a-f]{1,16}/;
export const MAX_CURSOR_LENGTH = 200;

const JOURNAL_COMMON = ['-k', '-o', 'short-iso-precise', '--no-pager', '--show-cursor'] as const;
const lineCount = integer(1, MAX_JOURNAL_LINES);

/** argv of journalctl for the current boot's newest `lines` kernel lines. */
export function journalBootArgs(lines: number): string[] {
  return [...JOURNAL_COMMON, '-b', '0', '-n', String(lines)];
}

/** argv of journalctl for the kernel lines after `cursor` (at most `lines` of them, oldest first). */
export function journalAfterArgs(cursor: string, lines: number): string[] {
  return [...JOURNAL_COMMON, `--after-cursor=${cursor}`, '-n', String(lines)];
}

export const DMESG_ARGS = ['--time-format', 'iso'] as const;

/**
 * How much of the ring buffer's end a read after the first one of a boot asks for (dmesg has no
 * cursor; `--since` is not portable): as much as the last read showed is needed (dmesg-since.ts),
 * within these bounds. A quiet node's read is a few KiB, not the whole buffer.
 */
export const MIN_DMESG_TAIL_BYTES = 8192;
export const MAX_DMESG_TAIL_BYTES = 65_536;
/**
 * dmesg's last "$1" bytes: a constant script (no data in it); the byte count is its one argument,
 * a whole number the policy bounds. dmesg's own failure (not installed, not permitted) ends the
 * script with its status and words, as dmesg alone would.
 */
export const DMESG_TAIL_SCRIPT = `out=$(dmesg ${DMESG_ARGS.join(' ')}) || exit $?; printf '%s\\n' "$out" | tail -c "$1"`;
/** `$0` of the tail script: the name its own error messages carry. */
const DMESG_TAIL_NAME = 'clusterdeck-dmesg-tail';

/** argv of sh for the buffer's last `bytes` bytes. */
export function dmesgTailArgs(bytes: number): string[] {
  return ['-c', DMESG_TAIL_SCRIPT, DMESG_TAIL_NAME, String(bytes)];
}

export const FAILURE_ACCESS: HostAccess = {
  commands: [
    {
      id: 'failures.journal-boot',
      program: 'journalctl',
      args: [...JOURNAL_COMMON, '-b', '0', '-n', lineCount],
      description: "the current boot's newest kernel lines (first contact, or after a reboot), with the cursor to go on from",
    },
    {
      id: 'failures.journal-after-cursor',
      program: 'journalctl',
      args: [
        ...JOURNAL_COMMON,
        pattern('--after-cursor=<a journald cursor>', new RegExp(`--after-cursor=(?:${JOURNAL_CURSOR.source})`), MAX_CURSOR_LENGTH),
        '-n',
        lineCount,
      ],
      description: 'the kernel lines since the last read (Xid and fallen-off-the-bus events)',
    },
    {
      id: 'failures.dmesg',
      program: 'dmesg',
      args: [...DMESG_ARGS],
      description: 'the kernel ring buffer, where the node keeps no journal',
    },
    {
      id: 'failures.dmesg-tail',
      program: 'sh',
      args: ['-c', DMESG_TAIL_SCRIPT, DMESG_TAIL_NAME, integer(MIN_DMESG_TAIL_BYTES, MAX_DMESG_TAIL_BYTES)],
      description: "the ring buffer's last 8-64 KiB, where the node keeps no journal (after the first read of a boot)",
    },
  ],
  paths: [{ id: 'failures.boot-id', path: BOOT_ID_PATH, description: 'the boot id: a reboot starts a new kernel log' }],
};

/** The kernel log reader's declarations alone (tests; the engine composes every feature's). */
export const FAILURE_POLICY = ExecPolicy.of(FAILURE_ACCESS);
