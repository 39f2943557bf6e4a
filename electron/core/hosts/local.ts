import { spawn } from 'node:child_process';
import { lstat, open, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ExecPolicy } from './exec-policy';
import {
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  checkBatch,
  readLimit,
  sudoArgv,
  privilegedResult,
  type BatchOp,
  type BatchOptions,
  type BatchResults,
  type ExecOptions,
  type ExecResult,
  type Host,
  type ReadOptions,
  type ReadResult,
  type StatResult,
} from './host';

/** Collects a stream up to a byte cap, counting what it had to drop. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs an allowlisted program on this machine. Resolves (never rejects) once the program exits,
 * or as soon as the timeout fires: a program stuck in the kernel (nvidia-smi on a GPU that fell
 * off the bus) may ignore SIGKILL, and the tick must not wait for it.
 */
export function runLocal(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const started = performance.now();
  return new Promise((resolve) => {
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    let settled = false;
    const finish = (partial: Pick<ExecResult, 'exitCode' | 'notFound' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...partial,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        durationMs: performance.now() - started,
      });
    };
    const child = spawn(program, [...args], {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ exitCode: null, notFound: false, timedOut: true });
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      // A flood of output is cut at the cap; the program is stopped rather than drained forever.
      if (stdout.truncated) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({ exitCode: null, notFound: error.code === 'ENOENT', timedOut: false });
    });
    child.on('close', (code) => finish({ exitCode: code, notFound: false, timedOut: false }));
  });
}

/** Reads at most maxBytes of a file (procfs files report size 0, so read until EOF). */
export async function readLocalFile(path: string, maxBytes = 4 * 1024 * 1024): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, 1024 * 1024));
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, maxBytes - total), null);
      if (bytesRead === 0) break;
      parts.push(Buffer.from(buffer.subarray(0, bytesRead)));
      total += bytesRead;
      if (total >= maxBytes) break;
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** What a failed file call means for the caller: no such file, not allowed, or something else. */
function fileErrorKind(error: unknown): 'missing' | 'denied' | 'error' {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  return 'error';
}

/** At most maxBytes of a file, and whether it had more (read up to maxBytes + 1). */
export async function readLocal(path: string, maxBytes: number): Promise<ReadResult> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(maxBytes + 1, 1024 * 1024));
      const parts: Buffer[] = [];
      let total = 0;
      while (total <= maxBytes) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, maxBytes + 1 - total), null);
        if (bytesRead === 0) break;
        parts.push(Buffer.from(buffer.subarray(0, bytesRead)));
        total += bytesRead;
      }
      const all = Buffer.concat(parts);
      return { kind: 'ok', text: all.subarray(0, maxBytes).toString('utf8'), truncated: all.length > maxBytes };
    } finally {
      await handle.close();
    }
  } catch (error) {
    const kind = fileErrorKind(error);
    return kind === 'error' ? { kind, message: (error as Error).message } : { kind };
  }
}

/** The name of `id` in an /etc/passwd or /etc/group style file, or null. */
async function nameOf(file: string, id: number): Promise<string | null> {
  try {
    const text = await readFile(file, 'utf8');
    for (const line of text.split('\n')) {
      const fields = line.split(':');
      if (fields.length >= 3 && fields[2] === String(id)) return fields[0]!;
    }
  } catch {
    // No names on this machine: ids only.
  }
  return null;
}

/** lstat with owner and group names (from /etc/passwd and /etc/group, as ls does without NSS). */
export async function statLocal(path: string): Promise<StatResult> {
  try {
    const info = await lstat(path);
    const type = info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
    const [owner, group] = await Promise.all([nameOf('/etc/passwd', info.uid), nameOf('/etc/group', info.gid)]);
    return { kind: 'ok', type, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, owner, group, size: info.size };
  } catch (error) {
    const kind = fileErrorKind(error);
    return kind === 'error' ? { kind, message: (error as Error).message } : { kind };
  }
}

/**
 * `program args` under `sudo -n`, unless the engine already runs as root (which needs no sudo,
 * and in a container often has none).
 */
async function runPrivileged(program: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  if (process.getuid?.() === 0) return runLocal(program, args, options);
  const [sudo, ...sudoArgs] = sudoArgv(program, args);
  return privilegedResult(await runLocal(sudo!, sudoArgs, options));
}

/** The machine the engine runs on. */
export class LocalHost implements Host {
  readonly kind = 'local' as const;
  constructor(
    private readonly policy: ExecPolicy,
    readonly id: string = hostname(),
  ) {}

  async exec(program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.policy.check(program, args, { sudo: options.sudo });
    return options.sudo ? runPrivileged(program, args, options) : runLocal(program, args, options);
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<string> {
    this.policy.checkPath(path);
    return readLocalFile(path, options?.maxBytes);
  }

  async read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    this.policy.checkPath(path);
    return readLocal(path, readLimit(options.maxBytes));
  }

  async stat(path: string): Promise<StatResult> {
    this.policy.checkPath(path);
    return statLocal(path);
  }

  /** Here a batch is the ops one after another (no round trip to save); each exec has the timeout. */
  async batch<const Ops extends readonly BatchOp[]>(ops: Ops, options: BatchOptions = {}): Promise<BatchResults<Ops>> {
    checkBatch(this.policy, ops);
    const results: unknown[] = [];
    for (const op of ops) {
      if (op.kind === 'read') results.push(await readLocal(op.path, readLimit(op.maxBytes)));
      else if (op.kind === 'stat') results.push(await statLocal(op.path));
      else results.push(await this.exec(op.program, op.args, { sudo: op.sudo, timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes }));
    }
    return results as BatchResults<Ops>;
  }
}
