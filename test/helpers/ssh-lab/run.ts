/**
 * Running the system programs the SSH lab drives (ip, ssh-keygen, nsenter, ssh...), with errors
 * that say which command failed, how, and what it printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface CommandResult {
  /** Exit status, or null when the command was killed (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** SIGKILL after this long (default 30 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Return a failed result instead of throwing. */
  allowFailure?: boolean;
  /** What the step was for, shown first in the error ("start sshd on h1"). */
  step?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** stdout/stderr kept per stream; a benchmark that floods the lab's ssh should count remotely. */
const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;

/** A shell-readable rendering of a command line, for error messages. */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function clip(text: string, max = 4000): string {
  const trimmed = text.trimEnd();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

export class LabCommandError extends Error {
  constructor(
    readonly commandLine: string,
    readonly result: CommandResult,
    step?: string,
  ) {
    const how = result.timedOut
      ? `timed out after ${result.durationMs} ms`
      : result.code === null
        ? `was killed by ${result.signal}`
        : `exited with code ${result.code}`;
    const parts = [`${step ? `${step}: ` : ''}\`${commandLine}\` ${how}`];
    if (result.stderr.trim()) parts.push(`stderr:\n${clip(result.stderr)}`);
    if (result.stdout.trim()) parts.push(`stdout:\n${clip(result.stdout, 1500)}`);
    super(parts.join('\n'));
    this.name = 'LabCommandError';
  }
}

/** Runs a program to completion (no shell). Throws LabCommandError unless it exits 0 or allowFailure. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  const commandLine = formatCommand(command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < MAX_CAPTURE_BYTES) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_CAPTURE_BYTES) err.push(chunk);
      errBytes += chunk.length;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdin.on('error', () => undefined); // a command that exits without reading its input
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.step ? `${options.step}: ` : ''}cannot start \`${commandLine}\`: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: CommandResult = {
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Math.round(performance.now() - started),
      };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new LabCommandError(commandLine, result, options.step));
    });
  });
}

/** The synchronous twin of run(), for teardown from process 'exit' handlers. */
export function runSync(command: string, args: readonly string[], options: RunOptions = {}): CommandResult {
  const started = performance.now();
  const result = spawnSync(command, args, {
    env: options.env ?? process.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_CAPTURE_BYTES,
  });
  const commandLine = formatCommand(command, args);
  if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
    throw new Error(`${options.step ? `${options.step}: ` : ''}cannot run \`${commandLine}\`: ${result.error.message}`);
  }
  const out: CommandResult = {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    timedOut: (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
    durationMs: Math.round(performance.now() - started),
  };
  if (out.code !== 0 && !options.allowFailure) throw new LabCommandError(commandLine, out, options.step);
  return out;
}

/** Blocks the thread for `ms` (teardown polling where no event loop may run). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` over `items` with at most `limit` in flight; results in input order. After a failure
 * it starts no more items, waits for those in flight (so nothing runs on behind a teardown), then
 * throws the first error.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}

/** The system programs the lab runs, by absolute path. */
export const PROGRAMS = {
  sshd: '/usr/sbin/sshd',
  ssh: '/usr/bin/ssh',
  sshKeygen: '/usr/bin/ssh-keygen',
  ip: ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? '/usr/sbin/ip',
  unshare: '/usr/bin/unshare',
  nsenter: '/usr/bin/nsenter',
  flock: '/usr/bin/flock',
  setpriv: '/usr/bin/setpriv',
  useradd: '/usr/sbin/useradd',
  usermod: '/usr/sbin/usermod',
  getent: '/usr/bin/getent',
} as const;

/** Debian package of each program, for the "install it" hint. */
const PACKAGE_OF: Record<keyof typeof PROGRAMS, string> = {
  sshd: 'openssh-server',
  ssh: 'openssh-client',
  sshKeygen: 'openssh-client',
  ip: 'iproute2',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  flock: 'util-linux',
  setpriv: 'util-linux',
  useradd: 'passwd',
  usermod: 'passwd',
  getent: 'libc-bin',
};

/** Throws one clear error naming everything the lab lacks on this machine. */
export function assertPrerequisites(): void {
  const problems: string[] = [];
  if (process.platform !== 'linux') problems.push(`it runs on Linux only (this is ${process.platform})`);
  if (process.getuid?.() !== 0) problems.push('it must run as root (network namespaces, bridges, sshd)');
  const missing = (Object.keys(PROGRAMS) as Array<keyof typeof PROGRAMS>).filter((k) => !existsSync(PROGRAMS[k]));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((k) => PACKAGE_OF[k]))];
    problems.push(`missing ${missing.map((k) => PROGRAMS[k]).join(', ')}: apt-get install -y ${packages.join(' ')}`);
  }
  if (problems.length > 0) throw new Error(`the SSH lab cannot run here: ${problems.join('; ')}`);
}
