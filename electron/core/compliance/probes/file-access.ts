/**
 * Reading a file or a folder's names, with `sudo -n` as the second try where only root may
 * (a 0600 sshd_config, /etc/shadow, a 0700 sshd_config.d). Shared by the probes.
 */
import type { BatchOp } from '../../hosts/host';
import { LIST_DIR_ARGS, listablePath, readablePath, SUDO_CAT_ARGS, SUDO_READ_ROOTS } from '../command-specs';
import { secretPathReason } from '../secret-paths';
import { asExec, asRead, NEEDS_PRIVILEGE, type ProbeProgram } from './program';

/** Config files larger than this are read in part (and say so). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** A folder with more names than this is listed in part. */
export const MAX_DIR_ENTRIES = 1000;

export type FileText =
  | { kind: 'ok'; text: string; truncated: boolean; viaSudo: boolean }
  | { kind: 'missing' }
  /** Unknown: the reason ("needs privilege", an error). */
  | { kind: 'unknown'; problem: string };

const mayUseSudo = (path: string) => SUDO_READ_ROOTS.some((root) => path.startsWith(`${root}/`));

function catOp(path: string): BatchOp {
  return { kind: 'exec', program: 'cat', args: SUDO_CAT_ARGS(path), sudo: true };
}

/** cat's "No such file" (GNU and busybox, LC_ALL=C). */
const NO_SUCH_FILE = /No such file or directory|Not a directory/;

/** A file's text: read as the login user, then with `sudo -n cat` when that was denied (under /etc). */
export function* readText(path: string, maxBytes = MAX_CONFIG_BYTES): ProbeProgram<FileText> {
  if (!readablePath.test(path)) return { kind: 'unknown', problem: `${path} is not a path the audit may read` };
  const secret = secretPathReason(path);
  if (secret) return { kind: 'unknown', problem: secret };
  const [first] = yield [{ kind: 'read', path, maxBytes }];
  const read = asRead(first);
  if (read.kind === 'ok') return { kind: 'ok', text: read.text, truncated: read.truncated, viaSudo: false };
  if (read.kind === 'missing') return { kind: 'missing' };
  if (read.kind === 'error') return { kind: 'unknown', problem: `${path}: ${read.message.slice(0, 200)}` };
  if (!mayUseSudo(path)) return { kind: 'unknown', problem: NEEDS_PRIVILEGE };
  const [second] = yield [catOp(path)];
  const cat = asExec(second);
  if (cat.needsPrivilege) return { kind: 'unknown', problem: NEEDS_PRIVILEGE };
  if (cat.exitCode === 0) {
    const truncated = cat.truncated || cat.stdout.length > maxBytes;
    return { kind: 'ok', text: truncated ? cat.stdout.slice(0, maxBytes) : cat.stdout, truncated, viaSudo: true };
  }
  if (NO_SUCH_FILE.test(cat.stderr)) return { kind: 'missing' };
  return { kind: 'unknown', problem: `sudo cat ${path}: exit ${cat.exitCode ?? 'none'}` };
}

export type DirNames = { kind: 'ok'; names: string[] } | { kind: 'missing' } | { kind: 'unknown'; problem: string };

const LS_DENIED = /Permission denied/;
const LS_MISSING = /No such file or directory/;

/** Parses `ls -1A -- DIR`: one name a line; a missing folder and a refusal told apart. Pure. */
export function parseDirListing(stdout: string, stderr: string, exitCode: number | null): DirNames {
  if (exitCode !== 0 && LS_MISSING.test(stderr)) return { kind: 'missing' };
  if (exitCode !== 0 && LS_DENIED.test(stderr)) return { kind: 'unknown', problem: NEEDS_PRIVILEGE };
  if (exitCode !== 0) return { kind: 'unknown', problem: `ls: exit ${exitCode ?? 'none'}: ${stderr.slice(0, 120)}` };
  const names = stdout
    .split('\n')
    .filter((n) => n !== '' && !n.includes('/'))
    .slice(0, MAX_DIR_ENTRIES);
  return { kind: 'ok', names: names.sort() };
}

/** A folder's names (sorted), listed as the login user, then under `sudo -n` when refused. */
export function* listDir(dir: string): ProbeProgram<DirNames> {
  if (!listablePath.test(dir)) return { kind: 'unknown', problem: `${dir} is not a folder the audit may list` };
  const [first] = yield [{ kind: 'exec', program: 'ls', args: LIST_DIR_ARGS(dir) }];
  const plain = asExec(first);
  if (plain.notFound) return { kind: 'unknown', problem: 'ls is not installed' };
  const listed = parseDirListing(plain.stdout, plain.stderr, plain.exitCode);
  if (listed.kind !== 'unknown' || listed.problem !== NEEDS_PRIVILEGE) return listed;
  const [second] = yield [{ kind: 'exec', program: 'ls', args: LIST_DIR_ARGS(dir), sudo: true }];
  const privileged = asExec(second);
  if (privileged.needsPrivilege) return { kind: 'unknown', problem: NEEDS_PRIVILEGE };
  return parseDirListing(privileged.stdout, privileged.stderr, privileged.exitCode);
}
