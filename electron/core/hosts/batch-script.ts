/**
 * A batch of reads, stats and commands in one SSH round trip: one exec of `sh -c BATCH_SCRIPT`,
 * a constant, with every path and argument as a positional parameter (quoted one by one by the
 * SSH host, never part of the script text). The script frames each op's output as sections
 * (sections.ts):
 *
 *   o<i>  the op's stdout (a read: the file's bytes, cut at maxBytes; a stat: one line)
 *   e<i>  its stderr (at most STDERR_CAP bytes) and, in the end marker, its exit status
 *
 * Each stream passes through awk, which puts '|' before every line, so nothing an op prints can
 * forge a marker. A newline is appended to each stream before awk sees it: the lines joined
 * with '\n' are then the stream exactly, whether or not it ended with a newline.
 *
 * Positional parameters, op after op: `r MAX MAX+1 PATH` (read), `s PATH` (stat), `x N ARG1..ARGN`
 * (a command of N words), `p N ARG1..ARGN` (the same, privileged: as it is when the login user is
 * root, else under `sudo -n`; root-or-sudo.ts). The script reaches a command's words through
 * `eval` of references it builds itself (` "${3}" "${4}"`), so the words are never parsed as
 * script text.
 *
 * Like the collectors' scripts: one line of POSIX sh with no backslash, '!' or newline, so the
 * command line reads the same whatever the login shell. Needs sh, awk, head -c and stat -c (GNU
 * coreutils or busybox).
 */
import { sectionText, splitSections, type Section } from './sections';
import type { BatchOp, ExecResult, ReadResult, StatResult } from './host';
import { PRIVILEGED_FUNCTION } from './root-or-sudo';

/** Bytes of an op's stderr kept (the rest is read and dropped). */
export const STDERR_CAP = 4096;

const PRELUDE = 'LC_ALL=C; export LC_ALL; unset IFS; PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; export PATH; M=@@clusterdeck;';

// stderr lines behind '|' up to the cap; the last line is the exit status, put in the end marker.
const STDERR_AWK = [
  'awk -v n="$n" -v cap=' + STDERR_CAP + ' \'function out(l) { if (b < cap) { l = substr(l, 1, cap - b); print "|" l; b += length(l) + 1 } }',
  '{ if (NR > 1) out(p); p = $0 }',
  'END { s = "error"; if (p ~ /^[0-9][0-9]?[0-9]?$/) s = p; print "@@clusterdeck:end:e" n ":" s "@@" }\'',
].join(' ');

// op I CMD ARGS...: runs the command with stdin from /dev/null; stdout through the '|' filter
// to the real stdout (fd 4), stderr and then the status through STDERR_AWK into $c, printed as
// section e<I> once section o<I> is complete (the command substitution waits for both awks).
// The command gets none of the extra descriptors.
const OP = [
  'op() { n=$1; shift; echo "$M:begin:o$n@@";',
  '{ c=$( { { { "$@" 2>&1 1>&3 3>&- 4>&- 6>&- </dev/null; r=$?; echo >&3; echo; echo "$r"; } |',
  `${STDERR_AWK} >&6; } 3>&1 | awk '{ print "|" $0 }' >&4; } 6>&1 ); } 4>&1;`,
  'echo "$M:end:o$n:ok@@"; echo "$M:begin:e$n@@"; printf %s "$c"; echo; };',
].join(' ');

// rd MAX MAX+1 PATH: the file's first MAX+1 bytes (and the appended newline); awk passes at most
// MAX bytes of them on, exactly (a newline only between lines: op appends its own after the
// stream), and exits 3 when there were more. Lengths are bytes under LC_ALL=C.
const READ = [
  'rd() { { head -c "$2" -- "$3"; echo; } |',
  'awk -v c="$1" \'BEGIN { nl = sprintf("%c", 10) } { r = c - b; if (r < 0) { t = 1; next }',
  'if (length($0) > r) { $0 = substr($0, 1, r); t = 1 } printf "%s%s", s, $0; s = nl; b += length($0) + 1 }',
  "END { if (t) exit 3 }'; };",
].join(' ');

/** Raw mode (hex, with the type bits), uid, gid, size, user and group name. */
const STAT_FORMAT = '%f %u %g %s %U %G';

// "${3}" "${4}" ...: references to the command's own words, built here, never the words; `first`
// is a word of this script (the privileged function), or nothing.
const commandCase = (code: string, first: string) =>
  `${code}) k=$2; shift 2; a=; j=1; while [ $j -le $k ]; do a="$a "'"\${'$j'}"'; j=$((j + 1)); done; eval "op $i${first}$a"; shift $k;;`;

const LOOP = [
  'i=0; while [ $# -gt 0 ]; do case $1 in',
  'r) op $i rd "$2" "$3" "$4"; shift 4;;',
  `s) op $i stat -c '${STAT_FORMAT}' -- "$2"; shift 2;;`,
  commandCase('x', ''),
  commandCase('p', ' privileged'),
  '*) exit 2;; esac; i=$((i + 1)); done;',
  'echo "$M:done@@"',
].join(' ');

export const BATCH_SCRIPT = [PRELUDE, OP, READ, PRIVILEGED_FUNCTION, LOOP].join(' ');

/** $0 of the script: it prefixes the shell's own error messages. */
const SCRIPT_NAME = 'clusterdeck-batch';

/** The positional parameters of a batch: every value is a word of its own. */
export function batchArgv(ops: readonly BatchOp[], readLimits: readonly number[]): string[] {
  const argv = ['sh', '-c', BATCH_SCRIPT, SCRIPT_NAME];
  ops.forEach((op, i) => {
    if (op.kind === 'read') argv.push('r', String(readLimits[i]), String(readLimits[i]! + 1), op.path);
    else if (op.kind === 'stat') argv.push('s', op.path);
    else argv.push(op.sudo ? 'p' : 'x', String(op.args.length + 1), op.program, ...op.args);
  });
  return argv;
}

/** The section names of a batch of `count` ops. */
export function batchSections(count: number): string[] {
  return Array.from({ length: count }, (_, i) => [`o${i}`, `e${i}`]).flat();
}

/** A stream as it was: the lines joined (the script appended the newline the last line lacks). */
function streamText(section: Section): string {
  return section.lines.join('\n');
}

/** Why ops produced no complete output: the batch's own end. */
export function batchFailure(run: ExecResult): string {
  if (run.timedOut) return 'the batch timed out';
  if (run.truncated) return 'the batch output went over its cap';
  return `the batch ended early (exit ${run.exitCode ?? 'none'}${run.stderr.trim() ? `: ${run.stderr.trim().slice(0, 200)}` : ''})`;
}

interface OpOutput {
  stdout: Section | undefined;
  stderr: Section | undefined;
}

/** The op's exit status, or null when its output did not come back whole. */
function statusOf(output: OpOutput): number | null {
  const { stdout, stderr } = output;
  if (!stdout || !stderr || stdout.status.kind !== 'ok') return null;
  const status = stderr.status;
  if (status.kind === 'ok') return 0;
  if (status.kind === 'missing') return 127;
  return status.kind === 'failed' ? status.exitCode : null;
}

/** What a file-reading tool's error message means (GNU and busybox, LC_ALL=C). */
function fileProblem(stderr: string): 'missing' | 'denied' | null {
  if (/No such file or directory|Not a directory/.test(stderr)) return 'missing';
  if (/Permission denied|Operation not permitted/.test(stderr)) return 'denied';
  return null;
}

function readResult(output: OpOutput, run: ExecResult): ReadResult {
  const code = statusOf(output);
  if (code === null) return { kind: 'error', message: batchFailure(run) };
  const stderr = streamText(output.stderr!);
  if (stderr !== '') {
    const problem = fileProblem(stderr);
    return problem ? { kind: problem } : { kind: 'error', message: stderr.trim().slice(0, 200) };
  }
  if (code !== 0 && code !== 3) return { kind: 'error', message: `read exited ${code}` };
  return { kind: 'ok', text: streamText(output.stdout!), truncated: code === 3 };
}

const S_IFMT = 0o170000;
const FILE_TYPES: Readonly<Record<number, 'file' | 'dir' | 'link'>> = { 0o100000: 'file', 0o040000: 'dir', 0o120000: 'link' };
const STAT_LINE = /^([0-9a-f]{1,8}) (\d{1,10}) (\d{1,10}) (\d{1,20}) (\S{1,256}) (\S{1,256})$/;

function statResult(output: OpOutput, run: ExecResult): StatResult {
  const code = statusOf(output);
  if (code === null) return { kind: 'error', message: batchFailure(run) };
  const stderr = streamText(output.stderr!);
  if (code !== 0) {
    const problem = fileProblem(stderr);
    return problem ? { kind: problem } : { kind: 'error', message: stderr.trim().slice(0, 200) || `stat exited ${code}` };
  }
  const line = sectionText(output.stdout!).trim();
  const match = STAT_LINE.exec(line);
  if (!match) return { kind: 'error', message: `stat printed ${JSON.stringify(line.slice(0, 80))}` };
  const raw = Number.parseInt(match[1]!, 16);
  const size = Number(match[4]);
  const name = (text: string) => (text === 'UNKNOWN' ? null : text);
  return {
    kind: 'ok',
    type: FILE_TYPES[raw & S_IFMT] ?? 'other',
    mode: raw & 0o7777,
    uid: Number(match[2]),
    gid: Number(match[3]),
    owner: name(match[5]!),
    group: name(match[6]!),
    size: Number.isSafeInteger(size) ? size : Number.MAX_SAFE_INTEGER,
  };
}

function execResult(output: OpOutput, run: ExecResult): ExecResult {
  const code = statusOf(output);
  const stdout = output.stdout ? streamText(output.stdout) : '';
  const stderr = output.stderr && output.stderr.status.kind !== 'incomplete' ? streamText(output.stderr) : '';
  if (code === null) {
    return { exitCode: null, stdout, stderr, notFound: false, timedOut: run.timedOut, truncated: run.truncated, durationMs: run.durationMs };
  }
  return { exitCode: code, stdout, stderr, notFound: code === 127 && /not found/i.test(stderr), timedOut: false, truncated: false, durationMs: run.durationMs };
}

/** Each op's result from the batch's output; ops whose output did not come back whole are errors. */
export function batchResults(ops: readonly BatchOp[], run: ExecResult): Array<ReadResult | StatResult | ExecResult> {
  // The output is bounded by the exec's byte cap; the section line cap would only cut long files.
  const split = splitSections(run.stdout, batchSections(ops.length), { maxSectionLines: Number.MAX_SAFE_INTEGER });
  return ops.map((op, i) => {
    const output = { stdout: split.sections.get(`o${i}`), stderr: split.sections.get(`e${i}`) };
    if (op.kind === 'read') return readResult(output, run);
    if (op.kind === 'stat') return statResult(output, run);
    return execResult(output, run);
  });
}
