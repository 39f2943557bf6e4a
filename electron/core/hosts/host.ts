/**
 * A machine the engine can read from. Commands are named from a fixed allowlist and their
 * arguments are arrays handed to the program as they are: no shell ever sees them.
 */
import type { AllowedCommand } from './allowlist';

export interface ExecOptions {
  /** Kill the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Stop reading after this many bytes of stdout (or of stderr); the result says `truncated`. */
  maxOutputBytes?: number;
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
}

export interface Host {
  /** Stable id of the node this host reads from (the local node's is its hostname). */
  readonly id: string;
  readonly kind: 'local' | 'ssh';
  exec(command: AllowedCommand, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string, options?: { maxBytes?: number }): Promise<string>;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
