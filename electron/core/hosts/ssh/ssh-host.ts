/**
 * A node reached over SSH, as a Host: allowlisted commands with constant arguments, run over the
 * node's persistent connection. The remote side runs exec requests through the user's shell, so
 * every argument is quoted; none is ever built from data.
 */
import { assertAllowedCommand, assertReadablePath, type AllowedCommand } from '../allowlist';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type ExecResult, type Host } from '../host';
import { shellQuote, type SshConnection } from './ssh-connection';

export class SshHost implements Host {
  readonly kind = 'ssh' as const;

  constructor(
    readonly id: string,
    readonly connection: SshConnection,
  ) {}

  async exec(command: AllowedCommand, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    assertAllowedCommand(command, args);
    const line = [command, ...args].map(shellQuote).join(' ');
    return this.connection.exec(line, options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  }

  async readFile(path: string, options: { maxBytes?: number } = {}): Promise<string> {
    assertReadablePath(path);
    const result = await this.connection.exec(`cat -- ${shellQuote(path)}`, DEFAULT_EXEC_TIMEOUT_MS, options.maxBytes ?? 4 * 1024 * 1024);
    if (result.exitCode !== 0) throw new Error(`cannot read ${path} on ${this.id}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    return result.stdout;
  }
}
