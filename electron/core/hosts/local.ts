import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { assertAllowedCommand, assertReadablePath, type AllowedCommand } from './allowlist';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type ExecResult, type Host } from './host';

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

/** The machine the engine runs on. */
export class LocalHost implements Host {
  readonly kind = 'local' as const;
  constructor(readonly id: string = hostname()) {}

  async exec(command: AllowedCommand, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    assertAllowedCommand(command, args);
    return runLocal(command, args, options);
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<string> {
    assertReadablePath(path);
    return readLocalFile(path, options?.maxBytes);
  }
}
