/**
 * A machine the engine can read from. Every command and path is checked against the host's exec
 * policy (exec-policy.ts) before anything starts; arguments are arrays handed to the program as
 * they are: no shell ever sees them as script text.
 */
import type { ExecPolicy } from './exec-policy';

export interface ExecOptions {
  /** Kill the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Stop reading after this many bytes of stdout (or of stderr); the result says `truncated`. */
  maxOutputBytes?: number;
  /**
   * Run as `sudo -n PROGRAM ARGS` (only for commands whose spec allows it). sudo never asks for
   * a password: when it would, or is not installed, the result says `needsPrivilege`.
   */
  sudo?: boolean;
}

export interface ExecResult {
  /** Exit status, or null when the command was killed or never ran. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed (or not on PATH) on this host. */
  notFound: boolean;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** Asked with `sudo`: sudo wanted a password, refused this user, or is not installed. */
  needsPrivilege?: boolean;
}

/** A file's metadata (lstat: a symbolic link is reported as itself). */
export type StatResult =
  | {
      kind: 'ok';
      type: 'file' | 'dir' | 'link' | 'other';
      /** Permission bits with setuid, setgid and sticky (e.g. 0o644). */
      mode: number;
      uid: number;
      gid: number;
      /** User and group names, or null when the node has no name for the id. */
      owner: string | null;
      group: string | null;
      size: number;
    }
  | { kind: 'missing' }
  | { kind: 'denied' }
  | { kind: 'error'; message: string };

export type ReadResult =
  | { kind: 'ok'; text: string; /** The file has more than maxBytes; text is its first maxBytes. */ truncated: boolean }
  /** No such file (or a path component is not a directory). */
  | { kind: 'missing' }
  /** The file or a folder on its way is not readable by the login user. */
  | { kind: 'denied' }
  | { kind: 'error'; message: string };

export interface ReadOptions {
  /** Default DEFAULT_READ_BYTES; at most MAX_READ_BYTES. */
  maxBytes?: number;
}

export type BatchOp =
  | { kind: 'read'; path: string; maxBytes?: number }
  | { kind: 'stat'; path: string }
  | { kind: 'exec'; program: string; args: readonly string[]; sudo?: boolean };

/** The result type of one batch op. */
export type BatchOutcome<Op extends BatchOp> = Op extends { kind: 'read' } ? ReadResult : Op extends { kind: 'stat' } ? StatResult : ExecResult;
export type BatchResults<Ops extends readonly BatchOp[]> = { -readonly [K in keyof Ops]: BatchOutcome<Ops[K]> };

export interface BatchOptions {
  /** The whole batch (over SSH) or each command (local). */
  timeoutMs?: number;
  /** All output of the batch together (over SSH). */
  maxOutputBytes?: number;
}

export interface Host {
  /** Stable id of the node this host reads from (the local node's is its hostname). */
  readonly id: string;
  readonly kind: 'local' | 'ssh';
  exec(program: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** A whole file as text; throws when it cannot be read (the collectors' sources). */
  readFile(path: string, options?: { maxBytes?: number }): Promise<string>;
  /** A file as text, telling a missing file from one the login user may not read. */
  read(path: string, options?: ReadOptions): Promise<ReadResult>;
  stat(path: string): Promise<StatResult>;
  /**
   * Several reads, stats and commands, each checked by the policy first (one refused: nothing
   * runs). Over SSH they take one round trip (one exec request); results come in the ops' order.
   */
  batch<const Ops extends readonly BatchOp[]>(ops: Ops, options?: BatchOptions): Promise<BatchResults<Ops>>;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
export const DEFAULT_READ_BYTES = 4 * 1024 * 1024;
export const MAX_READ_BYTES = 32 * 1024 * 1024;
/** More ops than this in one batch is a mistake (and would near the remote argument limit). */
export const MAX_BATCH_OPS = 256;

/** The argv that runs `program args` under `sudo -n` (never prompts; `--` ends sudo's options). */
export function sudoArgv(program: string, args: readonly string[]): string[] {
  return ['sudo', '-n', '--', program, ...args];
}

/**
 * Whether sudo refused for want of privilege: it would need a password (or a terminal to ask
 * for one), or this user may not run the command. sudo says so on stderr, in English under LC_ALL=C.
 */
export function sudoRefused(exitCode: number | null, stderr: string): boolean {
  return (
    exitCode === 1 &&
    /^sudo: (?:a password is required|a terminal is required|.*(?:is not in the sudoers file|is not allowed to (?:execute|run sudo)|may not run sudo))/m.test(
      stderr,
    )
  );
}

/**
 * A command run with `sudo -n` as its result for the caller: sudo missing or refusing becomes
 * `needsPrivilege` (not the program's `notFound`); sudo not finding the program is `notFound`.
 */
export function privilegedResult(result: ExecResult): ExecResult {
  if (result.notFound) return { ...result, notFound: false, needsPrivilege: true, stderr: result.stderr || 'sudo is not installed' };
  if (sudoRefused(result.exitCode, result.stderr)) return { ...result, needsPrivilege: true };
  if (result.exitCode === 1 && /^sudo: .*: command not found/m.test(result.stderr)) return { ...result, notFound: true };
  return result;
}

/** A read's maxBytes, checked: a whole number from 0 to MAX_READ_BYTES. */
export function readLimit(maxBytes: number | undefined): number {
  const limit = maxBytes ?? DEFAULT_READ_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_READ_BYTES)
    throw new RangeError(`maxBytes must be a whole number from 0 to ${MAX_READ_BYTES}, not ${limit}`);
  return limit;
}

/** Every op of a batch against the policy, before any runs: one refused op refuses the batch. */
export function checkBatch(policy: ExecPolicy, ops: readonly BatchOp[]): void {
  if (!Array.isArray(ops) || ops.length > MAX_BATCH_OPS) throw new RangeError(`a batch holds from 0 to ${MAX_BATCH_OPS} ops`);
  for (const op of ops) {
    if (op.kind === 'read') {
      policy.checkPath(op.path);
      readLimit(op.maxBytes);
    } else if (op.kind === 'stat') policy.checkPath(op.path);
    else if (op.kind === 'exec') policy.check(op.program, op.args, { sudo: op.sudo });
    else throw new RangeError(`unknown batch op ${JSON.stringify((op as { kind?: unknown }).kind)}`);
  }
}
