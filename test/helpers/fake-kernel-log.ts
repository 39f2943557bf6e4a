/**
 * Fake `journalctl` and `dmesg` for nodes without NVIDIA GPUs (every machine here): /bin/sh script
 * bodies, for a folder first on PATH (fakeProgramDir) or an SSH lab host's fakePrograms. The fake
 * journalctl serves a journal file the test appends to, the way journalctl does for the reader's
 * two calls: `-b 0 -n N` (the newest N lines) and `--after-cursor=C -n N` (up to N lines after C),
 * each followed by `-- cursor: ...` of the last line shown; with nothing new, `-- No entries --`
 * and the given cursor again, as systemd 252 prints (test/fixtures/kernel-log).
 */
import { appendFileSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A capture's lines as `journalctl -k -o short-iso-precise` prints them. dmesg's ISO stamps
 * (`2024-11-15T12:02:03,470068+00:00`, with or without --decode's `kern  :warn  : `) become the
 * journal's (`2024-11-15T12:02:03.470068+0000 HOST kernel: `); an unstamped line gets `startMs`
 * plus its position in ms.
 */
export function asJournalLines(capture: string, host: string, startMs: number): string[] {
  return capture
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const m = /^(?:[a-z]+ *:[a-z]+ *: )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}),(\d{6})\+00:00 (.*)$/.exec(line);
      if (m) return `${m[1]}.${m[2]}+0000 ${host} kernel: ${m[3]}`;
      const iso = new Date(startMs + i).toISOString();
      return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000+0000 ${host} kernel: ${line.trim()}`;
    });
}

/** A journal file (one entry per line) to serve and append to; readable by any user. */
export class FakeJournal {
  constructor(readonly path: string) {
    writeFileSync(path, '', { mode: 0o644 });
    chmodSync(path, 0o644);
  }
  append(lines: readonly string[]): void {
    if (lines.length > 0) appendFileSync(this.path, `${lines.join('\n')}\n`);
  }
}

const CURSOR_HEAD = 's=f85610fded374057b0d279f3117b658f';
const CURSOR_BOOT = 'b=57c47db808e04728a4ee5b817112b155';

/**
 * journalctl serving `journalPath`; each call's arguments are appended to `callsPath` when given.
 * The cursor's i= field is the line number of the last line shown (hex), as in journald's seqnum.
 */
export function fakeJournalctlScript(journalPath: string, callsPath?: string): string {
  return [
    `journal=${shQuote(journalPath)}`,
    callsPath ? `printf '%s\\n' "$*" >> ${shQuote(callsPath)}` : '',
    'after=; lines=; prev=',
    'for a in "$@"; do',
    '  [ "$prev" = -n ] && lines=$a',
    '  case $a in --after-cursor=*) after=${a#--after-cursor=};; esac',
    '  prev=$a',
    'done',
    '[ -n "$lines" ] || { echo "fake journalctl: no -n in: $*" >&2; exit 2; }',
    'total=$(grep -c "" "$journal")',
    'if [ -n "$after" ]; then',
    '  i=${after#*;i=}; i=${i%%;*}',
    "  case $i in ''|*[!0-9a-f]*) echo 'Failed to seek to cursor: Invalid argument' >&2; exit 1;; esac",
    '  start=$((0x$i)); end=$((start + lines)); [ "$end" -gt "$total" ] && end=$total',
    'else',
    '  end=$total; start=$((total - lines)); [ "$start" -lt 0 ] && start=0',
    'fi',
    'if [ "$end" -le "$start" ]; then',
    "  echo '-- No entries --'",
    `  [ -n "$after" ] && printf '%s %s\\n' '-- cursor:' "$after"`,
    '  exit 0',
    'fi',
    'sed -n "$((start + 1)),${end}p" "$journal"',
    `printf '%s ${CURSOR_HEAD};i=%x;${CURSOR_BOOT};m=%x;t=%x;x=%x\\n' '-- cursor:' "$end" "$end" "$end" "$end"`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** A program that prints `stdoutPath` (if any) and `stderrPath` (if any) and exits with exitCode. */
export function replayScript(output: { stdoutPath?: string; stderrPath?: string; stdoutText?: string; exitCode: number; callsPath?: string }): string {
  return [
    output.callsPath ? `printf '%s\\n' "$*" >> ${shQuote(output.callsPath)}` : '',
    output.stdoutText !== undefined ? `printf '%s\\n' ${shQuote(output.stdoutText)}` : '',
    output.stdoutPath ? `cat ${shQuote(output.stdoutPath)}` : '',
    output.stderrPath ? `cat ${shQuote(output.stderrPath)} >&2` : '',
    `exit ${output.exitCode}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** A fresh folder holding `programs` (name -> script body) as executables, and PATH with it first. */
export function fakeProgramDir(programs: Record<string, string>): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cd-fake-bin-'));
  chmodSync(dir, 0o755);
  for (const [name, body] of Object.entries(programs)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    chmodSync(file, 0o755);
  }
  return { dir, path: `${dir}${delimiter}${process.env.PATH ?? ''}` };
}
